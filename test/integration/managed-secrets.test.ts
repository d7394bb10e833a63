/**
 * Managed secrets and rotation (core/domain/secrets/rotation/) through the official SDKs:
 * RAMCredentials secrets and generic secrets with a rotation function
 * (scripts/rotation-function-example.ts), rotated by RotateSecret (openapi-client callApi: the
 * 1.x SDK has no RotateSecret) and by the cron after the interval (time travel), failures,
 * a crash between steps, and concurrent RotateSecret.
 */
import { randomUUID } from 'node:crypto'
import RamModule, * as Ram from '@alicloud/ram20150501'
import { $OpenApiUtil } from '@alicloud/openapi-core'
import { afterAll, describe, expect, it } from 'vitest'
import { runCronOnce } from '../../scripts/lib/cron'
import { startRotationFunction, type RotationFunction } from '../../scripts/rotation-function-example'
import { Kms, kmsClient, openApiCaller, sdkError, stackInfo } from './clients'

const DAY = 86_400_000
const cron = (at: number) => runCronOnce(stackInfo().endpoint, stackInfo().dataDir, { at: new Date(at) })
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`

const RamClient = ((RamModule as unknown as { default?: unknown }).default ?? RamModule) as unknown as new (
  config: InstanceType<typeof $OpenApiUtil.Config>,
) => InstanceType<typeof Ram.default>

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

async function ramUser() {
  const admin = ram()
  const userName = unique('rot')
  await admin.createUser(new Ram.CreateUserRequest({ userName }))
  await admin.attachPolicyToUser(new Ram.AttachPolicyToUserRequest({ userName, policyName: 'AliyunKMSFullAccess', policyType: 'System' }))
  const { body } = await admin.createAccessKey(new Ram.CreateAccessKeyRequest({ userName }))
  return { userName, accessKeyId: body!.accessKey!.accessKeyId!, secret: body!.accessKey!.accessKeySecret! }
}

async function listKeys(userName: string): Promise<string[]> {
  const { body } = await ram().listAccessKeys(new Ram.ListAccessKeysRequest({ userName }))
  return (body!.accessKeys!.accessKey ?? []).map((k) => k.accessKeyId!)
}

const call = openApiCaller()

/** callApi with a 30 s read timeout: RotateSecret waits for a function that times out (5 s). */
function slowCall(action: string, query: Record<string, string>, version = '2016-01-20') {
  return openApiCaller({ version, timeoutMs: 30_000 })(action, query)
}

/** A KMS call signed with the AccessKey a RAM secret's ACSCurrent holds. */
async function signsWith(ak: { AccessKeyId: string; AccessKeySecret: string }): Promise<boolean> {
  try {
    await kmsClient(stackInfo(), ak.AccessKeySecret, ak.AccessKeyId).listKeys(new Kms.ListKeysRequest({}))
    return true
  } catch (err) {
    const code = String((err as { code?: string }).code ?? '')
    if (/InvalidAccessKeyId|SignatureDoesNotMatch|Forbidden/.test(code)) return false
    throw err
  }
}

async function currentValue(secretName: string) {
  const out = await kmsClient().getSecretValue(new Kms.GetSecretValueRequest({ secretName }))
  return { versionId: out.versionId, data: out.secretData, stages: out.versionStages.versionStage }
}

async function describe_(secretName: string) {
  return call('DescribeSecret', { SecretName: secretName })
}

async function ramSecret(opts: { rotation?: string } = {}) {
  const user = await ramUser()
  const secretName = unique('ram-secret')
  const query: Record<string, string> = {
    SecretName: secretName,
    VersionId: 'v0',
    SecretType: 'RAMCredentials',
    SecretData: JSON.stringify({ AccessKeyId: user.accessKeyId, AccessKeySecret: user.secret }),
    ExtendedConfig: JSON.stringify({ SecretSubType: 'RamUserAccessKey', UserName: user.userName }),
  }
  if (opts.rotation) Object.assign(query, { EnableAutomaticRotation: 'true', RotationInterval: opts.rotation })
  const created = await call('CreateSecret', query)
  expect(created.SecretType).toBe('RAMCredentials')
  return { user, secretName }
}

describe('RAMCredentials secrets', () => {
  it('RotateSecret issues a new AccessKey that signs; the old one works until the grace period ends', async () => {
    const t0 = Date.now()
    const { user, secretName } = await ramSecret()
    const before = await describe_(secretName)
    expect(before).toMatchObject({ SecretType: 'RAMCredentials', AutomaticRotation: 'Disabled' })
    expect(JSON.parse(before.ExtendedConfig)).toEqual({ SecretSubType: 'RamUserAccessKey', UserName: user.userName })

    const rotated = await call('RotateSecret', { SecretName: secretName, VersionId: 'r1' })
    // Every field of the SDK's RotateSecretResponseBody.
    expect(rotated).toMatchObject({
      SecretName: secretName,
      VersionId: 'r1',
      Arn: expect.stringMatching(/^acs:kms:[a-z0-9-]+:\d+:secret\//),
    })
    const wall = Date.now() - t0
    const now = await currentValue(secretName)
    expect(now.versionId).toBe('r1')
    expect(now.stages).toEqual(['ACSCurrent'])
    const ak = JSON.parse(now.data) as { AccessKeyId: string; AccessKeySecret: string; GenerateTimestamp: string }
    expect(Object.keys(ak).sort()).toEqual(['AccessKeyId', 'AccessKeySecret', 'GenerateTimestamp'])
    expect(ak.AccessKeyId).not.toBe(user.accessKeyId)
    expect(await signsWith(ak)).toBe(true)
    expect(await signsWith({ AccessKeyId: user.accessKeyId, AccessKeySecret: user.secret })).toBe(true)
    const previous = await kmsClient().getSecretValue(new Kms.GetSecretValueRequest({ secretName, versionStage: 'ACSPrevious' }))
    expect(previous.versionId).toBe('v0')
    const after = await describe_(secretName)
    expect(after.RotationStatus).toBe('Succeeded')
    expect(after.LastRotationDate).toEqual(expect.any(String))
    console.log(`RAM RotateSecret wall time (create secret + rotate): ${wall} ms`)
    // Its value changes only by rotation; only ACSCurrent / ACSPrevious are readable.
    expect((await sdkError(call('PutSecretValue', { SecretName: secretName, VersionId: 'hand', SecretData: now.data }))).code).toBe(
      'Rejected.IncorrectSecretStatus',
    )
    expect((await sdkError(call('GetSecretValue', { SecretName: secretName, VersionStage: 'ACSPending' }))).code).toBe('InvalidParameter')

    // A day later the old key still works; after the 2-day grace the cron deletes it.
    await cron(Date.now() + 1 * DAY)
    expect((await listKeys(user.userName)).sort()).toEqual([user.accessKeyId, ak.AccessKeyId].sort())
    await cron(Date.now() + 3 * DAY)
    expect(await listKeys(user.userName)).toEqual([ak.AccessKeyId])
    await new Promise((r) => setTimeout(r, 2_100)) // the isolate's AccessKey cache (2 s)
    expect(await signsWith({ AccessKeyId: user.accessKeyId, AccessKeySecret: user.secret })).toBe(false)
    expect(await signsWith(ak)).toBe(true)
  })

  it('rotates by cron after the interval, and reports the policy in DescribeSecret and GetSecretValue', async () => {
    const { user, secretName } = await ramSecret({ rotation: '7d' })
    const d = await describe_(secretName)
    expect(d).toMatchObject({ AutomaticRotation: 'Enabled', RotationInterval: '604800s' })
    expect(Date.parse(d.NextRotationDate) - Date.parse(d.CreateTime)).toBe(7 * DAY)
    const got = await call('GetSecretValue', { SecretName: secretName, FetchExtendedConfig: 'true' })
    expect(got).toMatchObject({ SecretType: 'RAMCredentials', AutomaticRotation: 'Enabled', RotationInterval: '604800s' })
    expect(JSON.parse(got.ExtendedConfig).UserName).toBe(user.userName)
    const plain = await call('GetSecretValue', { SecretName: secretName })
    expect(plain.ExtendedConfig).toBeUndefined()

    await cron(Date.now() + 1 * DAY)
    expect((await currentValue(secretName)).versionId).toBe('v0')
    await cron(Date.now() + 8 * DAY)
    const now = await currentValue(secretName)
    expect(now.versionId).not.toBe('v0')
    expect(await signsWith(JSON.parse(now.data))).toBe(true)
    const after = await describe_(secretName)
    expect(Date.parse(after.NextRotationDate)).toBeGreaterThan(Date.now() + 14 * DAY)

    // Disabled: no further rotation.
    await call('UpdateSecretRotationPolicy', { SecretName: secretName, EnableAutomaticRotation: 'false' })
    expect((await describe_(secretName)).AutomaticRotation).toBe('Disabled')
    await cron(Date.now() + 40 * DAY)
    expect((await currentValue(secretName)).versionId).toBe(now.versionId)
  })

  it('keeps at most 2 AccessKeys: a third rotation deletes the oldest non-current key first', async () => {
    const { user, secretName } = await ramSecret()
    await call('RotateSecret', { SecretName: secretName, VersionId: 'a' })
    await call('RotateSecret', { SecretName: secretName, VersionId: 'b' })
    await call('RotateSecret', { SecretName: secretName, VersionId: 'c' })
    const ak = JSON.parse((await currentValue(secretName)).data)
    const keys = await listKeys(user.userName)
    expect(keys.length).toBeLessThanOrEqual(2)
    expect(keys).toContain(ak.AccessKeyId)
    expect(await signsWith(ak)).toBe(true)
  })

  it('20 concurrent RotateSecret with one VersionId rotate exactly once; with 20 VersionIds one at a time', async () => {
    const { user, secretName } = await ramSecret()
    const same = await Promise.allSettled(
      Array.from({ length: 20 }, () => call('RotateSecret', { SecretName: secretName, VersionId: 'once' })),
    )
    expect(same.filter((r) => r.status === 'fulfilled').length).toBe(20)
    const versions = await kmsClient().listSecretVersionIds(new Kms.ListSecretVersionIdsRequest({ secretName }))
    expect(versions.versionIds.versionId.map((v) => v.versionId).sort()).toEqual(['once', 'v0'])
    expect((await currentValue(secretName)).versionId).toBe('once')
    expect((await listKeys(user.userName)).length).toBe(2)

    const distinct = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => call('RotateSecret', { SecretName: secretName, VersionId: `d${i}` })),
    )
    const ok = distinct.filter((r) => r.status === 'fulfilled').length
    const refused = distinct.filter((r) => r.status === 'rejected') as PromiseRejectedResult[]
    for (const r of refused) expect(String(r.reason.code).replace(/Error$/, '')).toBe('Rejected.IncorrectSecretStatus')
    expect(ok).toBeGreaterThanOrEqual(1)
    const all = await kmsClient().listSecretVersionIds(new Kms.ListSecretVersionIdsRequest({ secretName, includeDeprecated: 'true' }))
    const ds = all.versionIds.versionId.filter((v) => v.versionId.startsWith('d'))
    expect(ds.length).toBe(ok)
    expect(all.versionIds.versionId.some((v) => v.versionStages.versionStage.includes('ACSPending'))).toBe(false)
    expect(await signsWith(JSON.parse((await currentValue(secretName)).data))).toBe(true)
    expect((await listKeys(user.userName)).length).toBeLessThanOrEqual(2)
    console.log(`20 concurrent RotateSecret (distinct VersionIds): ${ok} accepted, ${refused.length} refused while one was in flight`)
  })
})

describe('generic secrets with a rotation function', () => {
  const functions: RotationFunction[] = []
  afterAll(async () => {
    for (const f of functions) await f.close()
  })

  async function functionSecret(mode: RotationFunction['mode'] = 'ok', rotation?: string) {
    const signingName = unique('signing')
    const key = randomUUID()
    await kmsClient().createSecret(new Kms.CreateSecretRequest({ secretName: signingName, versionId: 'k1', secretData: key }))
    const fn = await startRotationFunction(key, 0, mode)
    functions.push(fn)
    const secretName = unique('fn-secret')
    const query: Record<string, string> = {
      SecretName: secretName,
      VersionId: 'v0',
      SecretData: JSON.stringify({ password: 'initial' }),
      ExtendedConfig: JSON.stringify({ RotationFunctionUrl: fn.url, RotationFunctionSigningSecretName: signingName }),
    }
    if (rotation) Object.assign(query, { EnableAutomaticRotation: 'true', RotationInterval: rotation })
    await call('CreateSecret', query)
    return { secretName, fn }
  }

  it('RotateSecret calls the four steps with the VersionId as ClientRequestToken; the new value is current', async () => {
    const { secretName, fn } = await functionSecret()
    const t0 = Date.now()
    await call('RotateSecret', { SecretName: secretName, VersionId: 'g1' })
    console.log(`function RotateSecret wall time: ${Date.now() - t0} ms`)
    expect(fn.calls).toEqual([
      { step: 'createSecret', token: 'g1' },
      { step: 'setSecret', token: 'g1' },
      { step: 'testSecret', token: 'g1' },
      { step: 'finishSecret', token: 'g1' },
    ])
    const now = await currentValue(secretName)
    expect(now.versionId).toBe('g1')
    expect(JSON.parse(now.data).password).not.toBe('initial')
    expect((await describe_(secretName)).RotationStatus).toBe('Succeeded')
  })

  it('rotates by cron after the interval', async () => {
    const { secretName } = await functionSecret('ok', '1d')
    await cron(Date.now() + 2 * DAY)
    expect((await currentValue(secretName)).versionId).toMatch(/^auto-/)
  })

  it.each(['fail500', 'timeout'] as const)(
    'a function that %s leaves ACSCurrent as it was, the failure visible',
    async (mode) => {
      const { secretName, fn } = await functionSecret(mode)
      const t0 = Date.now()
      await slowCall('RotateSecret', { SecretName: secretName, VersionId: 'bad' })
      console.log(`function ${mode}: RotateSecret returned after ${Date.now() - t0} ms`)
      expect((await currentValue(secretName)).versionId).toBe('v0')
      const d = await describe_(secretName)
      expect(d.RotationStatus).toBe('Failed')
      expect(d.LastRotationError).toMatch(/^secret\.invalidState/)
      expect(JSON.stringify(d)).not.toContain('initial')
      // A second rotation is refused while this one is pending.
      const e = await sdkError(call('RotateSecret', { SecretName: secretName, VersionId: 'other' }))
      expect(e.code).toBe('Rejected.IncorrectSecretStatus')
      // The cron retries with backoff and, after 5 failures, rolls back; ACSCurrent never moves.
      for (let i = 1; i <= 6; i++) await cron(Date.now() + i * 3 * 3600_000)
      expect((await currentValue(secretName)).versionId).toBe('v0')
      const after = await describe_(secretName)
      expect(after.RotationStatus).toBe('Failed')
      const ids = await kmsClient().listSecretVersionIds(new Kms.ListSecretVersionIdsRequest({ secretName }))
      expect(ids.versionIds.versionId.map((v) => v.versionId)).toEqual(['v0'])
      expect(fn.calls.every((c) => c.step === 'createSecret')).toBe(true)
      // The engine's own audit events: each failed attempt and the rollback, with codes, no value.
      // One call scans at most 2,000 records and the whole suite writes to this account's trail:
      // follow NextToken (a page may hold fewer events than asked and still continue).
      const mine: any[] = []
      const query: Record<string, string> = {
        StartTime: new Date(Date.now() - 600_000).toISOString(),
        MaxResults: '50',
        'LookupAttribute.1.Key': 'EventName',
        'LookupAttribute.1.Value': 'SecretRotation',
        'LookupAttribute.2.Key': 'ResourceName',
        'LookupAttribute.2.Value': secretName,
      }
      for (let page = 0, token: string | undefined; page === 0 || token; page++) {
        const trail = await slowCall('LookupEvents', token ? { ...query, NextToken: token } : query, '2020-07-06')
        mine.push(...(trail.Events as any[]))
        token = trail.NextToken || undefined
      }
      expect(mine.length).toBeGreaterThanOrEqual(5)
      expect(JSON.stringify(mine)).toContain('secret.invalidState')
      expect(JSON.stringify(mine)).not.toContain('initial')
      // Fixed function: a new rotation goes through.
      fn.mode = 'ok'
      await call('RotateSecret', { SecretName: secretName, VersionId: 'good' })
      expect((await currentValue(secretName)).versionId).toBe('good')
    },
    180_000,
  )

  it('a step that fails after the pending value exists (crash after create) is completed by the next cron run', async () => {
    const { secretName, fn } = await functionSecret('failSetOnce')
    await call('RotateSecret', { SecretName: secretName, VersionId: 'resume' })
    // Stopped at setSecret: the pending version exists, ACSCurrent still the old one and valid.
    expect((await currentValue(secretName)).versionId).toBe('v0')
    const pending = await call('GetSecretValue', { SecretName: secretName, VersionStage: 'ACSPending' })
    expect(pending.VersionId).toBe('resume')
    await cron(Date.now() + 3600_000)
    expect((await currentValue(secretName)).versionId).toBe('resume')
    expect(fn.calls.filter((c) => c.step === 'createSecret').length).toBe(1)
    expect((await describe_(secretName)).RotationStatus).toBe('Succeeded')
  })
})

describe('refusals', () => {
  it('refuses RotateSecret and UpdateSecretRotationPolicy on a plain generic secret, Rds/ECS types, bad intervals', async () => {
    const secretName = unique('plain')
    await kmsClient().createSecret(new Kms.CreateSecretRequest({ secretName, versionId: 'v1', secretData: 'x' }))
    for (const p of [
      () => call('RotateSecret', { SecretName: secretName, VersionId: 'r' }),
      () => call('UpdateSecretRotationPolicy', { SecretName: secretName, EnableAutomaticRotation: 'true', RotationInterval: '7d' }),
      () => call('CreateSecret', { SecretName: unique('rds'), VersionId: 'v', SecretData: '{}', SecretType: 'Rds', ExtendedConfig: '{}' }),
      () => call('CreateSecret', { SecretName: unique('ecs'), VersionId: 'v', SecretData: '{}', SecretType: 'ECS', ExtendedConfig: '{}' }),
      () =>
        call('CreateSecret', {
          SecretName: unique('ram'),
          VersionId: 'v',
          SecretData: '{"AccessKeyId":"a","AccessKeySecret":"b"}',
          SecretType: 'RAMCredentials',
          ExtendedConfig: '{"SecretSubType":"RamUserAccessKey","UserName":"u"}',
          EnableAutomaticRotation: 'true',
          RotationInterval: '1h',
        }),
      () =>
        call('CreateSecret', {
          SecretName: unique('ram'),
          VersionId: 'v',
          SecretData: '{"AccessKeyId":"a","AccessKeySecret":"b"}',
          SecretType: 'RAMCredentials',
          ExtendedConfig: '{"SecretSubType":"RamUserAccessKey","UserName":"no-such-user"}',
        }),
      () =>
        call('CreateSecret', {
          SecretName: unique('ram'),
          VersionId: 'v',
          SecretData: 'not json',
          SecretType: 'RAMCredentials',
          ExtendedConfig: '{"SecretSubType":"RamUserAccessKey","UserName":"u"}',
        }),
      () =>
        call('CreateSecret', {
          SecretName: unique('fn'),
          VersionId: 'v',
          SecretData: 'x',
          ExtendedConfig: '{"RotationFunctionUrl":"http://example.com/","RotationFunctionSigningSecretName":"s"}',
        }),
    ]) {
      const e = await sdkError(p())
      expect(e.code).toBe('InvalidParameter')
      expect(e.statusCode).toBe(400)
    }
  })
})
