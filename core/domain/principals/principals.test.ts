import { describe, expect, it } from 'vitest'
import { CALLER, FixedClock, memoryKeyDeps } from '../../../test/fakes/memory-store'
import { fromUtf8 } from '../../crypto/bytes'
import { unwrapUnderRoot } from '../../crypto/root-key'
import { createKey } from '../keys/create-key'
import { accessKeySecretAad } from '../authenticate'
import type { PolicyDocument } from '../policy/document'
import { AccessControl, ACCESS_CACHE_MS } from './access-control'
import { createAccessKey, deleteAccessKey, listAccessKeys, updateAccessKey } from './access-keys'
import { MemorySecrets } from '../../../test/fakes/memory-secrets'
import { MemoryIam } from './memory-iam.fake'
import { attachPolicyToUser, createPolicy, deletePolicy, detachPolicyFromUser, getPolicy, listPoliciesForUser } from './policies'
import { getKeyPolicy, setKeyPolicy } from './resource-policies'
import { createUser, deleteUser, getUser } from './users'

const doc = (statements: object[]) => JSON.stringify({ Version: '1', Statement: statements })

function setup() {
  const keyDeps = memoryKeyDeps(new FixedClock())
  const iam = new MemoryIam()
  const deps = { ...keyDeps, iam, credentials: iam }
  return { deps, iam, keyDeps }
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    return (err as { code: string }).code
  }
  return 'none'
}

describe('users and access keys', () => {
  it('creates a user, refuses duplicates and the reserved name root', async () => {
    const { deps } = setup()
    const u = await createUser(deps, CALLER, { userName: 'alice', displayName: 'Alice' })
    expect(u).toMatchObject({ userName: 'alice', displayName: 'Alice', state: 'Active' })
    expect(u.userId).toMatch(/^\d{16}$/)
    expect(await code(createUser(deps, CALLER, { userName: 'alice' }))).toBe('iam.userExists')
    expect(await code(createUser(deps, CALLER, { userName: 'root' }))).toBe('validation.invalidParameter')
    expect(await code(createUser(deps, CALLER, { userName: 'a#b' }))).toBe('validation.invalidParameter')
    expect(await code(getUser(deps, { ...CALLER, accountId: '999' }, 'alice'))).toBe('iam.userNotFound')
  })

  it('stores AccessKey secrets only wrapped, as authentication unwraps them, and at most two', async () => {
    const { deps, iam } = setup()
    await createUser(deps, CALLER, { userName: 'alice' })
    const k = await createAccessKey(deps, CALLER, 'alice')
    expect(k.accessKeyId).toMatch(/^LTAI[A-Za-z0-9]{20}$/)
    expect(k.accessKeySecret).toMatch(/^[A-Za-z0-9]{30}$/)
    const stored = iam.accessKeys.get(k.accessKeyId)!
    expect(JSON.stringify(stored)).not.toContain(k.accessKeySecret)
    const secret = await unwrapUnderRoot(deps.rootKeys, stored.wrappedSecret, accessKeySecretAad(k.accessKeyId))
    expect(fromUtf8(secret)).toBe(k.accessKeySecret)
    expect(stored).toMatchObject({ principal: 'alice', accountId: CALLER.accountId, status: 'Active' })
    await createAccessKey(deps, CALLER, 'alice')
    expect(await code(createAccessKey(deps, CALLER, 'alice'))).toBe('iam.accessKeyLimit')
    await updateAccessKey(deps, CALLER, { userName: 'alice', accessKeyId: k.accessKeyId, status: 'Inactive' })
    expect(iam.accessKeys.get(k.accessKeyId)!.status).toBe('Inactive')
    expect(await code(updateAccessKey(deps, CALLER, { userName: 'alice', accessKeyId: 'LTAInope', status: 'Active' }))).toBe(
      'iam.accessKeyNotFound',
    )
    expect(await code(deleteAccessKey(deps, { ...CALLER, accountId: '999' }, { accessKeyId: k.accessKeyId }))).toBe('iam.accessKeyNotFound')
    expect((await listAccessKeys(deps, CALLER, 'alice')).length).toBe(2)
  })

  it('refuses to delete a user with access keys or policies, then deletes it', async () => {
    const { deps, iam } = setup()
    await createUser(deps, CALLER, { userName: 'bob' })
    const k = await createAccessKey(deps, CALLER, 'bob')
    expect(await code(deleteUser(deps, CALLER, 'bob'))).toBe('iam.userHasAccessKeys')
    expect(iam.users.get(`${CALLER.accountId}/bob`)!.state).toBe('Active')
    await deleteAccessKey(deps, CALLER, { userName: 'bob', accessKeyId: k.accessKeyId })
    await attachPolicyToUser(deps, CALLER, { userName: 'bob', policyName: 'AliyunKMSFullAccess', policyType: 'System' })
    expect(await code(deleteUser(deps, CALLER, 'bob'))).toBe('iam.userHasPolicies')
    await detachPolicyFromUser(deps, CALLER, { userName: 'bob', policyName: 'AliyunKMSFullAccess', policyType: 'System' })
    await deleteUser(deps, CALLER, 'bob')
    expect(iam.users.size).toBe(0)
  })

  it('removes an AccessKey created for a user being deleted', async () => {
    const { deps, iam } = setup()
    await createUser(deps, CALLER, { userName: 'carol' })
    const realGet = iam.getUser.bind(iam)
    let calls = 0
    iam.getUser = async (a, n) => {
      const u = await realGet(a, n)
      // The re-read after writing the key sees the user being deleted.
      return ++calls === 2 && u ? { ...u, state: 'Deleting' } : u
    }
    expect(await code(createAccessKey(deps, CALLER, 'carol'))).toBe('iam.userNotFound')
    expect(iam.accessKeys.size).toBe(0)
  })
})

