/**
 * Regression tests for authorisation findings of the security review, each driven the way the
 * attack was: through the official SDKs or openapi-client's callApi, as RAM users with policies.
 *
 * - Aliases: a name that does not resolve is refused at authorisation (never resolved later by
 *   the handler); UpdateAlias and DeleteAlias need permission on the alias's current key.
 * - Secrets: writes need kms:GenerateDataKey and reads kms:Decrypt on a customer CMK.
 * - DryRun of Decrypt / ReEncrypt authenticates the ciphertext first.
 * - PutSecretValue's "same VersionId, same value" answer needs read permission.
 * - ExportDataKey needs kms:Decrypt as well as kms:ExportDataKey.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto'
import RamModule, * as Ram from '@alicloud/ram20150501'
import { $OpenApiUtil } from '@alicloud/openapi-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { b64, Kms, kmsClient, openApiCaller, sdkError, stackInfo, unb64 } from './clients'

const RamClient = ((RamModule as unknown as { default?: unknown }).default ?? RamModule) as unknown as new (
  config: InstanceType<typeof $OpenApiUtil.Config>,
) => InstanceType<typeof Ram.default>

type Principal = { name: string; accessKeyId: string; secret: string }
type Creds = { accessKeyId: string; secret: string }

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`
const doc = (...Statement: object[]) => JSON.stringify({ Version: '1', Statement })
const root = (): Creds => ({ accessKeyId: stackInfo().accessKeyId, secret: stackInfo().accessKeySecret })
const kms = (p: Creds) => kmsClient(stackInfo(), p.secret, p.accessKeyId)
const api = (p: Creds) => openApiCaller({ secret: p.secret }, { ...stackInfo(), accessKeyId: p.accessKeyId })
const region = () => stackInfo().regionId
const account = () => stackInfo().accountId
const keyArn = (keyId: string) => `acs:kms:${region()}:${account()}:key/${keyId}`
const aliasArn = (name: string) => `acs:kms:${region()}:${account()}:${name}`
const secretArn = (name: string) => `acs:kms:${region()}:${account()}:secret/${name}`
const ALL_ALIASES = () => `acs:kms:*:${account()}:alias/*`
const ALL_SECRETS = () => `acs:kms:*:${account()}:secret/*`

/** The error code of a failed call ('OK' when it succeeded). */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    return String((err as { code?: string }).code ?? '').replace(/Error$/, '')
  }
  return 'OK'
}

