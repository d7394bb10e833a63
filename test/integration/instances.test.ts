/**
 * KMS instances end to end against the real local stack: the operator's admin route (through
 * scripts/lib/instances.ts, as `npm run instance` uses it), the 3.x instance actions through
 * openapi-client's callApi (the 1.2.0 SDK has none of them, nor DKMSInstanceId), keys and
 * secrets inside instances, the count quotas under concurrent creators, and the per-instance
 * request limit.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { InstanceRecord } from '../../core/domain/instances/model'
import { runCronOnce } from '../../scripts/lib/cron'
import { createLocalInstance, listLocalInstances } from '../../scripts/lib/instances'
import { b64, openApiCaller, sdkError, stackInfo } from './clients'

const call = openApiCaller()
const run = randomUUID().slice(0, 8)

async function newInstance(
  opts: Partial<{ type: 'software' | 'hsm' | 'external'; keys: number; secrets: number; rps: number }> = {},
): Promise<InstanceRecord> {
  const stack = stackInfo()
  return createLocalInstance(stack.endpoint, stack.dataDir, {
    accountId: stack.accountId,
    type: opts.type ?? 'software',
    keys: opts.keys ?? 10,
    secrets: opts.secrets ?? 10,
    rps: opts.rps ?? 100_000,
    name: `it-${run}`,
  })
}

describe('the operator creates instances (local admin route)', () => {
  it('answers 404 without the token, with a wrong token, and for a bad body 400', async () => {
    const stack = stackInfo()
    const url = new URL('/__local/instances', stack.endpoint)
    const body = JSON.stringify({ accountId: stack.accountId, type: 'software', keys: 1, secrets: 1, rps: 1 })
    expect((await fetch(url, { method: 'POST', body })).status).toBe(404)
    expect((await fetch(url, { method: 'POST', body, headers: { authorization: 'Bearer nope' } })).status).toBe(404)
    await expect(
      createLocalInstance(stack.endpoint, stack.dataDir, { accountId: stack.accountId, type: 'software', keys: -1, secrets: 1, rps: 1 }),
    ).rejects.toThrow(/400/)
    await expect(
      createLocalInstance(stack.endpoint, stack.dataDir, {
        accountId: stack.accountId,
        type: 'quantum' as never,
        keys: 1,
        secrets: 1,
        rps: 1,
      }),
    ).rejects.toThrow(/400/)
  })

  it('GetKmsInstance, ListKmsInstances and GetKmsInstanceQuotaInfos show it with the SDK field types', async () => {
    const stack = stackInfo()
    const instance = await newInstance({ keys: 1000, secrets: 100, rps: 1000 })
    expect(instance.instanceId).toMatch(/^kst-[a-z0-9]+$/)
    const got = await call('GetKmsInstance', { KmsInstanceId: instance.instanceId })
    expect(got.KmsInstance).toMatchObject({
      InstanceId: instance.instanceId,
      KmsInstanceId: instance.instanceId,
      InstanceName: `it-${run}`,
      Status: 'Connected',
      ProductVersion: '3',
      Spec: 1000,
      KeyNum: 1000,
      SecretNum: '100',
      VpcNum: 1,
    })
    const listed = await call('ListKmsInstances', { PageSize: '100' })
    expect(listed.KmsInstances.KmsInstance).toContainEqual({
      KmsInstanceId: instance.instanceId,
      KmsInstanceArn: `acs:kms:${stack.regionId}:${stack.accountId}:instance/${instance.instanceId}`,
    })
    expect(listed.TotalCount).toBeGreaterThanOrEqual(1)
    expect((await listLocalInstances(stack.endpoint, stack.dataDir, stack.accountId)).map((i) => i.instanceId)).toContain(
      instance.instanceId,
    )
    const quotas = await call('GetKmsInstanceQuotaInfos', { KmsInstanceId: instance.instanceId })
    expect(quotas.KmsInstanceQuotaInfos).toEqual([
      { ResourceType: 'key', ResourceQuota: 1000, UsedQuantity: 0 },
      { ResourceType: 'secret', ResourceQuota: 100, UsedQuantity: 0 },
      { ResourceType: 'qps', ResourceQuota: 1000, UsedQuantity: 0 },
      { ResourceType: 'vpc', ResourceQuota: 1, UsedQuantity: 0 },
    ])
  })

  it('an unknown or malformed instance id is Forbidden.DKMSInstanceNotFound (403) / InvalidParameter (400)', async () => {
    const missing = await sdkError(call('GetKmsInstance', { KmsInstanceId: 'kst-hzz000000000000000000' }))
    expect(missing).toMatchObject({ code: 'Forbidden.DKMSInstanceNotFound', statusCode: 403 })
    const bad = await sdkError(call('GetKmsInstance', { KmsInstanceId: 'key-<script>' }))
    expect(bad).toMatchObject({ code: 'InvalidParameter', statusCode: 400 })
  })
})

describe('keys and secrets in an instance', () => {
  it('CreateKey with DKMSInstanceId: DescribeKey shows it, ListKeys filters by it, keys without one keep working', async () => {
    const instance = await newInstance()
    const { KeyMetadata: inside } = await call('CreateKey', { DKMSInstanceId: instance.instanceId, ProtectionLevel: 'HSM' })
    expect(inside.DKMSInstanceId).toBe(instance.instanceId)
    // ProtectionLevel follows the instance type (Alibaba ignores the parameter with an instance).
    expect(inside.ProtectionLevel).toBe('SOFTWARE')
    const described = await call('DescribeKey', { KeyId: inside.KeyId })
    expect(described.KeyMetadata.DKMSInstanceId).toBe(instance.instanceId)
    const { KeyMetadata: outside } = await call('CreateKey', {})
    expect(outside.DKMSInstanceId).toBeUndefined()
    const filtered = await call('ListKeys', {
      PageSize: '100',
      Filters: JSON.stringify([{ Key: 'DKMSInstanceId', Values: [instance.instanceId] }]),
    })
    expect(filtered.Keys.Key.map((k: { KeyId: string }) => k.KeyId)).toEqual([inside.KeyId])
    const ct = await call('Encrypt', { KeyId: inside.KeyId, Plaintext: b64('x') })
    expect((await call('Decrypt', { CiphertextBlob: ct.CiphertextBlob })).Plaintext).toBe(b64('x'))
    const missing = await sdkError(call('CreateKey', { DKMSInstanceId: 'kst-hzz000000000000000000' }))
    expect(missing).toMatchObject({ code: 'Forbidden.DKMSInstanceNotFound', statusCode: 403 })
  })

  it('an hsm instance makes HSM keys, an external instance refuses (no key manager connected)', async () => {
    const external = await newInstance({ type: 'external' })
    const refused = await sdkError(call('CreateKey', { DKMSInstanceId: external.instanceId }))
    expect(refused).toMatchObject({ code: 'Unsupported.ProtectionLevel', statusCode: 400 })
    const quotas = await call('GetKmsInstanceQuotaInfos', { KmsInstanceId: external.instanceId, ResourceType: 'key' })
    expect(quotas.KmsInstanceQuotaInfos).toEqual([{ ResourceType: 'key', ResourceQuota: 10, UsedQuantity: 0 }])
    if (!stackInfo().hsm) return
    const hsm = await newInstance({ type: 'hsm' })
    const { KeyMetadata } = await call('CreateKey', { DKMSInstanceId: hsm.instanceId })
    expect(KeyMetadata).toMatchObject({ ProtectionLevel: 'HSM', DKMSInstanceId: hsm.instanceId })
  })

  it('CreateSecret in an instance needs a key of the same instance; DescribeSecret and ListSecrets show it', async () => {
    const instance = await newInstance()
    const other = await newInstance()
    const { KeyMetadata: key } = await call('CreateKey', { DKMSInstanceId: instance.instanceId })
    const { KeyMetadata: foreign } = await call('CreateKey', { DKMSInstanceId: other.instanceId })
    const { KeyMetadata: shared } = await call('CreateKey', {})
    const name = `inst-secret-${run}`
    for (const keyId of [foreign.KeyId, shared.KeyId]) {
      const wrong = await sdkError(
        call('CreateSecret', {
          SecretName: name,
          VersionId: 'v1',
          SecretData: 's3cr3t',
          EncryptionKeyId: keyId,
          DKMSInstanceId: instance.instanceId,
        }),
      )
      expect(wrong).toMatchObject({ code: 'InvalidParameter', statusCode: 400 })
      expect(wrong.message).not.toContain('s3cr3t')
    }
    const created = await call('CreateSecret', {
      SecretName: name,
      VersionId: 'v1',
      SecretData: 's3cr3t',
      EncryptionKeyId: key.KeyId,
      DKMSInstanceId: instance.instanceId,
    })
    expect(created.DKMSInstanceId).toBe(instance.instanceId)
    expect((await call('DescribeSecret', { SecretName: name })).DKMSInstanceId).toBe(instance.instanceId)
    const listed = await call('ListSecrets', {
      PageSize: '100',
      Filters: JSON.stringify([{ Key: 'DKMSInstanceId', Values: [instance.instanceId] }]),
    })
    expect(listed.SecretList.Secret.map((s: { SecretName: string }) => s.SecretName)).toEqual([name])
    expect((await call('GetSecretValue', { SecretName: name })).SecretData).toBe('s3cr3t')
    // The refused attempts gave their unit back: one secret used.
    const quotas = await call('GetKmsInstanceQuotaInfos', { KmsInstanceId: instance.instanceId, ResourceType: 'secret' })
    expect(quotas.KmsInstanceQuotaInfos[0].UsedQuantity).toBe(1)
  })
})

describe('quotas', () => {
  it('50 concurrent CreateKey at quota - 1: exactly one succeeds, the rest Rejected.LimitExceeded', async () => {
    const instance = await newInstance({ keys: 3 })
    for (let i = 0; i < 2; i++) await call('CreateKey', { DKMSInstanceId: instance.instanceId })
    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, () => call('CreateKey', { DKMSInstanceId: instance.instanceId })))
    const ok = outcomes.filter((o) => o.status === 'fulfilled')
    const refused = outcomes.flatMap((o) =>
      o.status === 'rejected' ? [o.reason as { code?: string; data?: { statusCode?: number } }] : [],
    )
    expect(ok).toHaveLength(1)
    expect(refused).toHaveLength(49)
    for (const r of refused) {
      expect(String(r.code)).toBe('Rejected.LimitExceeded')
      expect(r.data?.statusCode).toBe(400)
    }
    const listed = await call('ListKeys', {
      PageSize: '100',
      Filters: JSON.stringify([{ Key: 'DKMSInstanceId', Values: [instance.instanceId] }]),
    })
    expect(listed.TotalCount).toBe(3)
    const quotas = await call('GetKmsInstanceQuotaInfos', { KmsInstanceId: instance.instanceId, ResourceType: 'key' })
    expect(quotas.KmsInstanceQuotaInfos).toEqual([{ ResourceType: 'key', ResourceQuota: 3, UsedQuantity: 3 }])
  })

  it('the secret quota refuses the secret beyond it', async () => {
    const instance = await newInstance({ secrets: 1 })
    const { KeyMetadata: key } = await call('CreateKey', { DKMSInstanceId: instance.instanceId })
    await call('CreateSecret', {
      SecretName: `q1-${run}`,
      VersionId: 'v1',
      SecretData: 'a',
      EncryptionKeyId: key.KeyId,
      DKMSInstanceId: instance.instanceId,
    })
    const over = await sdkError(
      call('CreateSecret', {
        SecretName: `q2-${run}`,
        VersionId: 'v1',
        SecretData: 'a',
        EncryptionKeyId: key.KeyId,
        DKMSInstanceId: instance.instanceId,
      }),
    )
    expect(over).toMatchObject({ code: 'Rejected.LimitExceeded', statusCode: 400 })
  })
})

describe('quota units come back when a key or secret is purged', () => {
  it('a purged key and a force-deleted secret free their units', async () => {
    const stack = stackInfo()
    const instance = await newInstance({ keys: 2, secrets: 1 })
    const { KeyMetadata: cmk } = await call('CreateKey', { DKMSInstanceId: instance.instanceId })
    const { KeyMetadata: doomed } = await call('CreateKey', { DKMSInstanceId: instance.instanceId })
    expect(await sdkError(call('CreateKey', { DKMSInstanceId: instance.instanceId }))).toMatchObject({ code: 'Rejected.LimitExceeded' })
    await call('ScheduleKeyDeletion', { KeyId: doomed.KeyId, PendingWindowInDays: '7' })
    // Pending deletion still counts (as at Alibaba); the purge gives the unit back.
    expect(await sdkError(call('CreateKey', { DKMSInstanceId: instance.instanceId }))).toMatchObject({ code: 'Rejected.LimitExceeded' })
    const later = new Date(Date.now() + 8 * 86_400_000)
    for (let i = 0; i < 20; i++) {
      const r = await runCronOnce(stack.endpoint, stack.dataDir, { at: later })
      if (!r.reports.some((x) => x.more)) break
    }
    const keys = await call('GetKmsInstanceQuotaInfos', { KmsInstanceId: instance.instanceId, ResourceType: 'key' })
    expect(keys.KmsInstanceQuotaInfos[0].UsedQuantity).toBe(1)
    await call('CreateKey', { DKMSInstanceId: instance.instanceId })

    const name = `purged-${run}`
    await call('CreateSecret', {
      SecretName: name,
      VersionId: 'v1',
      SecretData: 'x',
      EncryptionKeyId: cmk.KeyId,
      DKMSInstanceId: instance.instanceId,
    })
    await call('DeleteSecret', { SecretName: name, ForceDeleteWithoutRecovery: 'true' })
    const secrets = await call('GetKmsInstanceQuotaInfos', { KmsInstanceId: instance.instanceId, ResourceType: 'secret' })
    expect(secrets.KmsInstanceQuotaInfos[0].UsedQuantity).toBe(0)
    await call('CreateSecret', {
      SecretName: `${name}-2`,
      VersionId: 'v1',
      SecretData: 'x',
      EncryptionKeyId: cmk.KeyId,
      DKMSInstanceId: instance.instanceId,
    })
  })
})

describe('requests per second', () => {
  it('an instance over its limit answers Rejected.Throttling (429); the shared default is unaffected', async () => {
    const instance = await newInstance({ rps: 1 })
    const { KeyMetadata: key } = await call('CreateKey', { DKMSInstanceId: instance.instanceId })
    const { KeyMetadata: shared } = await call('CreateKey', {})
    // 20 concurrent calls against a 1 req/s bucket holding one token: they cannot all pass.
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => call('Encrypt', { KeyId: key.KeyId, Plaintext: b64('x') })))
    const refused = outcomes.flatMap((o) =>
      o.status === 'rejected' ? [o.reason as { code?: string; data?: { statusCode?: number } }] : [],
    )
    expect(refused.length).toBeGreaterThan(0)
    for (const r of refused) {
      expect(String(r.code)).toBe('Rejected.Throttling')
      expect(r.data?.statusCode).toBe(429)
    }
    // A secret of the instance counts through its CMK (GetSecretValue needs kms:Decrypt on it).
    const name = `throttled-${run}`
    const created = await Promise.allSettled([
      call('CreateSecret', {
        SecretName: name,
        VersionId: 'v1',
        SecretData: 'x',
        EncryptionKeyId: key.KeyId,
        DKMSInstanceId: instance.instanceId,
      }),
    ])
    if (created[0]!.status === 'fulfilled') {
      const reads = await Promise.allSettled(Array.from({ length: 20 }, () => call('GetSecretValue', { SecretName: name })))
      const throttledReads = reads.filter(
        (o) => o.status === 'rejected' && String((o.reason as { code?: string }).code) === 'Rejected.Throttling',
      )
      expect(throttledReads.length).toBeGreaterThan(0)
    } else {
      expect(String((created[0]!.reason as { code?: string }).code)).toBe('Rejected.Throttling')
    }
    const sharedOutcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () => call('Encrypt', { KeyId: shared.KeyId, Plaintext: b64('x') })),
    )
    expect(sharedOutcomes.every((o) => o.status === 'fulfilled')).toBe(true)
  })
})
