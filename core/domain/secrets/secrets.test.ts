import { describe, expect, it } from 'vitest'
import { CALLER } from '../../../test/fakes/memory-store'
import { memorySecretDeps } from '../../../test/fakes/memory-secrets'
import { fromUtf8, toBase64, utf8 } from '../../crypto/bytes'
import { KmsError } from '../../errors'
import { createKey } from '../keys/create-key'
import { disableKey } from '../keys/key-lifecycle'
import { encrypt } from '../keys/symmetric-crypto'
import { createSecret } from './create-secret'
import { deleteSecret } from './delete-secret'
import { batchGetSecretValue, getSecretValue } from './get-secret-value'
import { listSecretVersionIds } from './list-secret-version-ids'
import { listSecrets } from './list-secrets'
import { ORPHAN_GRACE_MS } from './model'
import { runSecretsJob } from './purge-job'
import { sweepSecret } from './purge'
import { putSecretValue } from './put-secret-value'
import { restoreSecret } from './restore-secret'
import { DEFAULT_KEY_ALIAS, defaultKeyId, serviceKeyId } from './service-keys'
import { tagSecret } from './secret-tags'
import { updateSecretVersionStage } from './update-secret-version-stage'

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    if (err instanceof KmsError) return err.code
    throw err
  }
  return 'ok'
}

type Deps = ReturnType<typeof memorySecretDeps>
type Extra = Partial<Parameters<typeof createSecret>[2]>

function create(deps: Deps, secretName: string, secretData: string, extra: Extra = {}) {
  return createSecret(deps, CALLER, { secretName, versionId: 'v1', secretData, ...extra })
}

function put(deps: Deps, secretName: string, versionId: string, secretData: string, extra = {}) {
  return putSecretValue(deps, CALLER, { secretName, versionId, secretData, ...extra })
}

async function read(deps: Deps, name: string, opts: { versionId?: string; versionStage?: string } = {}) {
  const out = await getSecretValue(deps, CALLER, { secretName: name, ...opts })
  return { ...out, text: out.value.type === 'text' ? fromUtf8(out.value.bytes) : toBase64(out.value.bytes) }
}

