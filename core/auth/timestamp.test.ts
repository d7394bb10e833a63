import { describe, expect, it } from 'vitest'

import { KmsError } from '../errors'
import { DEFAULT_TIMESTAMP_WINDOW_MS, assertFreshTimestamp, parseSignatureTimestamp } from './timestamp'

function errorOf(fn: () => unknown): KmsError | undefined {
  try {
    fn()
  } catch (err) {
    if (err instanceof KmsError) return err
    throw err
  }
  return undefined
}

describe('parseSignatureTimestamp', () => {
  it('reads YYYY-MM-DDThh:mm:ssZ as UTC', () => {
    expect(parseSignatureTimestamp('2026-11-23T12:14:15Z')).toBe(Date.UTC(2026, 10, 23, 12, 14, 15))
  })

  it('accepts a fraction of a second and keeps the milliseconds', () => {
    const base = Date.UTC(2026, 10, 23, 12, 14, 15)
    expect(parseSignatureTimestamp('2026-11-23T12:14:15.123Z')).toBe(base + 123)
    expect(parseSignatureTimestamp('2026-11-23T12:14:15.5Z')).toBe(base + 500)
    expect(parseSignatureTimestamp('2026-11-23T12:14:15.123456Z')).toBe(base + 123)
  })

  it('accepts 29 February of a leap year', () => {
    expect(parseSignatureTimestamp('2028-02-29T00:00:00Z')).toBe(Date.UTC(2028, 1, 29))
  })

  it('refuses other formats and impossible dates as auth.illegalTimestamp', () => {
    for (const bad of [
      '',
      '1795436055',
      '2026-11-23T12:14:15',
      '2026-11-23T12:14:15+08:00',
      '2026-11-23 12:14:15Z',
      '2026-11-23t12:14:15z',
      '2026-11-23T12:14Z',
      '2026-11-23T12:14:15.Z',
      ' 2026-11-23T12:14:15Z',
      '2026-02-30T00:00:00Z',
      '2027-02-29T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-11-23T24:00:00Z',
      '2026-11-23T12:60:00Z',
      '2026-11-23T12:14:60Z',
      '0050-01-01T00:00:00Z',
      'Mon, 23 Nov 2026 12:14:15 GMT',
    ]) {
      expect(errorOf(() => parseSignatureTimestamp(bad))?.code, bad).toBe('auth.illegalTimestamp')
    }
  })

  it('never echoes the rejected value', () => {
    const err = errorOf(() => parseSignatureTimestamp('SECRET-LOOKING-VALUE'))
    expect(err?.message).not.toContain('SECRET-LOOKING-VALUE')
  })
})

describe('assertFreshTimestamp', () => {
  const now = Date.UTC(2026, 10, 23, 12, 14, 15)
  const window = 15 * 60_000

  it('uses a 15 minute window by default', () => {
    expect(DEFAULT_TIMESTAMP_WINDOW_MS).toBe(window)
  })

  it('accepts a timestamp exactly 15 minutes before or after now', () => {
    expect(() => assertFreshTimestamp(now - window, now)).not.toThrow()
    expect(() => assertFreshTimestamp(now + window, now)).not.toThrow()
    expect(() => assertFreshTimestamp(now, now)).not.toThrow()
  })

  it('rejects a timestamp one second beyond the window on either side', () => {
    for (const ts of [now - window - 1000, now + window + 1000]) {
      const err = errorOf(() => assertFreshTimestamp(ts, now))
      expect(err?.code).toBe('auth.illegalTimestamp')
      expect(err?.message).toBe('Specified time stamp or date value is expired.')
    }
  })

  it('honours a custom window', () => {
    expect(() => assertFreshTimestamp(now - 5000, now, 5000)).not.toThrow()
    expect(errorOf(() => assertFreshTimestamp(now - 5001, now, 5000))?.code).toBe('auth.illegalTimestamp')
  })

  it('rejects non-finite times', () => {
    expect(errorOf(() => assertFreshTimestamp(Number.NaN, now))?.code).toBe('auth.illegalTimestamp')
    expect(errorOf(() => assertFreshTimestamp(now, Number.POSITIVE_INFINITY))?.code).toBe('auth.illegalTimestamp')
  })
})
