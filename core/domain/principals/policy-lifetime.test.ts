/**
 * Resource-scoped policies live exactly as long as what they are attached to: a secret deleted and
 * created again under the same name starts with the default policy (the old grants never reach
 * it), the purge deletes the policy items, a SetSecretPolicy that loses the race with a purge
 * removes its own write, a destroyed key's policy goes, and a compiled document is never reused
 * for another text under the same name and revision.
 */
import { describe, expect, it } from 'vitest'
import { CALLER } from '../../../test/fakes/memory-store'
import { memorySecretDeps } from '../../../test/fakes/memory-secrets'
import { createKey } from '../keys/create-key'
import { scheduleKeyDeletion } from '../keys/key-lifecycle'
import { purgeDeletedKeys } from '../jobs/purge-deleted-keys'
import { conditionContext, evaluate, type PrincipalRef } from '../policy/evaluate'
import { createSecret } from '../secrets/create-secret'
import { deleteSecret } from '../secrets/delete-secret'
import { runSecretsJob } from '../secrets/purge-job'
import { AccessControl } from './access-control'
import { MemoryIam } from './memory-iam.fake'
import { attachPolicyToUser, createPolicy, deletePolicy, detachPolicyFromUser } from './policies'
import { getSecretPolicy, setKeyPolicy, setSecretPolicy } from './resource-policies'
import { createUser } from './users'

const A = CALLER.accountId
const R = CALLER.region
const alice: PrincipalRef = { accountId: A, arn: `acs:ram::${A}:user/alice`, isRoot: false }
const doc = (statements: object[]) => JSON.stringify({ Version: '1', Statement: statements })
const grantAlice = doc([
  { Effect: 'Allow', Principal: { RAM: [`acs:ram::${A}:*`] }, Action: 'kms:*', Resource: '*' },
  { Effect: 'Allow', Principal: { RAM: [alice.arn] }, Action: 'kms:GetSecretValue', Resource: '*' },
])
const secretArn = (name: string) => `acs:kms:${R}:${A}:secret/${name}`

function setup() {
  const base = memorySecretDeps()
  const iam = new MemoryIam()
  const deps = { ...base, iam, credentials: iam }
  const access = new AccessControl({ iam, keys: base.keys, secrets: base.secrets, clock: base.clock })
  /** Whether alice (no identity policy at all) may read the secret, by its policy alone. */
  const aliceMayRead = async (name: string, ac = access) =>
    evaluate(
      { principal: alice, action: 'kms:GetSecretValue', resource: secretArn(name), context: conditionContext({}) },
      { identity: [], resource: await ac.secretPolicy(A, R, name), crossAccount: true },
    ).allowed
  return { deps, iam, access, aliceMayRead }
}

const create = (deps: ReturnType<typeof setup>['deps'], name: string) =>
  createSecret(deps, CALLER, { secretName: name, versionId: 'v1', secretData: 'value' })

