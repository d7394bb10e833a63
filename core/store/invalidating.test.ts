/**
 * The repositories of deps drop, in their isolate, exactly the access views a write changes
 * (core/store/invalidating.ts) — whoever the writer is — and reads drop nothing.
 */
import { describe, expect, it } from 'vitest'
import { fakeDeps } from '../../test/fakes/deps'
import { CALLER, MemoryKeys } from '../../test/fakes/memory-store'
import { createKey } from '../domain/keys/create-key'
import { listKeyTags, tagKey } from '../domain/keys/key-tags'
import { ConditionFailed, type AccessInvalidation } from '../domain/ports'
import { MemoryIam } from '../domain/principals/memory-iam.fake'
import { attachPolicyToUser, detachPolicyFromUser, listPoliciesForUser } from '../domain/principals/policies'
import { getKeyPolicy, setKeyPolicy } from '../domain/principals/resource-policies'
import { createUser, getUser } from '../domain/principals/users'
import { defaultResourcePolicyText } from '../domain/policy/system-policies'
import { invalidating } from './invalidating'

const OTHER = { ...CALLER, accountId: '6543210987654321' }

/** Full deps wired as getDeps wires them, two keys and two users (one per account) cached. */
async function warm() {
  const fake = await fakeDeps({ accountId: CALLER.accountId })
  const { deps } = fake
  const caches = deps.isolate.access
  const a = await createKey(deps, CALLER, {})
  const b = await createKey(deps, CALLER, {})
  await createUser(deps, CALLER, { userName: 'alice' })
  await createUser(deps, OTHER, { userName: 'bob' })
  const alice = { ...CALLER, principal: 'alice' }
  const bob = { ...OTHER, principal: 'bob' }
  await deps.access.key(a.keyId)
  await deps.access.key(b.keyId)
  await deps.access.identity(alice)
  await deps.access.identity(bob)
  const cached = () => ({
    a: caches.keyViews.get(a.keyId) !== undefined,
    b: caches.keyViews.get(b.keyId) !== undefined,
    alice: caches.identities.get(`${CALLER.accountId}/alice`) !== undefined,
    bob: caches.identities.get(`${OTHER.accountId}/bob`) !== undefined,
  })
  expect(cached()).toEqual({ a: true, b: true, alice: true, bob: true })
  return { ...fake, a, b, alice, bob, cached }
}

describe('writes through deps drop the access views they change, in that isolate', () => {
  it('a key write (TagResource) drops that key’s view, and the new tags are seen at once', async () => {
    const { deps, a, cached } = await warm()
    await tagKey(deps, CALLER, a.keyId, [{ TagKey: 'team', TagValue: 'red' }])
    expect(cached()).toEqual({ a: false, b: true, alice: true, bob: true })
    expect((await deps.access.key(a.keyId)).tags).toEqual({ team: 'red' })
  })

  it('a key-policy write (SetKeyPolicy) drops that key’s view only', async () => {
    const { deps, a, cached } = await warm()
    const policy = JSON.stringify({
      Version: '1',
      Statement: [
        ...JSON.parse(defaultResourcePolicyText(CALLER.accountId)).Statement,
        { Effect: 'Deny', Principal: { RAM: ['*'] }, Action: ['kms:Decrypt'], Resource: ['*'] },
      ],
    })
    await setKeyPolicy(deps, CALLER, { keyId: a.keyId, policy })
    expect(cached()).toEqual({ a: false, b: true, alice: true, bob: true })
    expect((await deps.access.key(a.keyId)).policy!.statements.some((s) => s.effect === 'Deny')).toBe(true)
  })

  it('a RAM attach and a detach drop the account’s identities (not another account’s)', async () => {
    const { deps, alice, cached } = await warm()
    await attachPolicyToUser(deps, CALLER, { userName: 'alice', policyName: 'AliyunKMSFullAccess', policyType: 'System' })
    expect(cached()).toEqual({ a: true, b: true, alice: false, bob: true })
    expect((await deps.access.identity(alice)).policies).toHaveLength(1)
    await detachPolicyFromUser(deps, CALLER, { userName: 'alice', policyName: 'AliyunKMSFullAccess', policyType: 'System' })
    expect(cached()).toEqual({ a: true, b: true, alice: false, bob: true })
    expect((await deps.access.identity(alice)).policies).toHaveLength(0)
  })

  it('reads drop nothing', async () => {
    const { deps, a, cached } = await warm()
    await deps.keys.get(a.keyId)
    await deps.keys.listByAccount(CALLER.accountId, CALLER.region)
    await listKeyTags(deps, CALLER, a.keyId)
    await getKeyPolicy(deps, CALLER, a.keyId)
    await getUser(deps, CALLER, 'alice')
    await listPoliciesForUser(deps, CALLER, 'alice')
    await deps.iam.listAccessKeys(CALLER.accountId, 'root')
    await deps.credentials.getAccount(CALLER.accountId)
    expect(cached()).toEqual({ a: true, b: true, alice: true, bob: true })
  })
})

