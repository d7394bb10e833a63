/**
 * The contract suites against the DynamoDB repositories (core/store) on a private in-process
 * dynalite, once through the AWS SDK's document client (Node scripts) and once through the
 * Worker's WireDocumentClient. Each test gets a fresh table.
 */
import { afterAll, beforeAll } from 'vitest'
import { startLocalDynamo, type ClientKind, type LocalDynamo } from './local-dynamo'
import { describeKeyRepositoryContract } from './key-repository.contract'
import { describeAliasRepositoryContract } from './alias-repository.contract'
import { describeSecretRepositoryContract } from './secret-repository.contract'
import { describeIamRepositoryContract } from './iam-repository.contract'
import { describeAuditRepositoryContract } from './audit-repository.contract'

let local: LocalDynamo
beforeAll(async () => {
  local = await startLocalDynamo()
})
afterAll(async () => {
  await local?.close()
})

for (const kind of ['sdk', 'wire'] as const satisfies readonly ClientKind[]) {
  const name = `DynamoDB (dynalite, ${kind} client)`
  const store = () => local.newStore(kind)
  describeKeyRepositoryContract(name, async () => (await store()).keys)
  describeAliasRepositoryContract(name, async () => (await store()).aliases)
  describeSecretRepositoryContract(name, async () => (await store()).secrets)
  describeIamRepositoryContract(name, async () => {
    const s = await store()
    return { iam: s.iam, credentials: s.credentials }
  })
  describeAuditRepositoryContract(name, async () => (await store()).audit)
}