describe('secret policies live as long as the secret', () => {
  it('a secret force-deleted and created again does not inherit the old policy (same isolate and a fresh one)', async () => {
    const { deps, iam, aliceMayRead } = setup()
    await create(deps, 'db')
    await setSecretPolicy(deps, CALLER, { secretName: 'db', policy: grantAlice })
    expect(await aliceMayRead('db')).toBe(true)
    await deleteSecret(deps, CALLER, 'db', { forceDeleteWithoutRecovery: true })
    expect(iam.resourcePolicies.size).toBe(0)
    // Deleted: judged by the default policy, like any missing secret.
    expect(await aliceMayRead('db')).toBe(false)
    await create(deps, 'db')
    expect(await aliceMayRead('db')).toBe(false)
    const fresh = new AccessControl({ iam, keys: deps.keys, secrets: deps.secrets, clock: deps.clock })
    expect(await aliceMayRead('db', fresh)).toBe(false)
    expect(JSON.parse(await getSecretPolicy(deps, CALLER, 'db')).Statement).toHaveLength(1)
  })

  it('a policy left behind by a purge that never deleted it still does not reach the next secret', async () => {
    const { deps, iam, aliceMayRead } = setup()
    await create(deps, 'db')
    await setSecretPolicy(deps, CALLER, { secretName: 'db', policy: grantAlice })
    const leftBehind = new Map(iam.resourcePolicies)
    await deleteSecret(deps, CALLER, 'db', { forceDeleteWithoutRecovery: true })
    for (const [k, v] of leftBehind) iam.resourcePolicies.set(k, v)
    await create(deps, 'db')
    expect(await aliceMayRead('db')).toBe(false)
  })

  it('the scheduled purge after the recovery window deletes the policy', async () => {
    const { deps, iam, aliceMayRead } = setup()
    await create(deps, 'db')
    await setSecretPolicy(deps, CALLER, { secretName: 'db', policy: grantAlice })
    await deleteSecret(deps, CALLER, 'db', { recoveryWindowInDays: 7 })
    expect(await aliceMayRead('db')).toBe(true)
    deps.clock.ms += 8 * 86_400_000
    expect((await runSecretsJob(deps, deps.clock.now(), 10)).processed).toBe(1)
    expect(iam.resourcePolicies.size).toBe(0)
    await create(deps, 'db')
    expect(await aliceMayRead('db')).toBe(false)
  })

  it('a SetSecretPolicy that loses the race with a purge removes its own write', async () => {
    const { deps, iam } = setup()
    await create(deps, 'db')
    const put = iam.putResourcePolicy.bind(iam)
    iam.putResourcePolicy = async (record, rev) => {
      await deleteSecret(deps, CALLER, 'db', { forceDeleteWithoutRecovery: true })
      await put(record, rev)
    }
    await expect(setSecretPolicy(deps, CALLER, { secretName: 'db', policy: grantAlice })).rejects.toMatchObject({ code: 'secret.notFound' })
    expect(iam.resourcePolicies.size).toBe(0)
  })

  it('heads from before uids: the by-name policy applies to that secret only, and goes with it', async () => {
    const { deps, iam, aliceMayRead } = setup()
    await create(deps, 'old')
    const stored = deps.secrets.heads.get(`${A}#${R}#old`)!
    delete stored.uid
    await setSecretPolicy(deps, CALLER, { secretName: 'old', policy: grantAlice })
    expect([...iam.resourcePolicies.keys()]).toEqual([`s/${A}/${R}/old`])
    expect(await aliceMayRead('old')).toBe(true)
    await deleteSecret(deps, CALLER, 'old', { forceDeleteWithoutRecovery: true })
    expect(iam.resourcePolicies.size).toBe(0)
  })

  it('a by-name policy written before a uid head was created is ignored; in the same second only its Denies apply', async () => {
    const { deps, iam, aliceMayRead } = setup()
    const legacy = (updatedAt: string, document: string) =>
      iam.resourcePolicies.set(`s/${A}/${R}/db`, {
        target: { kind: 'secret', accountId: A, region: R, secretName: 'db' },
        accountId: A,
        document,
        updatedAt,
        rev: 1,
      })
    const head = await create(deps, 'db')
    const created = Date.parse(head.createdAt)
    legacy(new Date(created - 1000).toISOString(), grantAlice)
    expect(await aliceMayRead('db')).toBe(false)
    const fresh1 = new AccessControl({ iam, keys: deps.keys, secrets: deps.secrets, clock: deps.clock })
    legacy(new Date(created + 1000).toISOString(), grantAlice)
    expect(await aliceMayRead('db', fresh1)).toBe(true)
    // Same second: the grant to alice is dropped, a Deny is kept.
    const denyAll = doc([
      { Effect: 'Allow', Principal: { RAM: [alice.arn] }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Deny', Principal: { RAM: [`acs:ram::${A}:*`] }, Action: 'kms:GetSecretValue', Resource: '*' },
    ])
    legacy(head.createdAt, denyAll)
    const fresh2 = new AccessControl({ iam, keys: deps.keys, secrets: deps.secrets, clock: deps.clock })
    const policy = await fresh2.secretPolicy(A, R, 'db')
    expect(policy.statements.map((s) => s.effect)).toEqual(['Allow', 'Deny'])
    expect(policy.statements[0]!.principals![0]!.account?.(A)).toBe(true)
    expect(await aliceMayRead('db', fresh2)).toBe(false)
  })
})

describe('other policies keyed by reusable names', () => {
  it('a destroyed key loses its policy item', async () => {
    const { deps, iam } = setup()
    const key = await createKey(deps, CALLER, {})
    await setKeyPolicy(deps, CALLER, { keyId: key.keyId, policy: grantAlice })
    expect(iam.resourcePolicies.size).toBe(1)
    await scheduleKeyDeletion(deps, CALLER, key.keyId, 7)
    const report = await purgeDeletedKeys.run(deps, deps.clock.now() + 8 * 86_400_000, 10)
    expect(report.processed).toBe(1)
    expect(iam.resourcePolicies.size).toBe(0)
  })

  it('a custom policy deleted and created again under the same name applies its new text', async () => {
    const { deps, access } = setup()
    await createUser(deps, CALLER, { userName: 'alice' })
    const allowDecrypt = doc([{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }])
    const allowEncrypt = doc([{ Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*' }])
    const caller = { ...CALLER, principal: 'alice' }
    const may = async (action: string) => {
      const id = await access.identity(caller)
      return evaluate(
        { principal: id.principal, action, resource: `acs:kms:${R}:${A}:key/k`, context: conditionContext({}) },
        { identity: id.policies, resource: access.defaultPolicy(A), crossAccount: true },
      ).allowed
    }
    await createPolicy(deps, CALLER, { policyName: 'p', document: allowDecrypt })
    await attachPolicyToUser(deps, CALLER, { userName: 'alice', policyName: 'p', policyType: 'Custom' })
    expect(await may('kms:Decrypt')).toBe(true)
    await detachPolicyFromUser(deps, CALLER, { userName: 'alice', policyName: 'p', policyType: 'Custom' })
    await deletePolicy(deps, CALLER, 'p')
    await createPolicy(deps, CALLER, { policyName: 'p', document: allowEncrypt })
    await attachPolicyToUser(deps, CALLER, { userName: 'alice', policyName: 'p', policyType: 'Custom' })
    access.forgetAccount(A)
    expect(await may('kms:Decrypt')).toBe(false)
    expect(await may('kms:Encrypt')).toBe(true)
  })
})
