/**
 * Two attacks on resource policies, end to end through the official SDKs:
 *
 * - A secret's policy outliving the secret: a user with no identity policy, granted only by a
 *   secret's policy, must not read a new secret created later under the same name.
 * - Wildcard backtracking: a key policy whose StringNotLike pattern is `s3://` and five stars
 *   separated by slashes (ending `.parquet`), and a Decrypt by a user with no permissions whose
 *   encryption context is `s3://` followed by up to 8 KB of slashes used to spin workerd for
 *   seconds to minutes. It must simply be refused (403), and the stack must keep answering.
 */
import { randomUUID } from 'node:crypto'
import RamModule, * as Ram from '@alicloud/ram20150501'
import { $OpenApiUtil } from '@alicloud/openapi-core'
import { describe, expect, it } from 'vitest'
import { b64, Kms, kmsClient, openApiCaller, sdkError, stackInfo } from './clients'

const RamClient = ((RamModule as unknown as { default?: unknown }).default ?? RamModule) as unknown as new (
  config: InstanceType<typeof $OpenApiUtil.Config>,
) => InstanceType<typeof Ram.default>

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`
const doc = (...Statement: object[]) => JSON.stringify({ Version: '1', Statement })

const admin = () => kmsClient(stackInfo())
const adminApi = () => openApiCaller({}, stackInfo())

/** A RAM user with no policy at all, and its AccessKey. */
async function unprivilegedUser(): Promise<{ name: string; accessKeyId: string; secret: string }> {
  const s = stackInfo()
  const ram = new RamClient(
    new $OpenApiUtil.Config({
      accessKeyId: s.accessKeyId,
      accessKeySecret: s.accessKeySecret,
      regionId: s.regionId,
      endpoint: s.endpoint.replace(/^https?:\/\//, ''),
      protocol: 'HTTP',
    }),
  )
  const userName = unique('nobody')
  await ram.createUser(new Ram.CreateUserRequest({ userName }))
  const { body } = await ram.createAccessKey(new Ram.CreateAccessKeyRequest({ userName }))
  return { name: userName, accessKeyId: body!.accessKey!.accessKeyId!, secret: body!.accessKey!.accessKeySecret! }
}

describe('a secret policy lives as long as its secret', () => {
  it('a secret force-deleted and created again under the same name does not inherit the old grants', async () => {
    const s = stackInfo()
    const name = unique('reused')
    const user = await unprivilegedUser()
    const asUser = kmsClient(s, user.secret, user.accessKeyId)
    const read = () => asUser.getSecretValue(new Kms.GetSecretValueRequest({ secretName: name }))

    await admin().createSecret(new Kms.CreateSecretRequest({ secretName: name, versionId: 'v1', secretData: `old-${randomUUID()}` }))
    const grant = doc(
      { Effect: 'Allow', Principal: { RAM: [`acs:ram::${s.accountId}:*`] }, Action: ['kms:*'], Resource: ['*'] },
      {
        Effect: 'Allow',
        Principal: { RAM: [`acs:ram::${s.accountId}:user/${user.name}`] },
        Action: ['kms:GetSecretValue'],
        Resource: ['*'],
      },
    )
    await adminApi()('SetSecretPolicy', { SecretName: name, PolicyName: 'default', Policy: grant })
    // The grant works: the user reads the first secret by the secret policy alone.
    expect((await read()).secretData).toMatch(/^old-/)

    await admin().deleteSecret(new Kms.DeleteSecretRequest({ secretName: name, forceDeleteWithoutRecovery: 'true' }))
    const newValue = `new-${randomUUID()}`
    await admin().createSecret(new Kms.CreateSecretRequest({ secretName: name, versionId: 'v1', secretData: newValue }))

    const denied = await sdkError(read())
    expect(denied.code).toBe('Forbidden.NoPermission')
    expect(JSON.stringify(denied)).not.toContain(newValue)
    // The new secret has the default policy, and the admin still reads it.
    const policy = JSON.parse((await adminApi()('GetSecretPolicy', { SecretName: name, PolicyName: 'default' })).Policy)
    expect(policy.Statement).toHaveLength(1)
    expect((await admin().getSecretValue(new Kms.GetSecretValueRequest({ secretName: name }))).secretData).toBe(newValue)
  })
})

describe('policy wildcards do not backtrack', () => {
  it('refuses a Decrypt by an unprivileged user against a StringNotLike key policy, with 8 KB of slashes, and keeps serving', async () => {
    const s = stackInfo()
    const keyId = (await admin().createKey(new Kms.CreateKeyRequest({ description: 'parquet' }))).keyMetadata!.keyId!
    const policy = doc(
      { Effect: 'Allow', Principal: { RAM: [`acs:ram::${s.accountId}:*`] }, Action: ['kms:*'], Resource: ['*'] },
      {
        Effect: 'Deny',
        Principal: { RAM: [`acs:ram::${s.accountId}:*`] },
        Action: ['kms:Decrypt'],
        Resource: ['*'],
        Condition: { StringNotLike: { 'kms:EncryptionContext:path': 's3://*/*/*/*/*.parquet' } },
      },
    )
    await adminApi()('SetKeyPolicy', { KeyId: keyId, PolicyName: 'default', Policy: policy })
    const path = 's3://bucket/a/b/c/part-0.parquet'
    const { ciphertextBlob } = await admin().encrypt(new Kms.EncryptRequest({ keyId, plaintext: b64('rows'), encryptionContext: { path } }))

    const user = await unprivilegedUser()
    const asUser = kmsClient(s, user.secret, user.accessKeyId)
    for (const n of [150, 400, 8000]) {
      const err = await sdkError(
        asUser.decrypt(new Kms.DecryptRequest({ ciphertextBlob, encryptionContext: { path: `s3://${'/'.repeat(n)}` } })),
      )
      expect(err.code, `${n} slashes`).toBe('Forbidden.NoPermission')
    }
    // The stack still answers, and the policy still works as written for the admin.
    expect((await admin().describeKey(new Kms.DescribeKeyRequest({ keyId }))).keyMetadata!.keyId).toBe(keyId)
    const ok = await admin().decrypt(new Kms.DecryptRequest({ ciphertextBlob, encryptionContext: { path } }))
    expect(Buffer.from(ok.plaintext!, 'base64').toString()).toBe('rows')
    const denied = await sdkError(
      admin().decrypt(new Kms.DecryptRequest({ ciphertextBlob, encryptionContext: { path: `s3://${'/'.repeat(8000)}` } })),
    )
    expect(denied.code).toBe('Forbidden.NoPermission')
  })
})
