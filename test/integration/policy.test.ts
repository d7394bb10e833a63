/**
 * Authorisation end to end, through the official SDKs: principals (RAM SDK) × KMS APIs (KMS SDK)
 * × resources with the expected allow/deny; the user that may only Decrypt under one key; key
 * policies (default, lockout, explicit Deny); conditions; aliases; secrets; disabled AccessKeys;
 * and a second account (created through the local-only `POST /__local/accounts`) for the
 * cross-account rules: key use needs the key policy AND the caller's policy, management never.
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import RamModule, * as Ram from '@alicloud/ram20150501'
import { $OpenApiUtil } from '@alicloud/openapi-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { b64, Kms, kmsClient, openApiCaller, stackInfo, unb64 } from './clients'

const RamClient = ((RamModule as unknown as { default?: unknown }).default ?? RamModule) as unknown as new (
  config: InstanceType<typeof $OpenApiUtil.Config>,
) => InstanceType<typeof Ram.default>

type Account = { accountId: string; accessKeyId: string; accessKeySecret: string }
type Principal = { name: string; accessKeyId: string; secret: string }

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`
const doc = (...Statement: object[]) => JSON.stringify({ Version: '1', Statement })

function ram(accessKeyId: string, accessKeySecret: string) {
  const s = stackInfo()
  return new RamClient(
    new $OpenApiUtil.Config({ accessKeyId, accessKeySecret, regionId: s.regionId, endpoint: s.endpoint.replace(/^https?:\/\//, ''), protocol: 'HTTP' }),
  )
}

const rootAccount = (): Account => {
  const s = stackInfo()
  return { accountId: s.accountId, accessKeyId: s.accessKeyId, accessKeySecret: s.accessKeySecret }
}

const kms = (p: { accessKeyId: string; secret?: string; accessKeySecret?: string }) =>
  kmsClient(stackInfo(), p.secret ?? p.accessKeySecret!, p.accessKeyId)

/** ACS3 callApi for the actions kms20160120 1.2.0 lacks (ReEncrypt, key and secret policies, ...). */
const api = (p: { accessKeyId: string; secret?: string; accessKeySecret?: string }) =>
  openApiCaller({ secret: p.secret ?? p.accessKeySecret! }, { ...stackInfo(), accessKeyId: p.accessKeyId })

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    return String((err as { code?: string }).code ?? '').replace(/Error$/, '')
  }
  return 'OK'
}

/** A RAM user of `account` with the given identity policy documents and system policies. */
async function principal(account: Account, documents: string[], system: string[] = []): Promise<Principal> {
  const admin = ram(account.accessKeyId, account.accessKeySecret)
  const userName = unique('p')
  await admin.createUser(new Ram.CreateUserRequest({ userName }))
  for (const policyDocument of documents) {
    const policyName = unique('pol')
    await admin.createPolicy(new Ram.CreatePolicyRequest({ policyName, policyDocument }))
    await admin.attachPolicyToUser(new Ram.AttachPolicyToUserRequest({ userName, policyName, policyType: 'Custom' }))
  }
  for (const policyName of system) {
    await admin.attachPolicyToUser(new Ram.AttachPolicyToUserRequest({ userName, policyName, policyType: 'System' }))
  }
  const { body } = await admin.createAccessKey(new Ram.CreateAccessKeyRequest({ userName }))
  return { name: userName, accessKeyId: body!.accessKey!.accessKeyId!, secret: body!.accessKey!.accessKeySecret! }
}

/** A second account through the local-only bootstrap route. */
async function secondAccount(): Promise<Account> {
  const s = stackInfo()
  const token = readFileSync(join(s.dataDir, 'local-admin-token'), 'utf8').trim()
  const res = await fetch(new URL('/__local/accounts', s.endpoint), { method: 'POST', headers: { authorization: `Bearer ${token}` } })
  expect(res.status).toBe(200)
  return (await res.json()) as Account
}

