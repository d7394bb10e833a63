/**
 * The key cache serves warm reads, never outlives its bound, and never lets the optimistic
 * retry loop spin on a stale item.
 */
import { describe, expect, it } from 'vitest'
import { CALLER, FixedClock, MemoryKeys, memoryKeyDeps } from '../../test/fakes/memory-store'
import { createKey } from '../domain/keys/create-key'
import { disableKey } from '../domain/keys/key-lifecycle'
import { IsolateState } from '../domain/isolate-state'
import { CachedKeyRepository, KEY_CACHE_MS } from './cached-keys'

function setup() {
  const clock = new FixedClock()
  const base = memoryKeyDeps(clock)
  const inner = base.keys
  let reads = 0
  const counting = Object.assign(Object.create(Object.getPrototypeOf(inner)) as MemoryKeys, inner, {
    get: async (id: string) => {
      reads++
      return inner.get(id)
    },
  })
  const cached = new CachedKeyRepository(counting, new IsolateState(clock).keys)
  return { deps: { ...base, keys: cached }, inner, clock, reads: () => reads }
}

describe('CachedKeyRepository', () => {
  it('serves repeated reads from the isolate within the bound, then reads again', async () => {
    const { deps, clock, reads } = setup()
    const key = await createKey(deps, CALLER, {})
    await deps.keys.get(key.keyId)
    await deps.keys.get(key.keyId)
    expect(reads()).toBe(0)
    clock.ms += KEY_CACHE_MS
    await deps.keys.get(key.keyId)
    expect(reads()).toBe(1)
  })

  it('sees a change made elsewhere no later than the bound', async () => {
    const { deps, inner, clock } = setup()
    const key = await createKey(deps, CALLER, {})
    const stored = inner.items.get(key.keyId)!
    inner.items.set(key.keyId, { ...stored, keyState: 'Disabled', rev: stored.rev + 1 })
    expect((await deps.keys.get(key.keyId))!.keyState).toBe('Enabled')
    clock.ms += KEY_CACHE_MS
    expect((await deps.keys.get(key.keyId))!.keyState).toBe('Disabled')
  })

  it('evicts a stale entry on a lost condition so mutations converge', async () => {
    const { deps, inner } = setup()
    const key = await createKey(deps, CALLER, {})
    const stored = inner.items.get(key.keyId)!
    inner.items.set(key.keyId, { ...stored, description: 'changed elsewhere', rev: stored.rev + 1 })
    const disabled = await disableKey(deps, CALLER, key.keyId)
    expect(disabled.keyState).toBe('Disabled')
    expect(inner.items.get(key.keyId)!.description).toBe('changed elsewhere')
  })

  it('returns copies: callers cannot change the cached item', async () => {
    const { deps } = setup()
    const key = await createKey(deps, CALLER, {})
    const a = (await deps.keys.get(key.keyId))!
    a.keyState = 'Disabled'
    expect((await deps.keys.get(key.keyId))!.keyState).toBe('Enabled')
  })
})
