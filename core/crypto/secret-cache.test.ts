import { describe, expect, it } from 'vitest'
import { SecretCache } from './secret-cache'

describe('SecretCache', () => {
  it('serves private copies within the bound and nothing after it', () => {
    const cache = new SecretCache(1000, 10)
    const secret = new Uint8Array([1, 2, 3])
    cache.set('a', secret, 0)
    secret.fill(9) // the caller's buffer is its own
    const copy = cache.get('a', 999)!
    expect([...copy]).toEqual([1, 2, 3])
    copy.fill(0) // and so is the copy
    expect([...cache.get('a', 999)!]).toEqual([1, 2, 3])
    expect(cache.get('a', 1000)).toBeUndefined()
    expect(cache.size).toBe(0)
  })

  it('zeroises what it drops: expired, pushed out, replaced, cleared', () => {
    const cache = new SecretCache(1000, 2)
    const stored: Uint8Array[] = []
    const spy = (id: string, now: number) => {
      cache.set(id, new Uint8Array([7, 7]), now)
      // reach the stored buffer through the private map, to see it wiped
      const inner = (cache as unknown as { entries: { entries: Map<string, { value: Uint8Array }> } }).entries
      stored.push(inner.entries.get(id)!.value)
    }
    spy('a', 0)
    spy('b', 1)
    spy('c', 2) // pushes out a
    expect([...stored[0]!]).toEqual([0, 0])
    spy('c', 3) // replaces c
    expect([...stored[2]!]).toEqual([0, 0])
    expect(cache.get('b', 5000)).toBeUndefined() // expired
    expect([...stored[1]!]).toEqual([0, 0])
    cache.clear()
    expect([...stored[3]!]).toEqual([0, 0])
    expect(cache.size).toBe(0)
  })

  it('never serves an entry from the future (clock stepped back)', () => {
    const cache = new SecretCache(1000, 2)
    cache.set('a', new Uint8Array([1]), 5000)
    expect(cache.get('a', 4000)).toBeUndefined()
  })
})
