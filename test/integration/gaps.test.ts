/**
 * Closed gaps, end to end through the official SDKs: `Policy` on
 * CreateKey and CreateSecret is applied (GetKeyPolicy / GetSecretPolicy return it; a lockout or
 * malformed policy is MalformedPolicyDocument and creates nothing visible), and the default
 * CMK's rules (description changes; rotation is Rejected.UnsupportedOperation; disable and
 * deletion are Forbidden.ServiceManagedKey); cross-account ReEncrypt from a blob, each key
 * authorised by its own account's policies.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Kms, kmsClient, openApiCaller, sdkError, stackInfo } from './clients'

const run = Math.random().toString(36).slice(2, 8)
function policy(accountId: string, extra: object[] = []): string {
  return JSON.stringify({
    Version: '1',
    Statement: [
      { Sid: 'root', Effect: 'Allow', Principal: { RAM: [`acs:ram::${accountId}:*`] }, Action: ['kms:*'], Resource: ['*'] },
      ...extra,
    ],
  })
}

describe('Policy on CreateKey and CreateSecret', () => {
  it('CreateKey stores its Policy; a lockout policy is refused', async () => {
    const call = openApiCaller()
    const account = stackInfo().accountId
    const doc = policy(account, [
      { Sid: 'audit', Effect: 'Deny', Principal: { RAM: ['acs:ram::1234567:*'] }, Action: ['kms:Decrypt'], Resource: ['*'] },
    ])
    const { KeyMetadata } = await call('CreateKey', { Description: `with-policy-${run}`, Policy: doc })
    const got = await call('GetKeyPolicy', { KeyId: KeyMetadata.KeyId, PolicyName: 'default' })
    expect(JSON.parse(got.Policy)).toEqual(JSON.parse(doc))
    const lockout = JSON.stringify({
      Version: '1',
      Statement: [{ Effect: 'Allow', Principal: { RAM: ['acs:ram::1234567:*'] }, Action: ['kms:*'], Resource: ['*'] }],
    })
    const err = await sdkError(call('CreateKey', { Description: `lockout-${run}`, Policy: lockout }))
    expect([err.code, err.statusCode]).toEqual(['MalformedPolicyDocument', 400])
    const bad = await sdkError(call('CreateKey', { Description: `malformed-${run}`, Policy: '{"Version":' }))
    expect([bad.code, bad.statusCode]).toEqual(['MalformedPolicyDocument', 400])
    // Without Policy the key has the default policy.
    const { KeyMetadata: plain } = await call('CreateKey', {})
    expect(
      JSON.parse((await call('GetKeyPolicy', { KeyId: plain.KeyId, PolicyName: 'default' })).Policy).Statement[0].Principal.RAM,
    ).toEqual([`acs:ram::${account}:*`])
  })

  it('CreateSecret stores its Policy for that creation of the secret; a lockout policy creates no secret', async () => {
    const call = openApiCaller()
    const account = stackInfo().accountId
    const name = `policy-secret-${run}`
    const doc = policy(account, [
      { Sid: 'nobody-else', Effect: 'Deny', Principal: { RAM: ['acs:ram::1234567:*'] }, Action: ['kms:GetSecretValue'], Resource: ['*'] },
    ])
    await call('CreateSecret', { SecretName: name, SecretData: 'v', VersionId: 'v1', Policy: doc })
    const got = await call('GetSecretPolicy', { SecretName: name, PolicyName: 'default' })
    expect(JSON.parse(got.Policy)).toEqual(JSON.parse(doc))
    const lockout = JSON.stringify({
      Version: '1',
      Statement: [{ Effect: 'Deny', Principal: { RAM: [`acs:ram::${account}:*`] }, Action: ['kms:SetSecretPolicy'], Resource: ['*'] }],
    })
    const refused = `policy-lockout-${run}`
    const err = await sdkError(call('CreateSecret', { SecretName: refused, SecretData: 'v', VersionId: 'v1', Policy: lockout }))
    expect([err.code, err.statusCode]).toEqual(['MalformedPolicyDocument', 400])
    const missing = await sdkError(call('DescribeSecret', { SecretName: refused }))
    expect(missing.code).toBe('Forbidden.ResourceNotFound')
  })
})

describe('the default CMK', () => {
  it('takes a description; rotation is Rejected.UnsupportedOperation; disable and deletion are refused', async () => {
    const call = openApiCaller()
    const client = kmsClient()
    const def = (await call('DescribeKey', { KeyId: 'alias/acs/kms' })).KeyMetadata
    expect(def.CreatorType).toBe('Default')
    await client.updateKeyDescription(new Kms.UpdateKeyDescriptionRequest({ keyId: def.KeyId, description: `default ${run}` }))
    expect((await call('DescribeKey', { KeyId: def.KeyId })).KeyMetadata.Description).toBe(`default ${run}`)
    const rot = await sdkError(
      call('UpdateRotationPolicy', { KeyId: def.KeyId, EnableAutomaticRotation: 'true', RotationInterval: '365d' }),
    )
    expect([rot.code, rot.statusCode]).toEqual(['Rejected.UnsupportedOperation', 400])
    await call('UpdateRotationPolicy', { KeyId: def.KeyId, EnableAutomaticRotation: 'false' })
    for (const [action, params] of [
      ['DisableKey', { KeyId: def.KeyId }],
      ['ScheduleKeyDeletion', { KeyId: def.KeyId, PendingWindowInDays: '7' }],
    ] as const) {
      const err = await sdkError(call(action, params))
      expect([action, err.code, err.statusCode]).toEqual([action, 'Forbidden.ServiceManagedKey', 403])
    }
    const byok = await sdkError(
      call('GetParametersForImport', { KeyId: def.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }),
    )
    expect(byok.code).toBe('Unsupported.Origin')
  })
})

describe('cross-account ReEncrypt', () => {
  async function secondAccount(): Promise<{ accountId: string; accessKeyId: string; accessKeySecret: string }> {
    const s = stackInfo()
    const token = readFileSync(join(s.dataDir, 'local-admin-token'), 'utf8').trim()
    const res = await fetch(new URL('/__local/accounts', s.endpoint), { method: 'POST', headers: { authorization: `Bearer ${token}` } })
    expect(res.status).toBe(200)
    return (await res.json()) as { accountId: string; accessKeyId: string; accessKeySecret: string }
  }
  const arn = (account: string, keyId: string) => `acs:kms:${stackInfo().regionId}:${account}:key/${keyId}`

  it('opens under the source account key and seals under the other account key, each allowed by its own policy', async () => {
    const a = stackInfo()
    const A = openApiCaller()
    const b = await secondAccount()
    const B = openApiCaller({ secret: b.accessKeySecret }, { ...stackInfo(), accessKeyId: b.accessKeyId })
    const kA = (await A('CreateKey', {})).KeyMetadata.KeyId
    const kB = (await B('CreateKey', {})).KeyMetadata.KeyId
    const blob = (
      await A('Encrypt', { KeyId: kA, Plaintext: Buffer.from('moves across').toString('base64'), EncryptionContext: '{"a":"1"}' })
    ).CiphertextBlob
    const reEncrypt = (call: typeof A, destination: string) =>
      call('ReEncrypt', {
        CiphertextBlob: blob,
        SourceEncryptionContext: '{"a":"1"}',
        DestinationKeyId: destination,
        DestinationEncryptionContext: '{"b":"2"}',
      })

    // B's key policy does not grant A yet: refused, as before.
    const denied = await sdkError(reEncrypt(A, arn(b.accountId, kB)))
    expect(denied.code).toBe('Forbidden.NoPermission')
    await B('SetKeyPolicy', {
      KeyId: kB,
      PolicyName: 'default',
      Policy: policy(b.accountId, [
        { Effect: 'Allow', Principal: { RAM: [`acs:ram::${a.accountId}:root`] }, Action: ['kms:ReEncryptTo'], Resource: ['*'] },
      ]),
    })
    const moved = await reEncrypt(A, arn(b.accountId, kB))
    expect([moved.KeyId, moved.SourceKeyId]).toEqual([kB, kA])
    const opened = await B('Decrypt', { CiphertextBlob: moved.CiphertextBlob, EncryptionContext: '{"b":"2"}' })
    expect(Buffer.from(opened.Plaintext, 'base64').toString()).toBe('moves across')

    // The other direction: B pulls A's blob to its own key only once A's key policy allows ReEncryptFrom.
    expect((await sdkError(reEncrypt(B, kB))).code).toBe('Forbidden.NoPermission')
    await A('SetKeyPolicy', {
      KeyId: kA,
      PolicyName: 'default',
      Policy: policy(a.accountId, [
        { Effect: 'Allow', Principal: { RAM: [`acs:ram::${b.accountId}:root`] }, Action: ['kms:ReEncryptFrom'], Resource: ['*'] },
      ]),
    })
    const pulled = await reEncrypt(B, kB)
    expect(pulled.KeyId).toBe(kB)
    const back = await B('Decrypt', { CiphertextBlob: pulled.CiphertextBlob, EncryptionContext: '{"b":"2"}' })
    expect(Buffer.from(back.Plaintext, 'base64').toString()).toBe('moves across')
    // A wrong source context is still the uniform failure.
    const wrong = await sdkError(B('ReEncrypt', { CiphertextBlob: blob, SourceEncryptionContext: '{"a":"x"}', DestinationKeyId: kB }))
    expect(wrong.code).toBe('InvalidCiphertext')
  })
})