describe('create and read', () => {
  it('stores MyDbCreds under the secrets service key and reads it back', async () => {
    const deps = memorySecretDeps()
    const value = JSON.stringify({ username: 'app', password: 's3cr3t!' })
    const secret = await create(deps, 'MyDbCreds', value)
    expect(secret.encryptionKeyId).toBe(serviceKeyId(CALLER.accountId, CALLER.region))
    const key = await deps.keys.get(secret.encryptionKeyId)
    expect(key?.creatorType).toBe('Service')
    const defaultKey = await deps.keys.get(defaultKeyId(CALLER.accountId, CALLER.region))
    expect(defaultKey?.creatorType).toBe('Default')
    expect((await deps.aliases.get(CALLER.accountId, CALLER.region, DEFAULT_KEY_ALIAS))?.keyId).toBe(defaultKey?.keyId)
    const got = await read(deps, 'MyDbCreds')
    expect(got.text).toBe(value)
    expect(got.stages).toEqual(['ACSCurrent'])
    // Nothing in the store holds the value in clear.
    const item = deps.secrets.versions.get(`${CALLER.accountId}#${CALLER.region}#MyDbCreds`)!.get('v1')!
    expect(JSON.stringify(item)).not.toContain('s3cr3t')
    // The service key serves the secrets service only.
    expect(await code(encrypt(deps, CALLER, { keyId: secret.encryptionKeyId, plaintext: utf8('x'), context: {} }))).toBe(
      'key.serviceManaged',
    )
  })

  it('stores binary values from strict base64 and reads them back as base64', async () => {
    const deps = memorySecretDeps()
    await create(deps, 'bin', 'AAECA/8=', { secretDataType: 'binary' })
    const got = await read(deps, 'bin')
    expect(got.value.type).toBe('binary')
    expect(got.text).toBe('AAECA/8=')
    expect(await code(create(deps, 'bin2', 'AAECA/8', { secretDataType: 'binary' }))).toBe('validation.invalidParameter')
  })

  it('checks names, version ids, sizes and types before writing anything', async () => {
    const deps = memorySecretDeps()
    const bad: Array<[Partial<Parameters<typeof createSecret>[2]>, string]> = [
      [{ secretName: 'a#b' }, 'validation.invalidParameter'],
      [{ secretName: 'acs/reserved' }, 'validation.invalidParameter'],
      [{ secretName: 'x'.repeat(193) }, 'validation.invalidParameter'],
      [{ secretName: 'a\u0000b' }, 'validation.invalidParameter'],
      [{ secretName: 'SECRET#x#VERSION#1' }, 'validation.invalidParameter'],
      [{ versionId: 'v#1' }, 'validation.invalidParameter'],
      [{ versionId: 'v'.repeat(65) }, 'validation.invalidParameter'],
      [{ secretData: 'x'.repeat(30_721) }, 'validation.invalidParameter'],
      [{ secretData: 'é'.repeat(15_361) }, 'validation.invalidParameter'],
      [{ secretData: '' }, 'validation.missingParameter'],
      [{ secretDataType: 'json' }, 'validation.invalidParameter'],
      [{ secretType: 'Rds' }, 'validation.invalidParameter'],
      [{ encryptionKeyId: '5f0c1e0b-0000-4000-8000-000000000000' }, 'key.notFound'],
      [{ encryptionKeyId: `acs:kms:${CALLER.region}:999:key/5f0c1e0b-0000-4000-8000-000000000000` }, 'auth.forbidden'],
      [{ policy: '{}' }, 'validation.invalidParameter'],
    ]
    for (const [override, expected] of bad) {
      const input = { secretName: 'ok', versionId: 'v1', secretData: 'x', ...override }
      expect(await code(createSecret(deps, CALLER, input)), JSON.stringify(override).slice(0, 60)).toBe(expected)
    }
    expect(deps.secrets.heads.size).toBe(0)
    expect([...deps.secrets.versions.values()].every((p) => p.size === 0)).toBe(true)
    await createSecret(deps, CALLER, { secretName: 'ok', versionId: 'v1', secretData: 'x'.repeat(30_720) })
    expect(await code(create(deps, 'ok', 'x'))).toBe('secret.alreadyExists')
  })

  it('refuses a service key, accepts the default key by alias and a user key by ARN', async () => {
    const deps = memorySecretDeps()
    await create(deps, 's1', 'x')
    const svc = serviceKeyId(CALLER.accountId, CALLER.region)
    expect(await code(create(deps, 's2', 'x', { encryptionKeyId: svc }))).toBe('key.serviceManaged')
    const viaDefault = await create(deps, 's3', 'x', { encryptionKeyId: DEFAULT_KEY_ALIAS })
    expect(viaDefault.encryptionKeyId).toBe(defaultKeyId(CALLER.accountId, CALLER.region))
    const key = await createKey(deps, CALLER, {})
    const arn = `acs:kms:${CALLER.region}:${CALLER.accountId}:key/${key.keyId}`
    const viaUser = await create(deps, 's4', 'x', { encryptionKeyId: arn })
    expect(viaUser.encryptionKeyId).toBe(key.keyId)
    expect((await read(deps, `acs:kms:${CALLER.region}:${CALLER.accountId}:secret/s4`)).text).toBe('x')
    const byArn = await create(deps, `acs:kms:${CALLER.region}:${CALLER.accountId}:secret/s5`, 'y')
    expect(byArn.secretName).toBe('s5')
  })
})

