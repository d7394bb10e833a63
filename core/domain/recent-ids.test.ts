import { describe, expect, it } from 'vitest'
import { RecentIds } from './recent-ids'

describe('RecentIds', () => {
  it('refuses an id seen within the bound, accepts it after', () => {
    const ids = new RecentIds(1000, 10)
    expect(ids.add('a', 0)).toBe(true)
    expect(ids.add('a', 999)).toBe(false)
    expect(ids.add('b', 999)).toBe(true)
    expect(ids.add('a', 1000)).toBe(true)
  })

  it('stays within its size, forgetting the oldest first', () => {
    const ids = new RecentIds(60_000, 3)
    for (const id of ['a', 'b', 'c', 'd']) expect(ids.add(id, 1)).toBe(true)
    expect(ids.size).toBe(3)
    expect(ids.add('a', 2)).toBe(true) // forgotten: the table would still refuse it
    expect(ids.add('d', 2)).toBe(false)
  })

  it('drops expired ids as it goes', () => {
    const ids = new RecentIds(10, 100)
    for (let i = 0; i < 50; i++) ids.add(`x${i}`, 0)
    ids.add('y', 20)
    expect(ids.size).toBe(1)
  })
})
