/**
 * The isolate state's mechanism on a fake clock: expiry, the capacity bound, copies and
 * zeroisation of secret bytes, the one reset, and how core functions reach the state.
 */
import { describe, expect, it } from 'vitest'
import { CALLER, FixedClock, memoryKeyDeps } from '../../test/fakes/memory-store'
import { memorySecretDeps } from '../../test/fakes/memory-secrets'
import { fromBase64, fromUtf8, utf8 } from '../crypto/bytes'
import { TIMESTAMP_WINDOW_MS } from './authenticate'
import { ISOLATE_CACHE_BOUNDS, IsolateCache, IsolateState, isolateStateOf } from './isolate-state'
import { createKey } from './keys/create-key'
import { MATERIAL_CACHE_MS } from './keys/material'
import { decrypt, encrypt } from './keys/symmetric-crypto'
import { createSecret } from './secrets/create-secret'
import { getSecretValue } from './secrets/get-secret-value'

describe('IsolateCache', () => {
  it('serves an entry for ttlMs on the injected clock, then never', () => {
    const clock = new FixedClock()
    const cache = new IsolateCache<string>({ ttlMs: 1_000, maxEntries: 10 }, clock)
    cache.set('a', 'A')
    clock.ms += 999
    expect(cache.get('a')).toBe('A')
    clock.ms += 1
    expect(cache.get('a')).toBeUndefined()
    expect(cache.size).toBe(0)
  })

  it('dates an entry from before its read when told so', () => {
    const clock = new FixedClock()
    const cache = new IsolateCache<string>({ ttlMs: 1_000, maxEntries: 10 }, clock)
    const readAt = cache.now()
    clock.ms += 600 // a slow read
    cache.set('a', 'A', readAt)
    clock.ms += 400
    expect(cache.get('a')).toBeUndefined()
  })

  it('drops an entry it cannot date (the clock stepped back)', () => {
    const clock = new FixedClock()
    const cache = new IsolateCache<string>({ ttlMs: 1_000, maxEntries: 10 }, clock)
    cache.set('a', 'A')
    clock.ms -= 1
    expect(cache.get('a')).toBeUndefined()
  })

  it('keeps at most maxEntries, pushing out the oldest, and every value leaves through onDrop', () => {
    const clock = new FixedClock()
    const dropped: string[] = []
    const cache = new IsolateCache<string>({ ttlMs: 10_000, maxEntries: 2 }, clock, { onDrop: (v) => dropped.push(v) })
    cache.set('a', 'A')
    clock.ms += 1
    cache.set('b', 'B')
    clock.ms += 1
    cache.set('c', 'C')
    expect(cache.size).toBe(2)
    expect(cache.get('a')).toBeUndefined()
    expect([cache.get('b'), cache.get('c')]).toEqual(['B', 'C'])
    cache.set('b', 'B2')
    cache.deleteWhere((id) => id === 'c')
    expect(dropped).toEqual(['A', 'B', 'C'])
    cache.clear()
    expect(dropped).toEqual(['A', 'B', 'C', 'B2'])
    expect(cache.size).toBe(0)
  })

  it('copies what it stores and serves when told to', () => {
    const cache = new IsolateCache<{ n: number }>({ ttlMs: 1_000, maxEntries: 10 }, new FixedClock(), { copy: (v) => ({ ...v }) })
    const v = { n: 1 }
    cache.set('a', v)
    v.n = 2
    cache.get('a')!.n = 3
    expect(cache.get('a')).toEqual({ n: 1 })
  })

  it('reads through: loads a miss once, dated before the load, serves copies; never remembers an absent value', async () => {
    const clock = new FixedClock()
    const cache = new IsolateCache<{ n: number }>({ ttlMs: 1_000, maxEntries: 10 }, clock, { copy: (v) => ({ ...v }) })
    let loads = 0
    const stored = { n: 1 }
    const load = async () => {
      loads++
      clock.ms += 600 // a slow read
      return stored
    }
    const first = (await cache.readThrough('a', load))!
    first.n = 2
    expect(stored.n).toBe(1) // the loaded value was served as a copy
    expect(await cache.readThrough('a', load)).toEqual({ n: 1 })
    expect(loads).toBe(1)
    clock.ms += 400 // 1,000 ms after the first load began
    await cache.readThrough('a', load)
    expect(loads).toBe(2)
    cache.set('b', { n: 5 })
    clock.ms += 1_000
    expect(await cache.readThrough('b', async () => undefined)).toBeUndefined()
    expect(cache.get('b')).toBeUndefined()
  })

  it('evicts an entry when its write fails, and rethrows', async () => {
    const cache = new IsolateCache<string>({ ttlMs: 1_000, maxEntries: 10 }, new FixedClock())
    cache.set('a', 'A')
    await cache.evictOnFailure('a', async () => {})
    expect(cache.get('a')).toBe('A')
    const lost = new Error('condition failed')
    await expect(
      cache.evictOnFailure('a', async () => {
        throw lost
      }),
    ).rejects.toBe(lost)
    expect(cache.get('a')).toBeUndefined()
  })
})

