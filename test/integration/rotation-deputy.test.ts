/**
 * A managed secret's rotation acts as the account on what its ExtendedConfig names: the
 * engine reads `AdminSecretName` / `RotationFunctionSigningSecretName` with the account's
 * authority, and a RAMCredentials rotation makes AccessKeys for `UserName`. Regression tests of
 * the confused-deputy finding: a RAM user allowed only its own secrets must not be able to name
 * another secret (its value sent as an HMAC key to the user's URL, or as a login to the user's
 * host) or another RAM user (whose new AccessKey then lands in the user's own secret).
 */
import { randomUUID } from 'node:crypto'
import RamModule, * as Ram from '@alicloud/ram20150501'
import { $OpenApiUtil } from '@alicloud/openapi-core'
import { describe, expect, it } from 'vitest'
import { kmsClient, Kms, openApiCaller, stackInfo } from './clients'

const RamClient = ((RamModule as unknown as { default?: unknown }).default ?? RamModule) as unknown as new (
  config: InstanceType<typeof $OpenApiUtil.Config>,
) => InstanceType<typeof Ram.default>

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`
const doc = (...Statement: object[]) => JSON.stringify({ Version: '1', Statement })
const secretArn = (name: string) => `acs:kms:*:${stackInfo().accountId}:secret/${name}`

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

async function user(documents: string[] = []): Promise<{ name: string; call: ReturnType<typeof openApiCaller> }> {
  const admin = ram()
  const userName = unique('u')
  await admin.createUser(new Ram.CreateUserRequest({ userName }))
  for (const policyDocument of documents) {
    const policyName = unique('pol')
    await admin.createPolicy(new Ram.CreatePolicyRequest({ policyName, policyDocument }))
    await admin.attachPolicyToUser(new Ram.AttachPolicyToUserRequest({ userName, policyName, policyType: 'Custom' }))
  }
  const { body } = await admin.createAccessKey(new Ram.CreateAccessKeyRequest({ userName }))
  const call = openApiCaller({ secret: body!.accessKey!.accessKeySecret! }, { ...stackInfo(), accessKeyId: body!.accessKey!.accessKeyId! })
  return { name: userName, call }
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    return String((err as { code?: string }).code ?? '')
  }
  return 'OK'
}

/** Allowed everything on secrets named `<prefix>*`, nothing else. */
const ownSecrets = (prefix: string) => doc({ Effect: 'Allow', Action: ['kms:*'], Resource: [secretArn(`${prefix}*`)] })

describe('CreateSecret: what a rotation reads or acts on needs the creator’s own permission', () => {
  it('RotationFunctionSigningSecretName / AdminSecretName must be readable by the creator', async () => {
    const victim = unique('victim')
    await kmsClient().createSecret(new Kms.CreateSecretRequest({ secretName: victim, versionId: 'v1', secretData: 'hunter2' }))
    const prefix = unique('own')
    const attacker = await user([ownSecrets(prefix)])
    const functionConfig = JSON.stringify({
      RotationFunctionUrl: 'https://rotation.example.com/',
      RotationFunctionSigningSecretName: victim,
    })
    expect(
      await failure(
        attacker.call('CreateSecret', { SecretName: `${prefix}-fn`, VersionId: 'v0', SecretData: 'x', ExtendedConfig: functionConfig }),
      ),
    ).toBe('Forbidden.NoPermission')
    // Flattened form too.
    expect(
      await failure(
        attacker.call('CreateSecret', {
          SecretName: `${prefix}-fn2`,
          VersionId: 'v0',
          SecretData: 'x',
          'ExtendedConfig.RotationFunctionUrl': 'https://rotation.example.com/',
          'ExtendedConfig.RotationFunctionSigningSecretName': victim,
        }),
      ),
    ).toBe('Forbidden.NoPermission')
    const rdsConfig = JSON.stringify({
      SecretSubType: 'DoubleUsers',
      Engine: 'postgresql',
      Host: '127.0.0.1',
      Port: 5432,
      Database: 'app',
      AdminSecretName: victim,
    })
    expect(
      await failure(
        attacker.call('CreateSecret', {
          SecretName: `${prefix}-rds`,
          VersionId: 'v0',
          SecretType: 'Rds',
          SecretData: JSON.stringify({ AccountName: 'app', AccountPassword: 'p' }),
          ExtendedConfig: rdsConfig,
        }),
      ),
    ).toBe('Forbidden.NoPermission')

    // Allowed to read the named secret: the same call is allowed.
    const reader = await user([ownSecrets(prefix), doc({ Effect: 'Allow', Action: ['kms:GetSecretValue'], Resource: [secretArn(victim)] })])
    expect(
      await failure(
        reader.call('CreateSecret', { SecretName: `${prefix}-ok`, VersionId: 'v0', SecretData: 'x', ExtendedConfig: functionConfig }),
      ),
    ).toBe('OK')
  })

  it('a RAMCredentials secret for another RAM user needs ram:CreateAccessKey on that user', async () => {
    const victim = await user()
    const prefix = unique('own')
    const attacker = await user([ownSecrets(prefix)])
    const secretName = `${prefix}-ram`
    const created = await failure(
      attacker.call('CreateSecret', {
        SecretName: secretName,
        VersionId: 'v0',
        SecretType: 'RAMCredentials',
        SecretData: JSON.stringify({ AccessKeyId: 'LTAIxxxxxxxxxxxxxxxxxxxx', AccessKeySecret: 'x' }),
        ExtendedConfig: JSON.stringify({ SecretSubType: 'RamUserAccessKey', UserName: victim.name }),
      }),
    )
    if (created === 'OK') {
      // The escalation this test guards against: the rotation mints the victim's AccessKey into
      // the attacker's own secret.
      await failure(attacker.call('RotateSecret', { SecretName: secretName, VersionId: 'r1' }))
    }
    expect(created).toBe('Forbidden.NoPermission')
    const { body } = await ram().listAccessKeys(new Ram.ListAccessKeysRequest({ userName: victim.name }))
    expect((body!.accessKeys!.accessKey ?? []).length).toBe(1)
  })
})
