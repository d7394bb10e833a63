/**
 * The contract suites against the DynamoDB repositories (core/store) on a private in-process
 * dynalite, once through the AWS SDK's document client (Node scripts) and once through the
 * Worker's WireDocumentClient. Each test gets a fresh table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PutCommand } from '@aws-sdk/lib-dynamodb'
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

describe('DynamoDB audit pages sharing a sealing-queue shard', () => {
  // Page ids are random, so which gsi2 shard a page lands in is chance (two pages share one a
  // time in eight). Here every page is put into shard 0 on purpose: a caller with a handful of
  // pages still gets them all from one listPending, and the oldest first when they are more
  // than a shard's share.
  it('listPending lists two pages of one shard in one call, and the oldest two of three', async () => {
    const store = await local.newStore('sdk')
    const at = (n: number) => `2026-11-01T00:00:0${n}.000Z`
    const records = ['111111111111', '222222222222', '333333333333'].map((accountId, i) => ({
      eventId: `e-shard-${i}`,
      accountId,
      time: at(i + 1),
      body: `{"outcome":"Success","i":${i}}`,
    }))
    const items = store.audit.pageItems(records).map((item): Record<string, unknown> => ({ ...item, gsi2pk: 'AUDIT#PAGES#0' }))
    expect(items).toHaveLength(3)
    const put = (item: Record<string, unknown>) =>
      store.table.getDocumentClient().send(new PutCommand({ TableName: store.table.getName(), Item: item }))
    await put(items[0]!)
    await put(items[1]!)
    expect((await store.audit.listPending(at(9), 100)).map((r) => r.eventId)).toEqual(['e-shard-0', 'e-shard-1'])
    await put(items[2]!)
    const listed = (await store.audit.listPending(at(9), 100)).map((r) => r.eventId)
    expect(listed.slice(0, 2)).toEqual(['e-shard-0', 'e-shard-1'])
    // Retiring what was listed lets the next call reach the third.
    await store.audit.retirePage(items[0]!.pageId as string)
    await store.audit.retirePage(items[1]!.pageId as string)
    expect((await store.audit.listPending(at(9), 100)).map((r) => r.eventId)).toEqual(['e-shard-2'])
  })
})
