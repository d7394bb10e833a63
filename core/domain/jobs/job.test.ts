import { describe, expect, it, vi } from 'vitest'
import { forEachIsolated } from './job'

describe('forEachIsolated', () => {
  it('works on every item once, at most `concurrency` at a time, and counts outcomes', async () => {
    let inFlight = 0
    let peak = 0
    const seen: number[] = []
    const items = Array.from({ length: 25 }, (_, i) => i)
    const report = await forEachIsolated(
      'test',
      items,
      async (i) => {
        inFlight++
        peak = Math.max(peak, inFlight)
        await new Promise((r) => setTimeout(r, (i * 7) % 5))
        inFlight--
        seen.push(i)
        return i % 3 === 0 ? 'skipped' : 'processed'
      },
      true,
      4,
    )
    expect(peak).toBe(4)
    expect([...seen].sort((a, b) => a - b)).toEqual(items)
    expect(report).toEqual({ job: 'test', processed: 16, skipped: 9, failed: 0, more: true })
  })

  it('isolates failures: the others still run, the failure is counted and logged without values', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {})
    const report = await forEachIsolated(
      'test',
      ['a', 'secret-value', 'c'],
      async (x) => {
        if (x === 'secret-value') throw new Error(x)
        return 'processed'
      },
      false,
    )
    expect(report).toEqual({ job: 'test', processed: 2, skipped: 0, failed: 1, more: false })
    expect(JSON.stringify(log.mock.calls)).not.toContain('secret-value')
    log.mockRestore()
  })

  it('handles no items', async () => {
    expect(await forEachIsolated('test', [], async () => 'processed', false)).toEqual({
      job: 'test',
      processed: 0,
      skipped: 0,
      failed: 0,
      more: false,
    })
  })
})