describe('invalidating()', () => {
  function recorded() {
    const calls: string[] = []
    const access: AccessInvalidation = {
      forgetKey: (keyId) => calls.push(`key ${keyId}`),
      forgetAccount: (accountId) => calls.push(`account ${accountId}`),
      forgetSecret: (accountId, region, name) => calls.push(`secret ${accountId}/${region}/${name}`),
    }
    const iam = new MemoryIam()
    const keys = new MemoryKeys()
    return { calls, keys, iam, repos: invalidating({ keys, iam, credentials: iam }, access) }
  }

  it('maps each write to the one view it changes', async () => {
    const { calls, repos } = recorded()
    const acct = CALLER.accountId
    const at = '2026-11-23T12:00:00Z'
    await repos.iam.createUser({
      accountId: acct,
      userName: 'u',
      displayName: '',
      comments: '',
      state: 'Active',
      createdAt: at,
      updatedAt: at,
      rev: 1,
    } as never)
    await repos.iam.putResourcePolicy(
      { target: { kind: 'key', keyId: 'k1' }, accountId: acct, document: '{}', updatedAt: at, rev: 1 },
      undefined,
    )
    await repos.iam.deleteResourcePolicy({ kind: 'key', keyId: 'k1' })
    const secret = { kind: 'secret' as const, accountId: acct, region: 'cn-hangzhou', secretName: 's', uid: 'u1' }
    await repos.iam.putResourcePolicy({ target: secret, accountId: acct, document: '{}', updatedAt: at, rev: 1 }, undefined)
    await repos.iam.deleteResourcePolicy(secret)
    await repos.credentials.putAccessKey({
      accessKeyId: 'LTAIx',
      accountId: acct,
      principal: 'u',
      status: 'Active',
      wrappedSecret: '',
      createdAt: at,
    } as never)
    await repos.iam.setAccessKeyStatus('LTAIx', acct, 'u', 'Inactive')
    await repos.iam.deleteAccessKey('LTAIx', acct, 'u')
    expect(calls).toEqual([
      `account ${acct}`,
      'key k1',
      'key k1',
      `secret ${acct}/cn-hangzhou/s`,
      `secret ${acct}/cn-hangzhou/s`,
      `account ${acct}`,
      `account ${acct}`,
      `account ${acct}`,
    ])
  })

  it('drops the view also when the write fails (a lost conditional write means it may be stale)', async () => {
    const { calls, repos } = recorded()
    await expect(repos.iam.deleteAttachment(CALLER.accountId, 'nobody', 'System', 'AliyunKMSFullAccess')).rejects.toBeInstanceOf(
      ConditionFailed,
    )
    await expect(repos.keys.replace({ keyId: 'missing', rev: 2 } as never, 1)).rejects.toThrow()
    expect(calls).toEqual([`account ${CALLER.accountId}`, 'key missing'])
  })
})