describe('IsolateState', () => {
  it('holds secret bytes as private copies and zeroises them when they leave', () => {
    const clock = new FixedClock()
    const state = new IsolateState(clock)
    const secret = utf8('secret-bytes')
    state.keyMaterial.set('k', secret)
    secret.fill(0)
    const served = state.keyMaterial.get('k')!
    served.fill(0)
    expect(fromUtf8(state.keyMaterial.get('k')!)).toBe('secret-bytes')
    // The cache's own copy, read behind its back: zero once reset.
    const inner = (state.keyMaterial as unknown as { entries: { entries: Map<string, { value: Uint8Array }> } }).entries.entries
    const own = inner.get('k')!.value
    state.reset()
    expect([...own].every((b) => b === 0)).toBe(true)
    expect(state.keyMaterial.get('k')).toBeUndefined()
  })

  it('reset() forgets every cache and the replay ids', () => {
    const clock = new FixedClock()
    const state = new IsolateState(clock)
    state.keys.set('k', { keyId: 'k' } as never)
    state.accessKeys.set('a', { accessKeyId: 'a' } as never)
    state.accessKeySecrets.set('a', utf8('x'))
    state.keyMaterial.set('m', utf8('x'))
    state.secretVersions.set('v', { versionId: 'v' } as never)
    state.secretKeys.set('s', { keyId: 'k', accountId: '1', region: 'r' })
    state.access.identities.set('i', { principal: { accountId: '1', arn: 'a', isRoot: false }, policies: [] })
    state.access.documents.set('d', { text: '', doc: { kind: 'identity', statements: [] } as never })
    expect(state.rememberReplayId('r')).toBe(true)
    expect(state.rememberReplayId('r')).toBe(false)
    state.reset()
    for (const c of [
      state.keys,
      state.accessKeys,
      state.accessKeySecrets,
      state.keyMaterial,
      state.secretVersions,
      state.secretKeys,
      state.access.identities,
      state.access.documents,
    ]) {
      expect(c.size).toBe(0)
    }
    expect(state.rememberReplayId('r')).toBe(true)
  })

  it('remembers replay ids for the timestamp window plus a minute', () => {
    expect(ISOLATE_CACHE_BOUNDS.replayIds.ttlMs).toBe(TIMESTAMP_WINDOW_MS + 60_000)
    const clock = new FixedClock()
    const state = new IsolateState(clock)
    state.rememberReplayId('r')
    clock.ms += TIMESTAMP_WINDOW_MS + 59_999
    expect(state.rememberReplayId('r')).toBe(false)
    clock.ms += 1
    expect(state.rememberReplayId('r')).toBe(true)
  })

  it('is found through deps.isolate, else through the clock it was created on', () => {
    const clock = new FixedClock()
    expect(isolateStateOf({ clock })).toBeUndefined()
    const state = new IsolateState(clock)
    expect(isolateStateOf({ clock })).toBe(state)
    const other = new IsolateState(new FixedClock())
    expect(isolateStateOf({ clock, isolate: other })).toBe(other)
    expect(isolateStateOf({})).toBeUndefined()
  })
})

describe('the core functions use the state of their deps', () => {
  it('key material: cached on the injected clock, not the wall clock', async () => {
    const clock = new FixedClock(Date.parse('2020-01-01T00:00:00Z'))
    const deps = memoryKeyDeps(clock)
    const state = new IsolateState(clock)
    const key = await createKey(deps, CALLER, {})
    const out = await encrypt(deps, CALLER, { keyId: key.keyId, plaintext: utf8('hello'), context: {} })
    const blob = fromBase64(out.ciphertextBlob)!
    expect(state.keyMaterial.size).toBe(1)
    const version = (await deps.keys.get(key.keyId))!.versions[0]!
    const id = `${key.keyId}:${version.versionId}:${version.wrappedMaterial}`
    clock.ms += MATERIAL_CACHE_MS - 1
    expect(state.keyMaterial.get(id)).toBeDefined()
    expect(fromUtf8((await decrypt(deps, CALLER, { ciphertextBlob: blob, context: {} })).plaintext)).toBe('hello')
    clock.ms += 1
    expect(state.keyMaterial.get(id)).toBeUndefined()
    expect(fromUtf8((await decrypt(deps, CALLER, { ciphertextBlob: blob, context: {} })).plaintext)).toBe('hello')
    expect(state.keyMaterial.size).toBe(1)
    state.reset()
    expect(state.keyMaterial.size).toBe(0)
  })

  it('secret versions: a warm GetSecretValue reads only the head', async () => {
    const deps = memorySecretDeps()
    const state = new IsolateState(deps.clock)
    await createSecret(deps, CALLER, { secretName: 's', versionId: 'v1', secretData: 'value' })
    let versionReads = 0
    const getVersion = deps.secrets.getVersion.bind(deps.secrets)
    deps.secrets.getVersion = (...args) => {
      versionReads++
      return getVersion(...args)
    }
    await getSecretValue(deps, CALLER, { secretName: 's' })
    await getSecretValue(deps, CALLER, { secretName: 's' })
    expect(versionReads).toBe(1)
    expect(state.secretVersions.size).toBe(1)
    state.reset()
    await getSecretValue(deps, CALLER, { secretName: 's' })
    expect(versionReads).toBe(2)
  })
})
