/**
 * Authorisation end to end on the app with fake deps (test/app/harness.ts): principals (RAM API)
 * × KMS APIs × resources with the expected allow/deny; the user that may only Decrypt under one
 * key; key policies (default, lockout, explicit Deny); conditions; aliases; secrets; disabled
 * AccessKeys; and a second account (bootstrapped in the fake deps, as `POST /__local/accounts`
 * does) for the cross-account rules: key use needs the key policy AND the caller's policy,
 * management never. Every denial is refused before dispatch: its handler never ran and it wrote
 * nothing. The same calls through the official SDKs are covered by test/integration/sdk-smoke.
 */
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { expectUnhandled, fake, stack, v1 } from './harness'

type Account = { accountId: string; accessKeyId: string; accessKeySecret: string }
type Principal = { name: string; accessKeyId: string; secret: string }
type Caller = { accessKeyId: string; secret?: string; accessKeySecret?: string }
type Json = Record<string, any>

const RAM_VERSION = '2015-05-01'
const b64 = (s: string) => Buffer.from(s).toString('base64')
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8')
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`
const doc = (...Statement: object[]) => JSON.stringify({ Version: '1', Statement })

/**
 * A principal's API: the JSON of a 200, or a rejection carrying `code` as the SDKs throw it. A
 * denial (Forbidden.NoPermission) must never have reached the action's handler.
 */
const as =
  (p: Caller, version?: string) =>
  async (action: string, params: Record<string, string> = {}): Promise<Json> => {
    const res = await v1(action, params, {
      accessKeyId: p.accessKeyId,
      secret: p.secret ?? p.accessKeySecret!,
      ...(version ? { version } : {}),
    })
    if (res.status === 200) return res.json
    if (res.json?.Code === 'Forbidden.NoPermission') expectUnhandled(res)
    throw Object.assign(new Error(res.text), { code: res.json?.Code })
  }
const kms = (p: Caller) => as(p)
const ram = (p: Caller) => as(p, RAM_VERSION)

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    return String((err as { code?: string }).code ?? '')
  }
  return 'OK'
}

const rootAccount = (): Account => ({
  accountId: fake.root.accountId,
  accessKeyId: fake.root.accessKeyId,
  accessKeySecret: fake.root.accessKeySecret,
})

/** A RAM user of `account` with the given identity policy documents and system policies. */
async function principal(account: Account, documents: string[], system: string[] = []): Promise<Principal> {
  const admin = ram(account)
  const userName = unique('p')
  await admin('CreateUser', { UserName: userName })
  for (const policyDocument of documents) {
    const policyName = unique('pol')
    await admin('CreatePolicy', { PolicyName: policyName, PolicyDocument: policyDocument })
    await admin('AttachPolicyToUser', { UserName: userName, PolicyName: policyName, PolicyType: 'Custom' })
  }
  for (const policyName of system) await admin('AttachPolicyToUser', { UserName: userName, PolicyName: policyName, PolicyType: 'System' })
  const { AccessKey } = await admin('CreateAccessKey', { UserName: userName })
  return { name: userName, accessKeyId: AccessKey.AccessKeyId, secret: AccessKey.AccessKeySecret }
}

/** A second account, bootstrapped as the local-only `POST /__local/accounts` does. */
const secondAccount = (): Promise<Account> => fake.addAccount()

const root = rootAccount
let k1: string
let k2: string
let blob1: string
let blob2: string
const region = () => stack().regionId
const keyArn = (account: string, keyId: string) => `acs:kms:${region()}:${account}:key/${keyId}`
const createKey = async (p: Caller, params: Record<string, string> = {}) => (await kms(p)('CreateKey', params)).KeyMetadata.KeyId as string

beforeAll(async () => {
  const admin = kms(root())
  k1 = await createKey(root(), { Description: 'matrix k1' })
  k2 = await createKey(root(), { Description: 'matrix k2' })
  blob1 = (await admin('Encrypt', { KeyId: k1, Plaintext: b64('one') })).CiphertextBlob
  blob2 = (await admin('Encrypt', { KeyId: k2, Plaintext: b64('two') })).CiphertextBlob
})

describe('principals × APIs × resources', () => {
  it('allows and denies exactly as the policies say', async () => {
    const A = root().accountId
    const alias = `alias/${unique('mx')}`
    await kms(root())('CreateAlias', { AliasName: alias, KeyId: k1 })
    const principals: Record<string, Principal | Account> = {
      root: root(),
      none: await principal(root(), []),
      decryptK1: await principal(root(), [doc({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn(A, k1) })]),
      denyDecrypt: await principal(root(), [doc({ Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*' })], ['AliyunKMSFullAccess']),
      readOnly: await principal(root(), [], ['AliyunKMSReadOnlyAccess']),
    }
    const apis: Record<string, (c: ReturnType<typeof kms>) => Promise<unknown>> = {
      'DescribeKey k1': (c) => c('DescribeKey', { KeyId: k1 }),
      'Encrypt k1': (c) => c('Encrypt', { KeyId: k1, Plaintext: b64('m') }),
      'Decrypt blob of k1': async (c) => expect(unb64((await c('Decrypt', { CiphertextBlob: blob1 })).Plaintext)).toBe('one'),
      'Decrypt blob of k2': (c) => c('Decrypt', { CiphertextBlob: blob2 }),
      'GenerateDataKey k1': (c) => c('GenerateDataKey', { KeyId: k1 }),
      'Encrypt via alias': (c) => c('Encrypt', { KeyId: alias, Plaintext: b64('m') }),
      ListKeys: (c) => c('ListKeys'),
      ListAliases: (c) => c('ListAliases'),
      DescribeRegions: (c) => c('DescribeRegions'),
      'UpdateKeyDescription k2': (c) => c('UpdateKeyDescription', { KeyId: k2, Description: 'matrix k2' }),
      'TagResource k2': (c) => c('TagResource', { KeyId: k2, Tags: JSON.stringify([{ TagKey: 'm', TagValue: 'x' }]) }),
    }
    const all = Object.keys(apis)
    const expected: Record<string, string[]> = {
      root: all,
      none: [],
      decryptK1: ['Decrypt blob of k1'],
      denyDecrypt: all.filter((a) => !a.startsWith('Decrypt')),
      readOnly: ['DescribeKey k1', 'ListKeys', 'ListAliases', 'DescribeRegions'],
    }
    const observed: Record<string, string[]> = {}
    const denials: string[] = []
    for (const [who, p] of Object.entries(principals)) {
      observed[who] = []
      for (const [api, call] of Object.entries(apis)) {
        const outcome = await failure(call(kms(p)))
        if (outcome === 'OK') observed[who]!.push(api)
        else denials.push(outcome)
      }
    }
    expect(observed).toEqual(expected)
    expect(new Set(denials)).toEqual(new Set(['Forbidden.NoPermission']))
  })

  it('lets a user with only kms:Decrypt on one key do exactly that and nothing else', async () => {
    const A = root().accountId
    const user = await principal(root(), [doc({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn(A, k1) })])
    const c = kms(user)
    const ctx = JSON.stringify({ app: 'x' })
    const ctxBlob = (await kms(root())('Encrypt', { KeyId: k1, Plaintext: b64('ctx'), EncryptionContext: ctx })).CiphertextBlob
    expect(unb64((await c('Decrypt', { CiphertextBlob: ctxBlob, EncryptionContext: ctx })).Plaintext)).toBe('ctx')
    const before = (await kms(root())('DescribeKey', { KeyId: k1 })).KeyMetadata
    const denied: Array<[string, () => Promise<unknown>]> = [
      ['Encrypt k1', () => c('Encrypt', { KeyId: k1, Plaintext: b64('x') })],
      ['Decrypt k2 blob', () => c('Decrypt', { CiphertextBlob: blob2 })],
      ['DescribeKey k1', () => c('DescribeKey', { KeyId: k1 })],
      ['DescribeKey unknown', () => c('DescribeKey', { KeyId: randomUUID() })],
      ['GenerateDataKey k1', () => c('GenerateDataKey', { KeyId: k1 })],
      ['ReEncrypt to k1', () => c('ReEncrypt', { CiphertextBlob: blob1, DestinationKeyId: k1 })],
      ['DisableKey k1', () => c('DisableKey', { KeyId: k1 })],
      ['ScheduleKeyDeletion k1', () => c('ScheduleKeyDeletion', { KeyId: k1, PendingWindowInDays: '7' })],
      ['CreateKey', () => c('CreateKey')],
      ['ListKeys', () => c('ListKeys')],
      ['CreateAlias', () => c('CreateAlias', { AliasName: `alias/${unique('d')}`, KeyId: k1 })],
      ['GetKeyPolicy', () => c('GetKeyPolicy', { KeyId: k1, PolicyName: 'default' })],
      ['Decrypt garbage', () => c('Decrypt', { CiphertextBlob: b64('not a blob at all, not at all') })],
    ]
    for (const [name, call] of denied) expect({ name, code: await failure(call()) }).toEqual({ name, code: 'Forbidden.NoPermission' })
    const after = (await kms(root())('DescribeKey', { KeyId: k1 })).KeyMetadata
    expect(after).toEqual(before)
  })

  it('writes nothing for a user without policy', async () => {
    const user = await principal(root(), [])
    const c = kms(user)
    const admin = kms(root())
    const keysBefore = (await admin('ListKeys', { PageSize: '100' })).TotalCount
    const aliasesBefore = (await admin('ListAliases', { PageSize: '100' })).TotalCount
    const metaBefore = (await admin('DescribeKey', { KeyId: k2 })).KeyMetadata
    const tagsBefore = (await admin('ListResourceTags', { KeyId: k2 })).Tags
    const writes: Array<() => Promise<unknown>> = [
      () => c('CreateKey'),
      () => c('CreateAlias', { AliasName: `alias/${unique('w')}`, KeyId: k2 }),
      () => c('DisableKey', { KeyId: k2 }),
      () => c('UpdateKeyDescription', { KeyId: k2, Description: 'hijacked' }),
      () => c('TagResource', { KeyId: k2, Tags: JSON.stringify([{ TagKey: 'own', TagValue: 'd' }]) }),
      () => c('ScheduleKeyDeletion', { KeyId: k2, PendingWindowInDays: '7' }),
      () => c('SetDeletionProtection', { ProtectedResourceArn: keyArn(root().accountId, k2), EnableDeletionProtection: 'true' }),
      () =>
        c('SetKeyPolicy', {
          KeyId: k2,
          PolicyName: 'default',
          Policy: doc({ Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' }),
        }),
      () => c('CreateSecret', { SecretName: unique('s'), VersionId: 'v1', SecretData: 'x' }),
    ]
    for (const w of writes) expect(await failure(w())).toBe('Forbidden.NoPermission')
    expect((await admin('ListKeys', { PageSize: '100' })).TotalCount).toBe(keysBefore)
    expect((await admin('ListAliases', { PageSize: '100' })).TotalCount).toBe(aliasesBefore)
    expect((await admin('DescribeKey', { KeyId: k2 })).KeyMetadata).toEqual(metaBefore)
    expect((await admin('ListResourceTags', { KeyId: k2 })).Tags).toEqual(tagsBefore)
  })

  it('refuses a disabled AccessKey with InvalidAccessKeyId.Inactive', async () => {
    const A = root()
    const user = await principal(A, [], ['AliyunKMSFullAccess'])
    await ram(A)('UpdateAccessKey', { UserName: user.name, UserAccessKeyId: user.accessKeyId, Status: 'Inactive' })
    const res = await v1('ListKeys', {}, { accessKeyId: user.accessKeyId, secret: user.secret })
    expect(res.json?.Code).toBe('InvalidAccessKeyId.Inactive')
    expectUnhandled(res)
  })
})

describe('key policies, conditions and aliases', () => {
  it('returns the default key policy and refuses a policy that locks the root out', async () => {
    const admin = kms(root())
    const A = root().accountId
    const key = await createKey(root())
    const current = JSON.parse((await admin('GetKeyPolicy', { KeyId: key, PolicyName: 'default' })).Policy)
    expect(current.Statement[0]).toMatchObject({ Effect: 'Allow', Principal: { RAM: [`acs:ram::${A}:*`] }, Action: ['kms:*'] })
    const lockout = doc({ Effect: 'Allow', Principal: { RAM: [`acs:ram::${A}:user/someone`] }, Action: 'kms:*', Resource: '*' })
    expect(await failure(admin('SetKeyPolicy', { KeyId: key, PolicyName: 'default', Policy: lockout }))).toBe('MalformedPolicyDocument')
    const oversized = doc({ Sid: 'x'.repeat(33_000), Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' })
    expect(await failure(admin('SetKeyPolicy', { KeyId: key, PolicyName: 'default', Policy: oversized }))).not.toBe('OK')
    expect(await failure(admin('SetKeyPolicy', { KeyId: key, PolicyName: 'other', Policy: JSON.stringify(current) }))).toBe(
      'InvalidParameter',
    )
  })

  it('applies an explicit Deny of the key policy over an identity Allow', async () => {
    const admin = kms(root())
    const A = root().accountId
    const key = await createKey(root())
    const user = await principal(root(), [], ['AliyunKMSFullAccess'])
    await kms(user)('Encrypt', { KeyId: key, Plaintext: b64('x') })
    const policy = doc(
      { Effect: 'Allow', Principal: { RAM: [`acs:ram::${A}:*`] }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Deny', Principal: { RAM: [`acs:ram::${A}:user/${user.name}`] }, Action: 'kms:Encrypt', Resource: '*' },
    )
    await admin('SetKeyPolicy', { KeyId: key, PolicyName: 'default', Policy: policy })
    expect(await failure(kms(user)('Encrypt', { KeyId: key, Plaintext: b64('x') }))).toBe('Forbidden.NoPermission')
    await kms(user)('DescribeKey', { KeyId: key })
    await admin('Encrypt', { KeyId: key, Plaintext: b64('root still can') })
    expect((await admin('GetKeyPolicy', { KeyId: key, PolicyName: 'default' })).Policy).toBe(policy)
  })

  it('evaluates encryption-context conditions', async () => {
    const A = root().accountId
    const user = await principal(root(), [
      doc({
        Effect: 'Allow',
        Action: ['kms:Encrypt', 'kms:Decrypt'],
        Resource: keyArn(A, k1),
        Condition: { StringEquals: { 'kms:EncryptionContext:app': 'billing' } },
      }),
    ])
    const c = kms(user)
    const billing = JSON.stringify({ app: 'billing' })
    const enc = await c('Encrypt', { KeyId: k1, Plaintext: b64('ok'), EncryptionContext: billing })
    expect(unb64((await c('Decrypt', { CiphertextBlob: enc.CiphertextBlob, EncryptionContext: billing })).Plaintext)).toBe('ok')
    expect(await failure(c('Encrypt', { KeyId: k1, Plaintext: b64('x'), EncryptionContext: JSON.stringify({ app: 'other' }) }))).toBe(
      'Forbidden.NoPermission',
    )
    expect(await failure(c('Encrypt', { KeyId: k1, Plaintext: b64('x') }))).toBe('Forbidden.NoPermission')
  })

  it('authorises an alias on the alias and again on its key', async () => {
    const A = root().accountId
    const alias = `alias/${unique('al')}`
    await kms(root())('CreateAlias', { AliasName: alias, KeyId: k1 })
    const keyOnly = await principal(root(), [doc({ Effect: 'Allow', Action: 'kms:Encrypt', Resource: keyArn(A, k1) })])
    const aliasOnly = await principal(root(), [
      doc({ Effect: 'Allow', Action: 'kms:Encrypt', Resource: `acs:kms:${region()}:${A}:${alias}` }),
    ])
    const both = await principal(root(), [
      doc({ Effect: 'Allow', Action: 'kms:Encrypt', Resource: [keyArn(A, k1), `acs:kms:${region()}:${A}:${alias}`] }),
    ])
    const req = { KeyId: alias, Plaintext: b64('x') }
    expect(await failure(kms(keyOnly)('Encrypt', req))).toBe('Forbidden.NoPermission')
    expect(await failure(kms(aliasOnly)('Encrypt', req))).toBe('Forbidden.NoPermission')
    expect((await kms(both)('Encrypt', req)).KeyId).toBe(k1)
    await kms(keyOnly)('Encrypt', { KeyId: k1, Plaintext: b64('x') })
    // A missing alias is "no permission" for someone without access to that alias name.
    expect(await failure(kms(keyOnly)('Encrypt', { KeyId: `alias/${unique('none')}`, Plaintext: b64('x') }))).toBe('Forbidden.NoPermission')
  })

  it('authorises secrets on their ARN, with secret policies', async () => {
    const admin = kms(root())
    const A = root().accountId
    const name = unique('sec')
    const secretData = `s3cret-${randomUUID()}`
    await admin('CreateSecret', { SecretName: name, VersionId: 'v1', SecretData: secretData })
    const reader = await principal(root(), [
      doc({ Effect: 'Allow', Action: 'kms:GetSecretValue', Resource: `acs:kms:*:${A}:secret/${name}` }),
    ])
    expect((await kms(reader)('GetSecretValue', { SecretName: name })).SecretData).toBe(secretData)
    const policy = JSON.parse((await admin('GetSecretPolicy', { SecretName: name, PolicyName: 'default' })).Policy)
    policy.Statement.push({
      Effect: 'Deny',
      Principal: { RAM: [`acs:ram::${A}:user/${reader.name}`] },
      Action: 'kms:GetSecretValue',
      Resource: '*',
    })
    await admin('SetSecretPolicy', { SecretName: name, PolicyName: 'default', Policy: JSON.stringify(policy) })
    expect(await failure(kms(reader)('GetSecretValue', { SecretName: name }))).toBe('Forbidden.NoPermission')
    expect((await admin('GetSecretValue', { SecretName: name })).SecretData).toBe(secretData)
  })
})

describe('cross-account', () => {
  it('needs both the key policy and the caller policy for key use, and never allows management', async () => {
    const A = root()
    const B = await secondAccount()
    expect(B.accountId).not.toBe(A.accountId)
    const admin = kms(A)
    const key = await createKey(A, { Description: 'shared' })
    const arn = keyArn(A.accountId, key)
    const bobPolicy = doc({
      Effect: 'Allow',
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ScheduleKeyDeletion', 'kms:DescribeKey'],
      Resource: `acs:kms:*:${A.accountId}:key/*`,
    })
    const bob = await principal(B, [bobPolicy])
    const carol = await principal(B, [])
    const encrypt = (p: Principal | Account) => kms(p)('Encrypt', { KeyId: arn, Plaintext: b64('cross') })

    // Key policy does not grant B yet: nobody of B may use the key.
    for (const p of [B, bob, carol]) expect(await failure(encrypt(p))).toBe('Forbidden.NoPermission')

    const policy = doc(
      { Effect: 'Allow', Principal: { RAM: [`acs:ram::${A.accountId}:*`] }, Action: 'kms:*', Resource: '*' },
      {
        Effect: 'Allow',
        Principal: { RAM: [`acs:ram::${B.accountId}:root`] },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ScheduleKeyDeletion'],
        Resource: '*',
      },
    )
    await admin('SetKeyPolicy', { KeyId: key, PolicyName: 'default', Policy: policy })

    // Key policy grants B: B's root (implicit identity allow) and bob (identity policy) may; carol (no policy) may not.
    const byBob = await encrypt(bob)
    expect(byBob.KeyId).toBe(key)
    await encrypt(B)
    expect(await failure(encrypt(carol))).toBe('Forbidden.NoPermission')
    expect(unb64((await kms(bob)('Decrypt', { CiphertextBlob: byBob.CiphertextBlob })).Plaintext)).toBe('cross')
    expect(unb64((await admin('Decrypt', { CiphertextBlob: byBob.CiphertextBlob })).Plaintext)).toBe('cross')
    expect(await failure(kms(carol)('Decrypt', { CiphertextBlob: byBob.CiphertextBlob }))).toBe('Forbidden.NoPermission')

    // Management is never cross-account, even when both policies name it; DescribeKey is not granted.
    expect(await failure(kms(bob)('ScheduleKeyDeletion', { KeyId: arn, PendingWindowInDays: '7' }))).toBe('Forbidden.NoPermission')
    expect(await failure(kms(bob)('DescribeKey', { KeyId: arn }))).toBe('Forbidden.NoPermission')
    expect(await failure(kms(B)('DisableKey', { KeyId: arn }))).toBe('Forbidden.NoPermission')
    expect(await failure(kms(B)('CreateAlias', { AliasName: `alias/${unique('x')}`, KeyId: arn }))).toBe('Forbidden.NoPermission')
    expect((await admin('DescribeKey', { KeyId: key })).KeyMetadata.KeyState).toBe('Enabled')
    // B's own listing never shows A's keys; A's plain key id means nothing in B.
    const listed = await kms(B)('ListKeys', { PageSize: '100' })
    expect(listed.Keys.Key.map((k: { KeyId: string }) => k.KeyId)).not.toContain(key)
    expect(await failure(kms(B)('Encrypt', { KeyId: key, Plaintext: b64('x') }))).toBe('Forbidden.KeyNotFound')
    // A's root cannot use B's resources.
    const bKey = await createKey(B)
    expect(await failure(admin('Encrypt', { KeyId: keyArn(B.accountId, bKey), Plaintext: b64('x') }))).toBe('Forbidden.NoPermission')
  })
})