function ram() {
  const s = stackInfo()
  return new RamClient(
    new $OpenApiUtil.Config({
      accessKeyId: s.accessKeyId,
      accessKeySecret: s.accessKeySecret,
      regionId: s.regionId,
      endpoint: s.endpoint.replace(/^https?:\/\//, ''),
      protocol: 'HTTP',
    }),
  )
}

/** A RAM user of the stack's account with the given identity policy documents. */
async function principal(documents: string[], system: string[] = []): Promise<Principal> {
  const admin = ram()
  const userName = unique('u')
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

const newKey = async (description = 'authz') =>
  (await kms(root()).createKey(new Kms.CreateKeyRequest({ description }))).keyMetadata.keyId as string

/** Flips one bit of the GCM tag (the last byte): the header still names the real key. */
function forged(blob: string): string {
  const bytes = Buffer.from(blob, 'base64')
  bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x01
  return bytes.toString('base64')
}

describe('aliases are authorised on the key they resolve to, once', () => {
  it('refuses a missing alias at authorisation: no permission without the key, not found with it', async () => {
    const aliasOnly = await principal([
      doc({ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], Resource: ALL_ALIASES() }),
    ])
    const aliasAndKeys = await principal([
      doc({ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:DescribeKey'], Resource: [ALL_ALIASES(), `acs:kms:*:${account()}:key/*`] }),
    ])
    const missing = `alias/${unique('missing')}`
    // The handler never sees an alias it would have to resolve itself: without permission on
    // keys the answer is the same as for an existing alias of a key the caller may not use.
    expect(await failure(kms(aliasOnly).encrypt(new Kms.EncryptRequest({ keyId: missing, plaintext: b64('x') })))).toBe(
      'Forbidden.NoPermission',
    )
    expect(await failure(kms(aliasOnly).generateDataKey(new Kms.GenerateDataKeyRequest({ keyId: missing })))).toBe('Forbidden.NoPermission')
    expect(await failure(kms(aliasOnly).describeKey(new Kms.DescribeKeyRequest({ keyId: aliasArn(missing) })))).toBe(
      'Forbidden.NoPermission',
    )
    expect(await failure(kms(aliasAndKeys).encrypt(new Kms.EncryptRequest({ keyId: missing, plaintext: b64('x') })))).toBe(
      'Forbidden.AliasNotFound',
    )
    expect(await failure(kms(aliasAndKeys).describeKey(new Kms.DescribeKeyRequest({ keyId: missing })))).toBe('Forbidden.AliasNotFound')
  })

  it('gives a user allowed only on alias/* nothing while an admin creates aliases', async () => {
    const aliasOnly = await principal([doc({ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:GenerateDataKey'], Resource: ALL_ALIASES() })])
    const key = await newKey('race target')
    const names = Array.from({ length: 8 }, () => `alias/${unique('race')}`)
    const attacker = kms(aliasOnly)
    const attempts = names.flatMap((name) => [
      failure(attacker.encrypt(new Kms.EncryptRequest({ keyId: name, plaintext: b64('x') }))),
      failure(attacker.generateDataKey(new Kms.GenerateDataKeyRequest({ keyId: name }))),
    ])
    const creations = names.map((aliasName) => kms(root()).createAlias(new Kms.CreateAliasRequest({ aliasName, keyId: key })))
    const [outcomes] = await Promise.all([Promise.all(attempts), Promise.all(creations)])
    expect(outcomes.filter((o) => o === 'OK')).toEqual([])
    // And after the aliases exist, still nothing: the key is not the caller's.
    for (const name of names) {
      expect(await failure(attacker.encrypt(new Kms.EncryptRequest({ keyId: name, plaintext: b64('x') })))).toBe('Forbidden.NoPermission')
    }
  })

  it('UpdateAlias needs permission on the alias, its current key and the new key', async () => {
    const victimKey = await newKey('application key')
    const ownKey = await newKey('attacker key')
    const alias = `alias/${unique('app')}`
    await kms(root()).createAlias(new Kms.CreateAliasRequest({ aliasName: alias, keyId: victimKey }))
    const attacker = await principal([
      doc({ Effect: 'Allow', Action: 'kms:UpdateAlias', Resource: [ALL_ALIASES(), keyArn(ownKey)] }),
      doc({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn(ownKey) }),
    ])
    expect(await failure(kms(attacker).updateAlias(new Kms.UpdateAliasRequest({ aliasName: alias, keyId: ownKey })))).toBe(
      'Forbidden.NoPermission',
    )
    // The application's next ciphertext is still under its own key.
    expect((await kms(root()).encrypt(new Kms.EncryptRequest({ keyId: alias, plaintext: b64('app data') }))).keyId).toBe(victimKey)

    // With UpdateAlias on the current key too, the same call succeeds (idempotent on repeat).
    const owner = await principal([
      doc({ Effect: 'Allow', Action: 'kms:UpdateAlias', Resource: [ALL_ALIASES(), keyArn(ownKey), keyArn(victimKey)] }),
    ])
    await kms(owner).updateAlias(new Kms.UpdateAliasRequest({ aliasName: alias, keyId: ownKey }))
    await kms(owner).updateAlias(new Kms.UpdateAliasRequest({ aliasName: alias, keyId: ownKey }))
    expect((await kms(root()).describeKey(new Kms.DescribeKeyRequest({ keyId: alias }))).keyMetadata.keyId).toBe(ownKey)
    // A missing alias: no permission without key access, not found with it.
    const missing = `alias/${unique('gone')}`
    expect(await failure(kms(attacker).updateAlias(new Kms.UpdateAliasRequest({ aliasName: missing, keyId: ownKey })))).toBe(
      'Forbidden.NoPermission',
    )
    const broad = await principal([
      doc({ Effect: 'Allow', Action: 'kms:UpdateAlias', Resource: [ALL_ALIASES(), `acs:kms:*:${account()}:key/*`] }),
    ])
    expect(await failure(kms(broad).updateAlias(new Kms.UpdateAliasRequest({ aliasName: missing, keyId: ownKey })))).toBe(
      'Forbidden.AliasNotFound',
    )
  })

  it('DeleteAlias needs permission on the alias and on its key', async () => {
    const key = await newKey('aliased')
    const alias = `alias/${unique('del')}`
    await kms(root()).createAlias(new Kms.CreateAliasRequest({ aliasName: alias, keyId: key }))
    const aliasOnly = await principal([doc({ Effect: 'Allow', Action: 'kms:DeleteAlias', Resource: ALL_ALIASES() })])
    expect(await failure(kms(aliasOnly).deleteAlias(new Kms.DeleteAliasRequest({ aliasName: alias })))).toBe('Forbidden.NoPermission')
    expect((await kms(root()).describeKey(new Kms.DescribeKeyRequest({ keyId: alias }))).keyMetadata.keyId).toBe(key)
    const both = await principal([doc({ Effect: 'Allow', Action: 'kms:DeleteAlias', Resource: [ALL_ALIASES(), keyArn(key)] })])
    await kms(both).deleteAlias(new Kms.DeleteAliasRequest({ aliasName: alias }))
    expect(await failure(kms(root()).describeKey(new Kms.DescribeKeyRequest({ keyId: alias })))).toBe('Forbidden.AliasNotFound')
    expect(await failure(kms(both).deleteAlias(new Kms.DeleteAliasRequest({ aliasName: alias })))).toBe('Forbidden.NoPermission')
    expect(await failure(kms(root()).deleteAlias(new Kms.DeleteAliasRequest({ aliasName: alias })))).toBe('Forbidden.AliasNotFound')
  })
})

describe('secrets check the caller on their encryption key', () => {
  const secretActions = ['kms:CreateSecret', 'kms:GetSecretValue', 'kms:PutSecretValue', 'kms:DescribeSecret']
  let cmk: string
  beforeAll(async () => {
    cmk = await newKey('secrets cmk')
  })

  it('refuses a user denied on the key by identity policy and by key policy', async () => {
    const name = unique('cmk-secret')
    await kms(root()).createSecret(
      new Kms.CreateSecretRequest({ secretName: name, versionId: 'v1', secretData: 'protected by K', encryptionKeyId: cmk }),
    )
    // Allowed on every secret, denied on the key by an identity Deny.
    const deniedById = await principal([
      doc({ Effect: 'Allow', Action: secretActions, Resource: ALL_SECRETS() }),
      doc({ Effect: 'Deny', Action: 'kms:*', Resource: keyArn(cmk) }),
    ])
    // kms:* by system policy, denied by the key policy.
    const deniedByKey = await principal([], ['AliyunKMSFullAccess'])
    const keyPolicy = doc(
      { Effect: 'Allow', Principal: { RAM: [`acs:ram::${account()}:*`] }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Deny', Principal: { RAM: [`acs:ram::${account()}:user/${deniedByKey.name}`] }, Action: 'kms:*', Resource: '*' },
    )
    await api(root())('SetKeyPolicy', { KeyId: cmk, PolicyName: 'default', Policy: keyPolicy })
    for (const user of [deniedById, deniedByKey]) {
      const c = kms(user)
      expect(
        await failure(
          c.createSecret(new Kms.CreateSecretRequest({ secretName: unique('s'), versionId: 'v1', secretData: 'x', encryptionKeyId: cmk })),
        ),
      ).toBe('Forbidden.NoPermission')
      expect(await failure(c.getSecretValue(new Kms.GetSecretValueRequest({ secretName: name })))).toBe('Forbidden.NoPermission')
      expect(await failure(api(user)('BatchGetSecretValue', { SecretsList: JSON.stringify([{ SecretName: name }]) }))).toBe(
        'Forbidden.NoPermission',
      )
      expect(
        await failure(
          c.putSecretValue(new Kms.PutSecretValueRequest({ secretName: name, versionId: unique('v'), secretData: 'overwrite' })),
        ),
      ).toBe('Forbidden.NoPermission')
      // Metadata needs no key permission.
      expect(await failure(c.describeSecret(new Kms.DescribeSecretRequest({ secretName: name })))).toBe('OK')
    }
    expect((await kms(root()).getSecretValue(new Kms.GetSecretValueRequest({ secretName: name }))).secretData).toBe('protected by K')
  })

  it('needs kms:GenerateDataKey to write and kms:Decrypt to read under a customer CMK, nothing under the service key', async () => {
    const key = await newKey('secrets cmk 2')
    const alias = `alias/${unique('sk')}`
    await kms(root()).createAlias(new Kms.CreateAliasRequest({ aliasName: alias, keyId: key }))
    const secretsOnly = await principal([doc({ Effect: 'Allow', Action: secretActions, Resource: ALL_SECRETS() })])
    const writer = await principal([
      doc({ Effect: 'Allow', Action: secretActions, Resource: ALL_SECRETS() }),
      doc({ Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: [keyArn(key), aliasArn(alias)] }),
    ])
    const reader = await principal([
      doc({ Effect: 'Allow', Action: secretActions, Resource: ALL_SECRETS() }),
      doc({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn(key) }),
    ])
    const name = unique('by-writer')
    expect(
      await failure(
        kms(secretsOnly).createSecret(
          new Kms.CreateSecretRequest({ secretName: name, versionId: 'v1', secretData: 'x', encryptionKeyId: key }),
        ),
      ),
    ).toBe('Forbidden.NoPermission')
    expect(
      await failure(
        kms(reader).createSecret(
          new Kms.CreateSecretRequest({ secretName: name, versionId: 'v1', secretData: 'x', encryptionKeyId: alias }),
        ),
      ),
    ).toBe('Forbidden.NoPermission')
    // By alias: the secret records the key the alias resolved to at authorisation.
    await kms(writer).createSecret(
      new Kms.CreateSecretRequest({ secretName: name, versionId: 'v1', secretData: 'first', encryptionKeyId: alias }),
    )
    expect((await kms(root()).describeSecret(new Kms.DescribeSecretRequest({ secretName: name }))).encryptionKeyId).toBe(key)
    await kms(writer).putSecretValue(new Kms.PutSecretValueRequest({ secretName: name, versionId: 'v2', secretData: 'second' }))
    expect(
      await failure(kms(secretsOnly).putSecretValue(new Kms.PutSecretValueRequest({ secretName: name, versionId: 'v3', secretData: 'x' }))),
    ).toBe('Forbidden.NoPermission')
    expect(await failure(kms(writer).getSecretValue(new Kms.GetSecretValueRequest({ secretName: name })))).toBe('Forbidden.NoPermission')
    expect((await kms(reader).getSecretValue(new Kms.GetSecretValueRequest({ secretName: name }))).secretData).toBe('second')
    const batch = await api(reader)('BatchGetSecretValue', { SecretsList: JSON.stringify([{ SecretName: name }]) })
    expect(batch.SecretValues.map((v: { SecretData: string }) => v.SecretData)).toEqual(['second'])

    // Under the secrets service key (no EncryptionKeyId) and the default CMK: secret permissions only.
    const plain = unique('service-key')
    await kms(secretsOnly).createSecret(new Kms.CreateSecretRequest({ secretName: plain, versionId: 'v1', secretData: 'svc' }))
    await kms(secretsOnly).putSecretValue(new Kms.PutSecretValueRequest({ secretName: plain, versionId: 'v2', secretData: 'svc2' }))
    expect((await kms(secretsOnly).getSecretValue(new Kms.GetSecretValueRequest({ secretName: plain }))).secretData).toBe('svc2')
    const byDefault = unique('default-key')
    await kms(secretsOnly).createSecret(
      new Kms.CreateSecretRequest({ secretName: byDefault, versionId: 'v1', secretData: 'dflt', encryptionKeyId: 'alias/acs/kms' }),
    )
    expect((await kms(secretsOnly).getSecretValue(new Kms.GetSecretValueRequest({ secretName: byDefault }))).secretData).toBe('dflt')
    // A missing secret is still "not found" for someone allowed on secrets (403 before 404 only for the denied).
    expect(await failure(kms(secretsOnly).getSecretValue(new Kms.GetSecretValueRequest({ secretName: unique('nope') })))).toBe(
      'Forbidden.ResourceNotFound',
    )
  })
})

describe('a secret re-created under another key', () => {
  it('is checked against its new key at once', async () => {
    const k1 = await newKey('first key')
    const k2 = await newKey('second key')
    const name = unique('recreated')
    const onlyK1 = await principal([
      doc({ Effect: 'Allow', Action: 'kms:GetSecretValue', Resource: secretArn(name) }),
      doc({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn(k1) }),
    ])
    const admin = kms(root())
    await admin.createSecret(
      new Kms.CreateSecretRequest({ secretName: name, versionId: 'v1', secretData: 'under k1', encryptionKeyId: k1 }),
    )
    expect((await kms(onlyK1).getSecretValue(new Kms.GetSecretValueRequest({ secretName: name }))).secretData).toBe('under k1')
    await admin.deleteSecret(new Kms.DeleteSecretRequest({ secretName: name, forceDeleteWithoutRecovery: 'true' }))
    await admin.createSecret(
      new Kms.CreateSecretRequest({ secretName: name, versionId: 'v1', secretData: 'under k2', encryptionKeyId: k2 }),
    )
    const denied = await sdkError(kms(onlyK1).getSecretValue(new Kms.GetSecretValueRequest({ secretName: name })))
    expect(denied.code).toBe('Forbidden.NoPermission')
    expect(JSON.stringify(denied)).not.toContain('under k2')
    expect((await admin.getSecretValue(new Kms.GetSecretValueRequest({ secretName: name }))).secretData).toBe('under k2')
  })
})

describe('DryRun of Decrypt and ReEncrypt authenticates the ciphertext', () => {
  it('answers InvalidCiphertext for a forged blob, DryRunOperationError for a genuine one', async () => {
    const key = await newKey('dry run')
    const call = api(root())
    const { CiphertextBlob } = await call('Encrypt', { KeyId: key, Plaintext: b64('dry'), EncryptionContext: JSON.stringify({ a: 'b' }) })
    const ctx = JSON.stringify({ a: 'b' })
    expect(await failure(call('Decrypt', { CiphertextBlob, EncryptionContext: ctx, DryRun: 'true' }))).toBe('DryRunOperation')
    expect(await failure(call('Decrypt', { CiphertextBlob: forged(CiphertextBlob), EncryptionContext: ctx, DryRun: 'true' }))).toBe(
      'InvalidCiphertext',
    )
    expect(await failure(call('Decrypt', { CiphertextBlob, EncryptionContext: JSON.stringify({ a: 'c' }), DryRun: 'true' }))).toBe(
      'InvalidCiphertext',
    )
    expect(await failure(call('Decrypt', { CiphertextBlob: forged(CiphertextBlob), EncryptionContext: ctx }))).toBe('InvalidCiphertext')
    const re = { DestinationKeyId: key, SourceEncryptionContext: ctx, DryRun: 'true' }
    expect(await failure(call('ReEncrypt', { CiphertextBlob, ...re }))).toBe('DryRunOperation')
    expect(await failure(call('ReEncrypt', { CiphertextBlob: forged(CiphertextBlob), ...re }))).toBe('InvalidCiphertext')
    expect(unb64((await call('Decrypt', { CiphertextBlob, EncryptionContext: ctx })).Plaintext)).toBe('dry')
  })

  it('AsymmetricDecrypt DryRun decrypts first as well', async () => {
    const call = api(root())
    const { KeyMetadata } = await call('CreateKey', { KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT/DECRYPT' })
    const rsa = { KeyId: KeyMetadata.KeyId, KeyVersionId: KeyMetadata.PrimaryKeyVersion, Algorithm: 'RSAES_OAEP_SHA_256' }
    const { CiphertextBlob } = await call('AsymmetricEncrypt', { ...rsa, Plaintext: b64('rsa') })
    expect(await failure(call('AsymmetricDecrypt', { ...rsa, CiphertextBlob, DryRun: 'true' }))).toBe('DryRunOperation')
    expect(await failure(call('AsymmetricDecrypt', { ...rsa, CiphertextBlob: forged(CiphertextBlob), DryRun: 'true' }))).toBe(
      'InvalidCiphertext',
    )
    expect(unb64((await call('AsymmetricDecrypt', { ...rsa, CiphertextBlob })).Plaintext)).toBe('rsa')
  })
})

describe('PutSecretValue retries reveal nothing to a writer who cannot read', () => {
  it('answers a conflict for an existing VersionId unless the caller may read the secret', async () => {
    const name = unique('pin')
    await kms(root()).createSecret(new Kms.CreateSecretRequest({ secretName: name, versionId: 'v1', secretData: '417' }))
    const writeOnly = await principal([doc({ Effect: 'Allow', Action: 'kms:PutSecretValue', Resource: secretArn(name) })])
    const readWrite = await principal([
      doc({ Effect: 'Allow', Action: ['kms:PutSecretValue', 'kms:GetSecretValue'], Resource: secretArn(name) }),
    ])
    const put = (p: Creds, secretData: string) =>
      failure(kms(p).putSecretValue(new Kms.PutSecretValueRequest({ secretName: name, versionId: 'v1', secretData })))
    // The right guess and a wrong one look the same to a writer without read permission.
    expect(await put(writeOnly, '417')).toBe('Rejected.ResourceExist')
    expect(await put(writeOnly, '418')).toBe('Rejected.ResourceExist')
    const answer = async (secretData: string) => {
      const err = await sdkError(
        kms(writeOnly).putSecretValue(new Kms.PutSecretValueRequest({ secretName: name, versionId: 'v1', secretData })),
      )
      return [err.code, err.statusCode, err.message.replace(/request ?id: \S+/i, '')]
    }
    expect(await answer('417')).toEqual(await answer('418'))
    // The flag only authorisation sets cannot be sent by the client.
    const forgedFlag = { SecretName: name, VersionId: 'v1', SecretData: '417', 'edge-kms-authz:SecretReadable': 'true' }
    expect(await failure(api(writeOnly)('PutSecretValue', forgedFlag))).toBe('Rejected.ResourceExist')
    // A caller who may read gets the idempotent answer.
    expect(await put(readWrite, '417')).toBe('OK')
    expect(await put(readWrite, '418')).toBe('Rejected.ResourceExist')
    // New versions are written as before.
    expect(
      await failure(kms(writeOnly).putSecretValue(new Kms.PutSecretValueRequest({ secretName: name, versionId: 'v2', secretData: 'new' }))),
    ).toBe('OK')
    expect((await kms(root()).getSecretValue(new Kms.GetSecretValueRequest({ secretName: name }))).secretData).toBe('new')
  })
})

describe('ExportDataKey is a Decrypt', () => {
  it('needs kms:Decrypt as well as kms:ExportDataKey on the key of the blob', async () => {
    const key = await newKey('export')
    const { CiphertextBlob } = await api(root())('Encrypt', { KeyId: key, Plaintext: b64('not a data key') })
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const wrapping = {
      PublicKeyBlob: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    }
    const exportOnly = await principal([doc({ Effect: 'Allow', Action: 'kms:ExportDataKey', Resource: keyArn(key) })])
    const decryptOnly = await principal([doc({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn(key) })])
    const both = await principal([doc({ Effect: 'Allow', Action: ['kms:ExportDataKey', 'kms:Decrypt'], Resource: keyArn(key) })])
    expect(await failure(api(exportOnly)('ExportDataKey', { CiphertextBlob, ...wrapping }))).toBe('Forbidden.NoPermission')
    expect(await failure(api(decryptOnly)('ExportDataKey', { CiphertextBlob, ...wrapping }))).toBe('Forbidden.NoPermission')
    expect((await api(both)('ExportDataKey', { CiphertextBlob, ...wrapping })).KeyId).toBe(key)
  })
})
