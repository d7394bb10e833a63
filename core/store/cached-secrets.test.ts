/**
 * The secret head cache serves warm reads, never outlives its bound, keeps user-keyed maps
 * prototype-less, and never lets an optimistic retry loop spin on a stale head.
 */
import { describe, expect, it } from 'vitest'
import { CALLER } from '../../test/fakes/memory-store'
import { memorySecretDeps } from '../../test/fakes/memory-secrets'
import { IsolateState } from '../domain/isolate-state'
import { createSecret } from '../domain/secrets/create-secret'
import { getSecretValue } from '../domain/secrets/get-secret-value'
import { putSecretValue } from '../domain/secrets/put-secret-value'
import { scheduleStore } from '../domain/secrets/rotation/schedule'
import type { SecretRepository } from '../domain/ports'
import { CachedSecretRepository, SECRET_HEAD_CACHE_MS } from './cached-secrets'

async function setup() {
  const base = await memorySecretDeps()
  const inner = base.secrets
  let reads = 0
  const hook = inner.hook
  inner.hook = async (op) => {
    if (op === 'getHead') reads++
    await hook(op)
  }
  const secrets = new CachedSecretRepository(inner, new IsolateState(base.clock).secretHeads)
  return { deps: { ...base, secrets }, inner, clock: base.clock, reads: () => reads }
}

const text = (v: { bytes: Uint8Array }) => new TextDecoder().decode(v.bytes)

describe('CachedSecretRepository', () => {
  it('serves repeated reads from the isolate within the bound, then reads again', async () => {
    const { deps, clock, reads } = await setup()
    await createSecret(deps, CALLER, { secretName: 's1', secretData: 'one', versionId: 'v1' })
    const before = reads()
    expect(text((await getSecretValue(deps, CALLER, { secretName: 's1' })).value)).toBe('one')
    await getSecretValue(deps, CALLER, { secretName: 's1' })
    expect(reads()).toBe(before)
    clock.ms += SECRET_HEAD_CACHE_MS
    await getSecretValue(deps, CALLER, { secretName: 's1' })
    expect(reads()).toBe(before + 1)
  })

  it('a write through this isolate is seen at once; one made elsewhere within the bound', async () => {
    const { deps, inner, clock } = await setup()
    await createSecret(deps, CALLER, { secretName: 's2', secretData: 'one', versionId: 'v1' })
    await putSecretValue(deps, CALLER, { secretName: 's2', secretData: 'two', versionId: 'v2' })
    expect(text((await getSecretValue(deps, CALLER, { secretName: 's2' })).value)).toBe('two')
    // Another isolate (the inner repository, bypassing this cache) writes v3.
    const other = { ...deps, secrets: inner }
    await putSecretValue(other, CALLER, { secretName: 's2', secretData: 'three', versionId: 'v3' })
    expect(text((await getSecretValue(deps, CALLER, { secretName: 's2' })).value)).toBe('two')
    clock.ms += SECRET_HEAD_CACHE_MS
    expect(text((await getSecretValue(deps, CALLER, { secretName: 's2' })).value)).toBe('three')
  })

  it('evicts a stale head on a lost condition, so a write made here converges', async () => {
    const { deps, inner } = await setup()
    await createSecret(deps, CALLER, { secretName: 's3', secretData: 'one', versionId: 'v1' })
    await getSecretValue(deps, CALLER, { secretName: 's3' })
    await putSecretValue({ ...deps, secrets: inner }, CALLER, { secretName: 's3', secretData: 'two', versionId: 'v2' })
    // This isolate's head is stale (rev behind): its write is refused once, re-reads, lands.
    await putSecretValue(deps, CALLER, { secretName: 's3', secretData: 'three', versionId: 'v3' })
    const head = (await inner.getHead(CALLER.accountId, CALLER.region, 's3'))!
    expect(Object.keys(head.stages).length).toBeGreaterThan(0)
    expect(text((await getSecretValue({ ...deps, secrets: inner }, CALLER, { secretName: 's3' })).value)).toBe('three')
    expect(text((await getSecretValue(deps, CALLER, { secretName: 's3' })).value)).toBe('three')
  })

  it('returns copies with prototype-less maps: callers cannot change the cached head', async () => {
    const { deps } = await setup()
    await createSecret(deps, CALLER, { secretName: 's4', secretData: 'one', versionId: 'v1' })
    const a = (await deps.secrets.getHead(CALLER.accountId, CALLER.region, 's4'))!
    const b = (await deps.secrets.getHead(CALLER.accountId, CALLER.region, 's4'))!
    expect(Object.getPrototypeOf(b.stages)).toBeNull()
    expect(Object.getPrototypeOf(b.tags)).toBeNull()
    a.stages['ACSCurrent'] = 'forged'
    a.versions.length = 0
    const c = (await deps.secrets.getHead(CALLER.accountId, CALLER.region, 's4'))!
    expect(c.stages['ACSCurrent']).toBe('v1')
    expect(c.versions).toHaveLength(1)
  })

  it('passes the rotation schedule through exactly when the repository has one (the rotation job looks for it)', async () => {
    const { inner } = await setup()
    const cache = new IsolateState({ now: () => 0 }).secretHeads
    expect(scheduleStore(new CachedSecretRepository(inner, cache))).toBeUndefined()
    const calls: string[] = []
    const withSchedule = Object.assign(Object.create(inner) as SecretRepository, {
      putRotationSchedule: async () => void calls.push('put'),
      deleteRotationSchedule: async () => void calls.push('delete'),
      listDueRotations: async () => (calls.push('list'), { items: [], more: false }),
    })
    const store = scheduleStore(new CachedSecretRepository(withSchedule, cache))!
    const ref = { accountId: CALLER.accountId, region: CALLER.region, secretName: 's' }
    await store.putRotationSchedule(ref, 'x')
    await store.deleteRotationSchedule(ref, 'x')
    expect(await store.listDueRotations('x', 1)).toEqual({ items: [], more: false })
    expect(calls).toEqual(['put', 'delete', 'list'])
  })
})