describe('versions and labels', () => {
  it('moves ACSCurrent and ACSPrevious on PutSecretValue and is idempotent per VersionId', async () => {
    const deps = memorySecretDeps()
    await create(deps, 's', 'one')
    const second = await put(deps, 's', 'v2', 'two')
    expect(second.stages).toEqual(['ACSCurrent'])
    expect((await read(deps, 's')).text).toBe('two')
    expect((await read(deps, 's', { versionStage: 'ACSPrevious' })).text).toBe('one')
    const again = await put(deps, 's', 'v2', 'two')
    expect(again.stages).toEqual(['ACSCurrent'])
    expect(await code(put(deps, 's', 'v2', 'other'))).toBe('secret.versionConflict')
    expect(await code(put(deps, 's', 'v2', 'dHdv', { secretDataType: 'binary' }))).toBe('secret.versionConflict')
    expect((await listSecretVersionIds(deps, CALLER, 's', true)).versions.map((v) => v.versionId)).toEqual(['v2', 'v1'])
  })

  it('keeps 10 of 12 versions and forgets the evicted ones', async () => {
    const deps = memorySecretDeps()
    await create(deps, 's', 'x1')
    for (let i = 2; i <= 12; i++) await put(deps, 's', `v${i}`, `x${i}`)
    const all = (await listSecretVersionIds(deps, CALLER, 's', true)).versions
    expect(all.map((v) => v.versionId)).toEqual(['v12', 'v11', 'v10', 'v9', 'v8', 'v7', 'v6', 'v5', 'v4', 'v3'])
    expect((await listSecretVersionIds(deps, CALLER, 's', false)).versions.map((v) => v.versionId)).toEqual(['v12', 'v11'])
    expect(await code(read(deps, 's', { versionId: 'v1' }))).toBe('secret.versionNotFound')
    expect((await read(deps, 's', { versionId: 'v3' })).text).toBe('x3')
  })

  it('refuses a ninth label and labels on versions that do not exist, writing nothing', async () => {
    const deps = memorySecretDeps()
    await create(deps, 's', 'x')
    for (let i = 0; i < 7; i++) await updateSecretVersionStage(deps, CALLER, 's', { stage: `l${i}`, moveToVersion: 'v1' })
    const before = structuredClone(deps.secrets.heads)
    expect(await code(updateSecretVersionStage(deps, CALLER, 's', { stage: 'ninth', moveToVersion: 'v1' }))).toBe('limit.exceeded')
    expect(await code(updateSecretVersionStage(deps, CALLER, 's', { stage: 'l0', moveToVersion: 'v9' }))).toBe('secret.versionNotFound')
    expect(await code(put(deps, 's', 'v2', 'y', { versionStages: ['ninth'] }))).toBe('limit.exceeded')
    expect(await code(updateSecretVersionStage(deps, CALLER, 's', { stage: 'ACSPending', moveToVersion: 'v1' }))).toBe(
      'validation.invalidParameter',
    )
    expect(deps.secrets.heads).toEqual(before)
    expect(deps.secrets.orphans(CALLER.accountId, CALLER.region, 's')).toEqual([])
  })

  it('treats prototype-like labels as plain labels', async () => {
    const deps = memorySecretDeps()
    await create(deps, 's', 'one')
    await put(deps, 's', 'v2', 'two')
    expect(await code(read(deps, 's', { versionStage: 'constructor' }))).toBe('secret.versionNotFound')
    expect(await code(read(deps, 's', { versionStage: 'toString' }))).toBe('secret.versionNotFound')
    await updateSecretVersionStage(deps, CALLER, 's', { stage: '__proto__', moveToVersion: 'v1' })
    await updateSecretVersionStage(deps, CALLER, 's', { stage: 'constructor', moveToVersion: 'v1' })
    expect((await read(deps, 's', { versionStage: '__proto__' })).text).toBe('one')
    expect((await read(deps, 's', { versionStage: 'constructor' })).text).toBe('one')
    await tagSecret(deps, CALLER, 's', [
      { TagKey: '__proto__', TagValue: 'x' },
      { TagKey: 'constructor', TagValue: 'y' },
    ])
    const head = (await deps.secrets.getHead(CALLER.accountId, CALLER.region, 's'))!
    expect(Object.keys(head.tags).sort()).toEqual(['__proto__', 'constructor'])
    expect(Object.keys(head.stages).sort()).toEqual(['ACSCurrent', 'ACSPrevious', '__proto__', 'constructor'])
  })

  it('serialises concurrent writers: one ACSCurrent, ACSPrevious on the former current, nothing lost', async () => {
    const deps = memorySecretDeps()
    await createSecret(deps, CALLER, { secretName: 's', versionId: 'v0', secretData: 'x' })
    // Yield between every store call so that writers interleave.
    deps.secrets.hook = () => new Promise((r) => setTimeout(r, Math.random() * 2))
    const ids = Array.from({ length: 25 }, (_, i) => `w${i}`)
    const results = await Promise.allSettled(ids.map((id) => put(deps, 's', id, id)))
    deps.secrets.hook = async () => {}
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true)
    const head = (await deps.secrets.getHead(CALLER.accountId, CALLER.region, 's'))!
    expect(head.versions).toHaveLength(10)
    const current = head.stages.ACSCurrent!
    expect(head.versions.at(-1)!.versionId).toBe(current)
    expect(head.stages.ACSPrevious).toBe(head.versions.at(-2)!.versionId)
    expect((await read(deps, 's')).text).toBe(current)
    // Every acknowledged version is either kept or was evicted (left unreferenced for the sweep).
    const orphans = deps.secrets.orphans(CALLER.accountId, CALLER.region, 's')
    for (const id of ['v0', ...ids]) {
      expect(head.versions.some((v) => v.versionId === id) || orphans.includes(id)).toBe(true)
    }
    expect(orphans).toHaveLength(16)
  })

  it('gives concurrent retries of one VersionId one version, and rejects other data', async () => {
    const deps = memorySecretDeps()
    await createSecret(deps, CALLER, { secretName: 's', versionId: 'v0', secretData: 'x' })
    deps.secrets.hook = () => new Promise((r) => setTimeout(r, Math.random() * 2))
    const same = await Promise.allSettled(Array.from({ length: 10 }, () => put(deps, 's', 'v1', 'same')))
    deps.secrets.hook = async () => {}
    expect(same.every((r) => r.status === 'fulfilled')).toBe(true)
    const head = (await deps.secrets.getHead(CALLER.accountId, CALLER.region, 's'))!
    expect(head.versions.map((v) => v.versionId)).toEqual(['v0', 'v1'])
    expect(await code(put(deps, 's', 'v1', 'different'))).toBe('secret.versionConflict')
  })
})