describe('policies', () => {
  it('validates documents at creation and reports the position', async () => {
    const { deps } = setup()
    await expect(
      createPolicy(deps, CALLER, { policyName: 'bad', document: doc([{ Effect: 'Allow', Action: 'kms:Nope', Resource: '*' }]) }),
    ).rejects.toMatchObject({
      code: 'policy.malformed',
      details: { position: 'Statement[0].Action' },
    })
    await createPolicy(deps, CALLER, {
      policyName: 'decrypt-only',
      document: doc([{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }]),
    })
    expect(
      await code(
        createPolicy(deps, CALLER, { policyName: 'decrypt-only', document: doc([{ Effect: 'Allow', Action: '*', Resource: '*' }]) }),
      ),
    ).toBe('iam.policyExists')
    expect(
      await code(
        createPolicy(deps, CALLER, { policyName: 'AdministratorAccess', document: doc([{ Effect: 'Allow', Action: '*', Resource: '*' }]) }),
      ),
    ).toBe('iam.policyExists')
    expect((await getPolicy(deps, CALLER, 'AdministratorAccess', 'System')).document).toContain('"*"')
  })

  it('refuses deleting an attached policy unless cascading, and never a system policy', async () => {
    const { deps, iam } = setup()
    await createUser(deps, CALLER, { userName: 'dave' })
    await createPolicy(deps, CALLER, { policyName: 'p1', document: doc([{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }]) })
    await attachPolicyToUser(deps, CALLER, { userName: 'dave', policyName: 'p1', policyType: 'Custom' })
    expect(await code(attachPolicyToUser(deps, CALLER, { userName: 'dave', policyName: 'p1', policyType: 'Custom' }))).toBe(
      'iam.attachmentExists',
    )
    expect((await getPolicy(deps, CALLER, 'p1', 'Custom')).attachmentCount).toBe(1)
    expect(await code(deletePolicy(deps, CALLER, 'p1'))).toBe('iam.policyAttached')
    expect(iam.policies.get(`${CALLER.accountId}/p1`)!.state).toBe('Active')
    expect(await listPoliciesForUser(deps, CALLER, 'dave')).toEqual([expect.objectContaining({ policyName: 'p1', policyType: 'Custom' })])
    await deletePolicy(deps, CALLER, 'p1', true)
    expect(iam.attachments.size).toBe(0)
    expect(await code(deletePolicy(deps, CALLER, 'AdministratorAccess'))).toBe('iam.systemPolicy')
    expect(await code(attachPolicyToUser(deps, CALLER, { userName: 'dave', policyName: 'p1', policyType: 'Custom' }))).toBe(
      'iam.policyNotFound',
    )
  })
})