const root = rootAccount
let k1: string
let k2: string
let blob1: string
let blob2: string
const region = () => stackInfo().regionId
const keyArn = (account: string, keyId: string) => `acs:kms:${region()}:${account}:key/${keyId}`

beforeAll(async () => {
  const admin = kms(root())
  k1 = (await admin.createKey(new Kms.CreateKeyRequest({ description: 'matrix k1' }))).keyMetadata.keyId
  k2 = (await admin.createKey(new Kms.CreateKeyRequest({ description: 'matrix k2' }))).keyMetadata.keyId
  blob1 = (await admin.encrypt(new Kms.EncryptRequest({ keyId: k1, plaintext: b64('one') }))).ciphertextBlob
  blob2 = (await admin.encrypt(new Kms.EncryptRequest({ keyId: k2, plaintext: b64('two') }))).ciphertextBlob
})

describe('principals × APIs × resources', () => {
  it('allows and denies exactly as the policies say', async () => {
    const A = root().accountId
    const alias = `alias/${unique('mx')}`
    await kms(root()).createAlias(new Kms.CreateAliasRequest({ aliasName: alias, keyId: k1 }))
    const principals: Record<string, Principal | Account> = {
      root: root(),
      none: await principal(root(), []),
      decryptK1: await principal(root(), [doc({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn(A, k1) })]),
      denyDecrypt: await principal(root(), [doc({ Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*' })], ['AliyunKMSFullAccess']),
      readOnly: await principal(root(), [], ['AliyunKMSReadOnlyAccess']),
    }
    const apis: Record<string, (c: ReturnType<typeof kms>) => Promise<unknown>> = {
      'DescribeKey k1': (c) => c.describeKey(new Kms.DescribeKeyRequest({ keyId: k1 })),
      'Encrypt k1': (c) => c.encrypt(new Kms.EncryptRequest({ keyId: k1, plaintext: b64('m') })),
      'Decrypt blob of k1': async (c) => expect(unb64((await c.decrypt(new Kms.DecryptRequest({ ciphertextBlob: blob1 }))).plaintext)).toBe('one'),
      'Decrypt blob of k2': (c) => c.decrypt(new Kms.DecryptRequest({ ciphertextBlob: blob2 })),
      'GenerateDataKey k1': (c) => c.generateDataKey(new Kms.GenerateDataKeyRequest({ keyId: k1 })),
      'Encrypt via alias': (c) => c.encrypt(new Kms.EncryptRequest({ keyId: alias, plaintext: b64('m') })),
      ListKeys: (c) => c.listKeys(new Kms.ListKeysRequest({})),
      ListAliases: (c) => c.listAliases(new Kms.ListAliasesRequest({})),
      DescribeRegions: (c) => c.describeRegions(new Kms.DescribeRegionsRequest({})),
      'UpdateKeyDescription k2': (c) => c.updateKeyDescription(new Kms.UpdateKeyDescriptionRequest({ keyId: k2, description: 'matrix k2' })),
      'TagResource k2': (c) => c.tagResource(new Kms.TagResourceRequest({ keyId: k2, tags: JSON.stringify([{ TagKey: 'm', TagValue: 'x' }]) })),
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
    const ctxBlob = (await kms(root()).encrypt(new Kms.EncryptRequest({ keyId: k1, plaintext: b64('ctx'), encryptionContext: { app: 'x' } }))).ciphertextBlob
    expect(unb64((await c.decrypt(new Kms.DecryptRequest({ ciphertextBlob: ctxBlob, encryptionContext: { app: 'x' } }))).plaintext)).toBe('ctx')
    const before = (await kms(root()).describeKey(new Kms.DescribeKeyRequest({ keyId: k1 }))).keyMetadata
    const denied: Array<[string, () => Promise<unknown>]> = [
      ['Encrypt k1', () => c.encrypt(new Kms.EncryptRequest({ keyId: k1, plaintext: b64('x') }))],
      ['Decrypt k2 blob', () => c.decrypt(new Kms.DecryptRequest({ ciphertextBlob: blob2 }))],
      ['DescribeKey k1', () => c.describeKey(new Kms.DescribeKeyRequest({ keyId: k1 }))],
      ['DescribeKey unknown', () => c.describeKey(new Kms.DescribeKeyRequest({ keyId: randomUUID() }))],
      ['GenerateDataKey k1', () => c.generateDataKey(new Kms.GenerateDataKeyRequest({ keyId: k1 }))],
      ['ReEncrypt to k1', () => api(user)('ReEncrypt', { CiphertextBlob: blob1, DestinationKeyId: k1 })],
      ['DisableKey k1', () => c.disableKey(new Kms.DisableKeyRequest({ keyId: k1 }))],
      ['ScheduleKeyDeletion k1', () => c.scheduleKeyDeletion(new Kms.ScheduleKeyDeletionRequest({ keyId: k1, pendingWindowInDays: 7 }))],
      ['CreateKey', () => c.createKey(new Kms.CreateKeyRequest({}))],
      ['ListKeys', () => c.listKeys(new Kms.ListKeysRequest({}))],
      ['CreateAlias', () => c.createAlias(new Kms.CreateAliasRequest({ aliasName: `alias/${unique('d')}`, keyId: k1 }))],
      ['GetKeyPolicy', () => api(user)('GetKeyPolicy', { KeyId: k1, PolicyName: 'default' })],
      ['Decrypt garbage', () => c.decrypt(new Kms.DecryptRequest({ ciphertextBlob: b64('not a blob at all, not at all') }))],
    ]
    for (const [name, call] of denied) expect({ name, code: await failure(call()) }).toEqual({ name, code: 'Forbidden.NoPermission' })
    const after = (await kms(root()).describeKey(new Kms.DescribeKeyRequest({ keyId: k1 }))).keyMetadata
    expect(after).toEqual(before)
  })

  it('writes nothing for a user without policy', async () => {
    const user = await principal(root(), [])
    const c = kms(user)
    const admin = kms(root())
    const keysBefore = (await admin.listKeys(new Kms.ListKeysRequest({ pageSize: 100 }))).totalCount
    const aliasesBefore = (await admin.listAliases(new Kms.ListAliasesRequest({ pageSize: 100 }))).totalCount
    const metaBefore = (await admin.describeKey(new Kms.DescribeKeyRequest({ keyId: k2 }))).keyMetadata
    const tagsBefore = (await admin.listResourceTags(new Kms.ListResourceTagsRequest({ keyId: k2 }))).tags
    const writes: Array<() => Promise<unknown>> = [
      () => c.createKey(new Kms.CreateKeyRequest({})),
      () => c.createAlias(new Kms.CreateAliasRequest({ aliasName: `alias/${unique('w')}`, keyId: k2 })),
      () => c.disableKey(new Kms.DisableKeyRequest({ keyId: k2 })),
      () => c.updateKeyDescription(new Kms.UpdateKeyDescriptionRequest({ keyId: k2, description: 'hijacked' })),
      () => c.tagResource(new Kms.TagResourceRequest({ keyId: k2, tags: JSON.stringify([{ TagKey: 'own', TagValue: 'd' }]) })),
      () => c.scheduleKeyDeletion(new Kms.ScheduleKeyDeletionRequest({ keyId: k2, pendingWindowInDays: 7 })),
      () => api(user)('SetDeletionProtection', { ProtectedResourceArn: keyArn(root().accountId, k2), EnableDeletionProtection: 'true' }),
      () => api(user)('SetKeyPolicy', { KeyId: k2, PolicyName: 'default', Policy: doc({ Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' }) }),
      () => c.createSecret(new Kms.CreateSecretRequest({ secretName: unique('s'), versionId: 'v1', secretData: 'x' })),
    ]
    for (const w of writes) expect(await failure(w())).toBe('Forbidden.NoPermission')
    expect((await admin.listKeys(new Kms.ListKeysRequest({ pageSize: 100 }))).totalCount).toBe(keysBefore)
    expect((await admin.listAliases(new Kms.ListAliasesRequest({ pageSize: 100 }))).totalCount).toBe(aliasesBefore)
    expect((await admin.describeKey(new Kms.DescribeKeyRequest({ keyId: k2 }))).keyMetadata).toEqual(metaBefore)
    expect((await admin.listResourceTags(new Kms.ListResourceTagsRequest({ keyId: k2 }))).tags).toEqual(tagsBefore)
  })

  it('refuses a disabled AccessKey with InvalidAccessKeyId.Inactive', async () => {
    const A = root()
    const user = await principal(A, [], ['AliyunKMSFullAccess'])
    const admin = ram(A.accessKeyId, A.accessKeySecret)
    await admin.updateAccessKey(new Ram.UpdateAccessKeyRequest({ userName: user.name, userAccessKeyId: user.accessKeyId, status: 'Inactive' }))
    expect(await failure(kms(user).listKeys(new Kms.ListKeysRequest({})))).toBe('InvalidAccessKeyId.Inactive')
  })
})

describe('key policies, conditions and aliases', () => {
  it('returns the default key policy and refuses a policy that locks the root out', async () => {
    const admin = kms(root())
    const A = root().accountId
    const key = (await admin.createKey(new Kms.CreateKeyRequest({}))).keyMetadata.keyId
    const current = JSON.parse((await api(root())('GetKeyPolicy', { KeyId: key, PolicyName: 'default' })).Policy)
    expect(current.Statement[0]).toMatchObject({ Effect: 'Allow', Principal: { RAM: [`acs:ram::${A}:*`] }, Action: ['kms:*'] })
    const lockout = doc({ Effect: 'Allow', Principal: { RAM: [`acs:ram::${A}:user/someone`] }, Action: 'kms:*', Resource: '*' })
    expect(await failure(api(root())('SetKeyPolicy', { KeyId: key, PolicyName: 'default', Policy: lockout }))).toBe('MalformedPolicyDocument')
    const oversized = doc({ Sid: 'x'.repeat(33_000), Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' })
    expect(await failure(api(root())('SetKeyPolicy', { KeyId: key, PolicyName: 'default', Policy: oversized }))).not.toBe('OK')
    expect(await failure(api(root())('SetKeyPolicy', { KeyId: key, PolicyName: 'other', Policy: JSON.stringify(current) }))).toBe('InvalidParameter')
  })

  it('applies an explicit Deny of the key policy over an identity Allow', async () => {
    const admin = kms(root())
    const A = root().accountId
    const key = (await admin.createKey(new Kms.CreateKeyRequest({}))).keyMetadata.keyId
    const user = await principal(root(), [], ['AliyunKMSFullAccess'])
    await kms(user).encrypt(new Kms.EncryptRequest({ keyId: key, plaintext: b64('x') }))
    const policy = doc(
      { Effect: 'Allow', Principal: { RAM: [`acs:ram::${A}:*`] }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Deny', Principal: { RAM: [`acs:ram::${A}:user/${user.name}`] }, Action: 'kms:Encrypt', Resource: '*' },
    )
    await api(root())('SetKeyPolicy', { KeyId: key, PolicyName: 'default', Policy: policy })
    expect(await failure(kms(user).encrypt(new Kms.EncryptRequest({ keyId: key, plaintext: b64('x') })))).toBe('Forbidden.NoPermission')
    await kms(user).describeKey(new Kms.DescribeKeyRequest({ keyId: key }))
    await admin.encrypt(new Kms.EncryptRequest({ keyId: key, plaintext: b64('root still can') }))
    expect((await api(root())('GetKeyPolicy', { KeyId: key, PolicyName: 'default' })).Policy).toBe(policy)
  })

  it('evaluates encryption-context conditions', async () => {
    const A = root().accountId
    const user = await principal(root(), [
      doc({ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: keyArn(A, k1), Condition: { StringEquals: { 'kms:EncryptionContext:app': 'billing' } } }),
    ])
    const c = kms(user)
    const enc = await c.encrypt(new Kms.EncryptRequest({ keyId: k1, plaintext: b64('ok'), encryptionContext: { app: 'billing' } }))
    expect(unb64((await c.decrypt(new Kms.DecryptRequest({ ciphertextBlob: enc.ciphertextBlob, encryptionContext: { app: 'billing' } }))).plaintext)).toBe('ok')
    expect(await failure(c.encrypt(new Kms.EncryptRequest({ keyId: k1, plaintext: b64('x'), encryptionContext: { app: 'other' } })))).toBe('Forbidden.NoPermission')
    expect(await failure(c.encrypt(new Kms.EncryptRequest({ keyId: k1, plaintext: b64('x') })))).toBe('Forbidden.NoPermission')
  })

  it('authorises an alias on the alias and again on its key', async () => {
    const A = root().accountId
    const alias = `alias/${unique('al')}`
    await kms(root()).createAlias(new Kms.CreateAliasRequest({ aliasName: alias, keyId: k1 }))
    const keyOnly = await principal(root(), [doc({ Effect: 'Allow', Action: 'kms:Encrypt', Resource: keyArn(A, k1) })])
    const aliasOnly = await principal(root(), [doc({ Effect: 'Allow', Action: 'kms:Encrypt', Resource: `acs:kms:${region()}:${A}:${alias}` })])
    const both = await principal(root(), [
      doc({ Effect: 'Allow', Action: 'kms:Encrypt', Resource: [keyArn(A, k1), `acs:kms:${region()}:${A}:${alias}`] }),
    ])
    const req = () => new Kms.EncryptRequest({ keyId: alias, plaintext: b64('x') })
    expect(await failure(kms(keyOnly).encrypt(req()))).toBe('Forbidden.NoPermission')
    expect(await failure(kms(aliasOnly).encrypt(req()))).toBe('Forbidden.NoPermission')
    expect((await kms(both).encrypt(req())).keyId).toBe(k1)
    await kms(keyOnly).encrypt(new Kms.EncryptRequest({ keyId: k1, plaintext: b64('x') }))
    // A missing alias is "no permission" for someone without access to that alias name.
    expect(await failure(kms(keyOnly).encrypt(new Kms.EncryptRequest({ keyId: `alias/${unique('none')}`, plaintext: b64('x') })))).toBe(
      'Forbidden.NoPermission',
    )
  })

  it('authorises secrets on their ARN, with secret policies', async () => {
    const admin = kms(root())
    const A = root().accountId
    const name = unique('sec')
    const secretData = `s3cret-${randomUUID()}`
    await admin.createSecret(new Kms.CreateSecretRequest({ secretName: name, versionId: 'v1', secretData }))
    const reader = await principal(root(), [doc({ Effect: 'Allow', Action: 'kms:GetSecretValue', Resource: `acs:kms:*:${A}:secret/${name}` })])
    expect((await kms(reader).getSecretValue(new Kms.GetSecretValueRequest({ secretName: name }))).secretData).toBe(secretData)
    const policy = JSON.parse((await api(root())('GetSecretPolicy', { SecretName: name, PolicyName: 'default' })).Policy)
    policy.Statement.push({ Effect: 'Deny', Principal: { RAM: [`acs:ram::${A}:user/${reader.name}`] }, Action: 'kms:GetSecretValue', Resource: '*' })
    await api(root())('SetSecretPolicy', { SecretName: name, PolicyName: 'default', Policy: JSON.stringify(policy) })
    expect(await failure(kms(reader).getSecretValue(new Kms.GetSecretValueRequest({ secretName: name })))).toBe('Forbidden.NoPermission')
    expect((await admin.getSecretValue(new Kms.GetSecretValueRequest({ secretName: name }))).secretData).toBe(secretData)
  })
})

describe('cross-account', () => {
  it('needs both the key policy and the caller policy for key use, and never allows management', async () => {
    const A = root()
    const B = await secondAccount()
    expect(B.accountId).not.toBe(A.accountId)
    const admin = kms(A)
    const key = (await admin.createKey(new Kms.CreateKeyRequest({ description: 'shared' }))).keyMetadata.keyId
    const arn = keyArn(A.accountId, key)
    const bobPolicy = doc({ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ScheduleKeyDeletion', 'kms:DescribeKey'], Resource: `acs:kms:*:${A.accountId}:key/*` })
    const bob = await principal(B, [bobPolicy])
    const carol = await principal(B, [])
    const encrypt = (p: Principal | Account) => kms(p).encrypt(new Kms.EncryptRequest({ keyId: arn, plaintext: b64('cross') }))

    // Key policy does not grant B yet: nobody of B may use the key.
    for (const p of [B, bob, carol]) expect(await failure(encrypt(p))).toBe('Forbidden.NoPermission')

    const policy = doc(
      { Effect: 'Allow', Principal: { RAM: [`acs:ram::${A.accountId}:*`] }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Allow', Principal: { RAM: [`acs:ram::${B.accountId}:root`] }, Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ScheduleKeyDeletion'], Resource: '*' },
    )
    await api(A)('SetKeyPolicy', { KeyId: key, PolicyName: 'default', Policy: policy })

    // Key policy grants B: B's root (implicit identity allow) and bob (identity policy) may; carol (no policy) may not.
    const byBob = await encrypt(bob)
    expect(byBob.keyId).toBe(key)
    await encrypt(B)
    expect(await failure(encrypt(carol))).toBe('Forbidden.NoPermission')
    expect(unb64((await kms(bob).decrypt(new Kms.DecryptRequest({ ciphertextBlob: byBob.ciphertextBlob }))).plaintext)).toBe('cross')
    expect(unb64((await admin.decrypt(new Kms.DecryptRequest({ ciphertextBlob: byBob.ciphertextBlob }))).plaintext)).toBe('cross')
    expect(await failure(kms(carol).decrypt(new Kms.DecryptRequest({ ciphertextBlob: byBob.ciphertextBlob })))).toBe('Forbidden.NoPermission')

    // Management is never cross-account, even when both policies name it; DescribeKey is not granted.
    expect(await failure(kms(bob).scheduleKeyDeletion(new Kms.ScheduleKeyDeletionRequest({ keyId: arn, pendingWindowInDays: 7 })))).toBe(
      'Forbidden.NoPermission',
    )
    expect(await failure(kms(bob).describeKey(new Kms.DescribeKeyRequest({ keyId: arn })))).toBe('Forbidden.NoPermission')
    expect(await failure(kms(B).disableKey(new Kms.DisableKeyRequest({ keyId: arn })))).toBe('Forbidden.NoPermission')
    expect(await failure(kms(B).createAlias(new Kms.CreateAliasRequest({ aliasName: `alias/${unique('x')}`, keyId: arn })))).toBe(
      'Forbidden.NoPermission',
    )
    expect((await admin.describeKey(new Kms.DescribeKeyRequest({ keyId: key }))).keyMetadata.keyState).toBe('Enabled')
    // B's own listing never shows A's keys; A's plain key id means nothing in B.
    const listed = await kms(B).listKeys(new Kms.ListKeysRequest({ pageSize: 100 }))
    expect(listed.keys.key.map((k) => k.keyId)).not.toContain(key)
    expect(await failure(kms(B).encrypt(new Kms.EncryptRequest({ keyId: key, plaintext: b64('x') })))).toBe('Forbidden.KeyNotFound')
    // A's root cannot use B's resources.
    const bKey = (await kms(B).createKey(new Kms.CreateKeyRequest({}))).keyMetadata.keyId
    expect(await failure(admin.encrypt(new Kms.EncryptRequest({ keyId: keyArn(B.accountId, bKey), plaintext: b64('x') })))).toBe(
      'Forbidden.NoPermission',
    )
  })
})