describe('encryption binding and key state', () => {
  it('refuses to open a version item copied to another secret or version', async () => {
    const deps = memorySecretDeps()
    await create(deps, 'a', 'alpha')
    await create(deps, 'b', 'beta')
    await put(deps, 'b', 'v2', 'beta2')
    const pa = deps.secrets.versions.get(`${CALLER.accountId}#${CALLER.region}#a`)!
    const pb = deps.secrets.versions.get(`${CALLER.accountId}#${CALLER.region}#b`)!
    // Copied as is (attributes still name secret a), then relabelled to b.
    pb.set('v1', { ...pa.get('v1')! })
    expect(await code(read(deps, 'b', { versionId: 'v1' }))).toBe('internal')
    pb.set('v1', { ...pa.get('v1')!, secretName: 'b' })
    expect(await code(read(deps, 'b', { versionId: 'v1' }))).toBe('internal')
    // Moved to another version of the same secret.
    pb.set('v1', { ...pb.get('v2')!, versionId: 'v1' })
    expect(await code(read(deps, 'b', { versionId: 'v1' }))).toBe('internal')
    // Text relabelled as binary.
    pb.set('v2', { ...pb.get('v2')!, secretDataType: 'binary' })
    expect(await code(read(deps, 'b', { versionId: 'v2' }))).toBe('internal')
  })

  it('fails reads and writes with the CMK error while the key is disabled', async () => {
    const deps = memorySecretDeps()
    const key = await createKey(deps, CALLER, {})
    await create(deps, 's', 'x', { encryptionKeyId: key.keyId })
    await disableKey(deps, CALLER, key.keyId)
    expect(await code(read(deps, 's'))).toBe('key.disabled')
    expect(await code(put(deps, 's', 'v2', 'y'))).toBe('key.disabled')
    expect(await code(create(deps, 't', 'x', { encryptionKeyId: key.keyId }))).toBe('key.disabled')
    const batch = await batchGetSecretValue(deps, CALLER, [{ secretName: 's' }, { secretName: 'missing' }])
    expect(batch.map((r) => ('error' in r ? r.error.code : 'ok'))).toEqual(['key.disabled', 'secret.notFound'])
  })
})