describe('key policies', () => {
  it('returns the default policy, refuses malformed and locking-out documents', async () => {
    const { deps } = setup()
    const key = await createKey(deps, CALLER, {})
    expect(JSON.parse(await getKeyPolicy(deps, CALLER, key.keyId)).Statement[0].Principal.RAM).toEqual([`acs:ram::${CALLER.accountId}:*`])
    const lockout = doc([
      { Effect: 'Allow', Principal: { RAM: [`acs:ram::${CALLER.accountId}:user/alice`] }, Action: 'kms:*', Resource: '*' },
    ])
    expect(await code(setKeyPolicy(deps, CALLER, { keyId: key.keyId, policy: lockout }))).toBe('policy.lockout')
    expect(await code(setKeyPolicy(deps, CALLER, { keyId: key.keyId, policy: '{"Version":"1"' }))).toBe('policy.malformed')
    expect(await code(setKeyPolicy(deps, CALLER, { keyId: key.keyId, policyName: 'other', policy: lockout }))).toBe(
      'validation.invalidParameter',
    )
    const ok = doc([
      { Effect: 'Allow', Principal: { RAM: [`acs:ram::${CALLER.accountId}:*`] }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Allow', Principal: { RAM: ['acs:ram::2222222222222222:root'] }, Action: 'kms:Decrypt', Resource: '*' },
    ])
    await setKeyPolicy(deps, CALLER, { keyId: key.keyId, policy: ok })
    expect(await getKeyPolicy(deps, CALLER, key.keyId)).toBe(ok)
  })
})

describe('AccessControl', () => {
  it('caches identities for at most 5 s and forgets them on demand', async () => {
    const { deps, iam, keyDeps } = setup()
    const access = new AccessControl({ iam, keys: keyDeps.keys, secrets: new MemorySecrets(), clock: keyDeps.clock })
    await createUser(deps, CALLER, { userName: 'erin' })
    const erin = { ...CALLER, principal: 'erin' }
    expect((await access.identity(erin)).policies).toHaveLength(0)
    await attachPolicyToUser(deps, CALLER, { userName: 'erin', policyName: 'AliyunKMSFullAccess', policyType: 'System' })
    const reads = iam.reads
    expect((await access.identity(erin)).policies).toHaveLength(0)
    expect(iam.reads).toBe(reads)
    keyDeps.clock.ms += ACCESS_CACHE_MS
    expect((await access.identity(erin)).policies).toHaveLength(1)
    await detachPolicyFromUser(deps, CALLER, { userName: 'erin', policyName: 'AliyunKMSFullAccess', policyType: 'System' })
    access.forgetAccount(CALLER.accountId)
    expect((await access.identity(erin)).policies).toHaveLength(0)
    expect((await access.identity(CALLER)).policies).toBe('root')
  })

  it('denies everything to a user whose stored policy no longer parses', async () => {
    const { deps, iam, keyDeps } = setup()
    const access = new AccessControl({ iam, keys: keyDeps.keys, secrets: new MemorySecrets(), clock: keyDeps.clock })
    await createUser(deps, CALLER, { userName: 'frank' })
    await createPolicy(deps, CALLER, { policyName: 'p', document: doc([{ Effect: 'Allow', Action: '*', Resource: '*' }]) })
    await attachPolicyToUser(deps, CALLER, { userName: 'frank', policyName: 'p', policyType: 'Custom' })
    iam.policies.get(`${CALLER.accountId}/p`)!.document = '{broken'
    const { policies } = await access.identity({ ...CALLER, principal: 'frank' })
    expect(policies).not.toBe('root')
    expect((policies as readonly PolicyDocument[])[0]!.statements[0]!.effect).toBe('Deny')
  })
})
