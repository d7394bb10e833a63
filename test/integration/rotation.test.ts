/**
 * Key versions, automatic rotation and scheduled deletion through the official SDK, with test
 * time travel (`npm run cron -- --at`, i.e. the local stack's scheduled route).
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { runCronOnce } from '../../scripts/lib/cron'
import { ROOT } from '../../scripts/lib/stack'
import { b64, Kms, kmsClient, openApiCaller, sdkError, stackInfo, unb64 } from './clients'

const DAY = 86_400_000
const cron = (at: number) => runCronOnce(stackInfo().endpoint, stackInfo().dataDir, { at: new Date(at) })

async function rotatingKey(interval = '7d') {
  const client = kmsClient()
  const { keyMetadata } = await client.createKey(
    new Kms.CreateKeyRequest({ enableAutomaticRotation: true, rotationInterval: interval, description: 'rotating' }),
  )
  return keyMetadata
}

describe('automatic rotation', () => {
  it('reports the rotation policy in DescribeKey', async () => {
    const meta = await rotatingKey('604800s')
    expect(meta.automaticRotation).toBe('Enabled')
    expect(meta.rotationInterval).toBe('604800s')
    expect(Date.parse(meta.nextRotationDate) - Date.parse(meta.creationDate)).toBe(7 * DAY)
    expect(meta.lastRotationDate).toBe(meta.creationDate)
  })

  it('rotates a 7-day key when the cron runs eight days later, and old blobs still decrypt', async () => {
    const client = kmsClient()
    const meta = await rotatingKey()
    const before = await client.encrypt(new Kms.EncryptRequest({ keyId: meta.keyId, plaintext: b64('v1 data') }))
    await cron(Date.now() + 1 * DAY)
    expect((await client.describeKey(new Kms.DescribeKeyRequest({ keyId: meta.keyId }))).keyMetadata.primaryKeyVersion).toBe(
      meta.primaryKeyVersion,
    )
    const at = Date.now() + 8 * DAY
    const { reports } = await cron(at)
    expect(reports.find((r) => r.job === 'rotate-due-keys')!.processed).toBeGreaterThanOrEqual(1)
    const after = (await client.describeKey(new Kms.DescribeKeyRequest({ keyId: meta.keyId }))).keyMetadata
    expect(after.primaryKeyVersion).not.toBe(meta.primaryKeyVersion)
    expect(after.keyId).toBe(meta.keyId)
    expect(after.arn).toBe(meta.arn)
    expect(Date.parse(after.lastRotationDate)).toBeGreaterThan(Date.parse(meta.lastRotationDate))
    const versions = await client.listKeyVersions(new Kms.ListKeyVersionsRequest({ keyId: meta.keyId }))
    expect(versions.totalCount).toBe(2)
    expect(versions.keyVersions.keyVersion.map((v) => v.keyVersionId)).toEqual([after.primaryKeyVersion, meta.primaryKeyVersion])
    const described = await client.describeKeyVersion(
      new Kms.DescribeKeyVersionRequest({ keyId: meta.keyId, keyVersionId: meta.primaryKeyVersion }),
    )
    expect(described.keyVersion.creationDate).toBe(meta.creationDate)

    const dec = await client.decrypt(new Kms.DecryptRequest({ ciphertextBlob: before.ciphertextBlob }))
    expect(unb64(dec.plaintext)).toBe('v1 data')
    expect(dec.keyVersionId).toBe(meta.primaryKeyVersion)
    const fresh = await client.encrypt(new Kms.EncryptRequest({ keyId: meta.keyId, plaintext: b64('v2 data') }))
    expect(fresh.keyVersionId).toBe(after.primaryKeyVersion)
  })

  it('keeps every old blob decryptable across 10 rotations in a row', async () => {
    const client = kmsClient()
    const meta = await rotatingKey()
    const blobs: Array<{ blob: string; text: string; version: string }> = []
    for (let i = 0; i <= 10; i++) {
      const text = `generation ${i}`
      const enc = await client.encrypt(new Kms.EncryptRequest({ keyId: meta.keyId, plaintext: b64(text) }))
      blobs.push({ blob: enc.ciphertextBlob, text, version: enc.keyVersionId })
      if (i < 10) await cron(Date.now() + (i + 1) * 8 * DAY)
    }
    expect(new Set(blobs.map((b) => b.version)).size).toBe(11)
    for (const b of blobs) {
      const dec = await client.decrypt(new Kms.DecryptRequest({ ciphertextBlob: b.blob }))
      expect(unb64(dec.plaintext)).toBe(b.text)
      expect(dec.keyVersionId).toBe(b.version)
    }
  })

  it('produces exactly one new version per due key when two cron runs overlap', async () => {
    const client = kmsClient()
    const keys = await Promise.all(Array.from({ length: 6 }, () => rotatingKey()))
    const at = Date.now() + 200 * DAY
    const results = await Promise.all([cron(at), cron(at), cron(at)])
    for (const meta of keys) {
      const versions = await client.listKeyVersions(new Kms.ListKeyVersionsRequest({ keyId: meta.keyId }))
      expect(versions.totalCount).toBe(2)
    }
    const processed = results.map((r) => r.reports.find((x) => x.job === 'rotate-due-keys')!)
    expect(processed.every((r) => r.failed === 0)).toBe(true)
  })

  it('updates the rotation policy and refuses bad intervals and disabled keys', async () => {
    const call = openApiCaller()
    const { KeyMetadata } = await call('CreateKey', {})
    await call('UpdateRotationPolicy', { KeyId: KeyMetadata.KeyId, EnableAutomaticRotation: 'true', RotationInterval: '30d' })
    let meta = (await call('DescribeKey', { KeyId: KeyMetadata.KeyId })).KeyMetadata
    expect(meta.AutomaticRotation).toBe('Enabled')
    expect(meta.RotationInterval).toBe('2592000s')
    for (const bad of ['6d', '366d', '604799s', 'abc', '7x', '-7d']) {
      const err = await sdkError(
        call('UpdateRotationPolicy', { KeyId: KeyMetadata.KeyId, EnableAutomaticRotation: 'true', RotationInterval: bad }),
      )
      expect(err.code).toBe('InvalidParameter')
      expect(err.statusCode).toBe(400)
    }
    await call('DisableKey', { KeyId: KeyMetadata.KeyId })
    meta = (await call('DescribeKey', { KeyId: KeyMetadata.KeyId })).KeyMetadata
    expect(meta.AutomaticRotation).toBe('Suspended')
    const disabled = await sdkError(call('UpdateRotationPolicy', { KeyId: KeyMetadata.KeyId, EnableAutomaticRotation: 'false' }))
    expect(disabled.code).toBe('Rejected.Disabled')
    const symmetric = await sdkError(call('CreateKeyVersion', { KeyId: KeyMetadata.KeyId }))
    expect(symmetric.statusCode).toBe(400)
  })
})

describe('scheduled deletion', () => {
  it('purges a key after its window and not before; the alias is released and the id never comes back', async () => {
    const client = kmsClient()
    const { keyMetadata: meta } = await client.createKey(new Kms.CreateKeyRequest({}))
    const alias = `alias/doomed-${meta.keyId.slice(0, 8)}`
    await client.createAlias(new Kms.CreateAliasRequest({ aliasName: alias, keyId: meta.keyId }))
    await client.scheduleKeyDeletion(new Kms.ScheduleKeyDeletionRequest({ keyId: meta.keyId, pendingWindowInDays: 7 }))
    await cron(Date.now() + 6 * DAY)
    expect((await client.describeKey(new Kms.DescribeKeyRequest({ keyId: meta.keyId }))).keyMetadata.keyState).toBe('PendingDeletion')

    const { reports } = await cron(Date.now() + 7 * DAY + 120_000)
    expect(reports.find((r) => r.job === 'purge-deleted-keys')!.processed).toBeGreaterThanOrEqual(1)
    for (const call of [
      () => client.describeKey(new Kms.DescribeKeyRequest({ keyId: meta.keyId })),
      () => client.cancelKeyDeletion(new Kms.CancelKeyDeletionRequest({ keyId: meta.keyId })),
      () => client.encrypt(new Kms.EncryptRequest({ keyId: meta.keyId, plaintext: b64('x') })),
      () => client.listKeyVersions(new Kms.ListKeyVersionsRequest({ keyId: meta.keyId })),
    ]) {
      expect((await sdkError(call())).code).toBe('Forbidden.KeyNotFound')
    }
    expect((await sdkError(client.describeKey(new Kms.DescribeKeyRequest({ keyId: alias })))).code).toBe('Forbidden.AliasNotFound')
    const listed = await client.listKeys(new Kms.ListKeysRequest({ pageSize: 100 }))
    expect(listed.keys.key.some((k) => k.keyId === meta.keyId)).toBe(false)
    const { keyMetadata: other } = await client.createKey(new Kms.CreateKeyRequest({}))
    await client.createAlias(new Kms.CreateAliasRequest({ aliasName: alias, keyId: other.keyId }))
    // A second purge run over the same window finds nothing left to do.
    const again = await cron(Date.now() + 7 * DAY + 120_000)
    expect(again.reports.every((r) => r.failed === 0)).toBe(true)
  })
})

describe('npm run cron', () => {
  it('runs the jobs against the running stack through KMS_PORT / KMS_DATA_DIR, with --at', async () => {
    const stack = stackInfo()
    const { stdout } = await promisify(execFile)(
      'npm',
      ['run', '--silent', 'cron', '--', '--at', new Date(Date.now() + DAY).toISOString()],
      {
        cwd: ROOT,
        env: { ...process.env, KMS_PORT: new URL(stack.endpoint).port, KMS_DATA_DIR: stack.dataDir },
      },
    )
    expect(stdout).toMatch(/rotate-due-keys: processed \d+, skipped \d+, failed 0/)
    expect(stdout).toMatch(/purge-deleted-keys: processed \d+/)
  })

  it('fails clearly with a bad --at', async () => {
    const stack = stackInfo()
    const err = await promisify(execFile)('npm', ['run', '--silent', 'cron', '--', '--at', 'yesterday'], {
      cwd: ROOT,
      env: { ...process.env, KMS_PORT: new URL(stack.endpoint).port, KMS_DATA_DIR: stack.dataDir },
    }).then(
      () => undefined,
      (e: { stderr: string }) => e,
    )
    expect(err?.stderr).toMatch(/--at must be an ISO-8601 time/)
  })
})