describe('deletion, restore and the scheduled job', () => {
  it('hides pending secrets from reads, restores them, and purges only after the window', async () => {
    const deps = memorySecretDeps()
    await create(deps, 's', 'x')
    expect(await code(restoreSecret(deps, CALLER, 's'))).toBe('secret.invalidState')
    expect(await code(deleteSecret(deps, CALLER, 's', { recoveryWindowInDays: 6 }))).toBe('validation.invalidParameter')
    expect(await code(deleteSecret(deps, CALLER, 's', { recoveryWindowInDays: 31 }))).toBe('validation.invalidParameter')
    const pending = await deleteSecret(deps, CALLER, 's', { recoveryWindowInDays: 7 })
    expect(pending.plannedDeleteTime).toBe('2026-11-30T12:00:00Z')
    expect(await code(read(deps, 's'))).toBe('secret.invalidState')
    expect(await code(put(deps, 's', 'v2', 'y'))).toBe('secret.invalidState')
    expect((await listSecrets(deps, CALLER, [])).map((s) => s.state)).toEqual(['PendingDeletion'])
    await restoreSecret(deps, CALLER, 's')
    expect((await read(deps, 's')).text).toBe('x')

    await deleteSecret(deps, CALLER, 's', { recoveryWindowInDays: 7 })
    const before = await runSecretsJob(deps, Date.parse('2026-11-30T11:59:59Z'), 100)
    expect(before.processed).toBe(0)
    expect(deps.secrets.heads.size).toBe(1)
    const [a, b] = await Promise.all([
      runSecretsJob(deps, Date.parse('2026-11-30T12:00:00Z'), 100),
      runSecretsJob(deps, Date.parse('2026-11-30T12:00:00Z'), 100),
    ])
    expect(a.failed + b.failed).toBe(0)
    expect(deps.secrets.heads.size).toBe(0)
    expect([...deps.secrets.versions.values()].every((p) => p.size === 0)).toBe(true)
    expect(await code(restoreSecret(deps, CALLER, 's'))).toBe('secret.notFound')
  })

  it('force-deletes at once and lets the name be reused', async () => {
    const deps = memorySecretDeps()
    await create(deps, 's', 'x')
    await deleteSecret(deps, CALLER, 's', { forceDeleteWithoutRecovery: true })
    expect(await code(read(deps, 's'))).toBe('secret.notFound')
    expect(deps.secrets.heads.size).toBe(0)
    await create(deps, 's', 'new')
    expect((await read(deps, 's')).text).toBe('new')
  })

  it('sweeps evicted version items once they are older than the grace period', async () => {
    const deps = memorySecretDeps()
    await create(deps, 's', 'x')
    for (let i = 2; i <= 12; i++) await put(deps, 's', `v${i}`, 'x')
    expect(deps.secrets.orphans(CALLER.accountId, CALLER.region, 's')).toEqual(['v1', 'v2'])
    expect((await runSecretsJob(deps, deps.clock.now(), 100)).processed).toBe(0)
    const later = deps.clock.now() + ORPHAN_GRACE_MS + 1000
    expect((await runSecretsJob(deps, later, 100)).processed).toBe(1)
    expect(deps.secrets.orphans(CALLER.accountId, CALLER.region, 's')).toEqual([])
    expect((await deps.secrets.getHead(CALLER.accountId, CALLER.region, 's'))!.sweepAt).toBeUndefined()
    expect((await read(deps, 's')).text).toBe('x')
  })

  it('keeps a committed version readable when a sweep that read the head before the commit deletes its item', async () => {
    // The race the torture fuzz found under the local cron's time travel: PutSecretValue writes
    // its item, a sweep dated past the grace period reads the head (item unreferenced), the head
    // commit lands, then the sweep deletes the item. The writer's confirm write puts it back.
    const deps = memorySecretDeps()
    await create(deps, 's', 'x')
    const inner = deps.secrets.replaceHead.bind(deps.secrets)
    let raced = false
    deps.secrets.replaceHead = async (next, expectedRev) => {
      const stale = raced ? undefined : await deps.secrets.getHead(next.accountId, next.region, next.secretName)
      await inner(next, expectedRev)
      if (stale && next.versions.some((v) => v.versionId === 'v2')) {
        raced = true
        const farAhead = deps.clock.now() + 8 * 86_400_000
        expect(await sweepSecret(deps, stale, farAhead)).toBe('skipped')
      }
    }
    await put(deps, 's', 'v2', 'second')
    expect(raced).toBe(true)
    expect((await read(deps, 's', { versionId: 'v2' })).text).toBe('second')
    expect((await read(deps, 's')).text).toBe('second')
  })

  it('slices due work by the budget', async () => {
    const deps = memorySecretDeps()
    for (let i = 0; i < 5; i++) {
      await create(deps, `s${i}`, 'x')
      await deleteSecret(deps, CALLER, `s${i}`, { recoveryWindowInDays: 7 })
    }
    const due = deps.clock.now() + 8 * 86_400_000
    const first = await runSecretsJob(deps, due, 2)
    expect(first).toMatchObject({ processed: 2, more: true })
    expect((await runSecretsJob(deps, due, 10)).processed).toBe(3)
    expect(deps.secrets.heads.size).toBe(0)
  })

  it('keeps tags on the head', async () => {
    const deps = memorySecretDeps()
    await createSecret(deps, CALLER, { secretName: 's', versionId: 'v1', secretData: 'x', tags: [{ TagKey: 'env', TagValue: 'dev' }] })
    await tagSecret(deps, CALLER, 's', [{ TagKey: 'team', TagValue: 'a' }])
    expect((await listSecrets(deps, CALLER, [{ Key: 'TagKey', Values: ['team'] }])).map((s) => s.secretName)).toEqual(['s'])
    expect(await listSecrets(deps, CALLER, [{ Key: 'TagValue', Values: ['nope'] }])).toEqual([])
  })
})
