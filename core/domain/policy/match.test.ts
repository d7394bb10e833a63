/**
 * The wildcard matcher: agrees with a dynamic-programming reference on random patterns and
 * values, stays within (|p|+1)·(|v|+1) steps on every input, and the pathological patterns that
 * made the old RegExp matcher spin for seconds (`s3://` and five slash-separated stars against a run
 * of slashes) take a bounded number of steps; a spent budget throws BudgetExceeded.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BudgetExceeded, globMatch, MatchBudget, wildcard } from './match'

/** Reference: classic DP over (pattern prefix, value prefix); obviously correct, O(|p|·|v|). */
function referenceGlob(p: string, v: string): boolean {
  let prev: boolean[] = Array<boolean>(v.length + 1).fill(false)
  prev[0] = true
  for (let i = 1; i <= p.length; i++) {
    const cur: boolean[] = Array<boolean>(v.length + 1).fill(false)
    const c = p[i - 1]
    cur[0] = c === '*' && prev[0]!
    for (let j = 1; j <= v.length; j++) {
      if (c === '*') cur[j] = prev[j]! || cur[j - 1]!
      else cur[j] = prev[j - 1]! && (c === '?' || c === v[j - 1])
    }
    prev = cur
  }
  return prev[v.length]!
}

const alphabet = fc.constantFrom('a', 'b', '/', ':', '*', '?', '.', '\\', '(', '[', '$', '^', '\n', 'é')
const text = fc.constantFrom('a', 'b', '/', ':', '.', '*', '?', '\\', '(', '\n', 'é')
const pattern = fc.array(alphabet, { maxLength: 12 }).map((cs) => cs.join(''))
const value = fc.array(text, { maxLength: 24 }).map((cs) => cs.join(''))

function steps(p: string, v: string): number {
  const budget = new MatchBudget(Number.MAX_SAFE_INTEGER)
  globMatch(p, v, budget)
  return Number.MAX_SAFE_INTEGER - budget.remaining
}

describe('wildcard matching', () => {
  it('agrees with the DP reference on random patterns and values', () => {
    fc.assert(
      fc.property(pattern, value, (p, v) => {
        expect(globMatch(p, v)).toBe(referenceGlob(p, v))
        expect(wildcard(p)(v)).toBe(referenceGlob(p, v))
        expect(wildcard(p, true)(v.toUpperCase())).toBe(referenceGlob(p.toLowerCase(), v.toLowerCase()))
      }),
      { numRuns: 5000 },
    )
  })

  it('agrees with the reference on values built to nearly match the pattern', () => {
    // Values derived from the pattern (stars replaced by random runs) hit the matching paths.
    const derived = pattern.chain((p) =>
      fc
        .tuple(fc.constant(p), fc.array(fc.array(text, { maxLength: 4 }), { minLength: p.length, maxLength: p.length }), fc.nat(3))
        .map(([pp, fills, cut]) => {
          const v = [...pp].map((c, i) => (c === '*' ? fills[i]!.join('') : c === '?' ? 'x' : c)).join('')
          return [pp, cut === 0 ? v.slice(0, -1) : v] as const
        }),
    )
    fc.assert(
      fc.property(derived, ([p, v]) => {
        expect(globMatch(p, v)).toBe(referenceGlob(p, v))
      }),
      { numRuns: 3000 },
    )
  })

  it('never takes more than (|pattern| + 1) · (|value| + 1) steps', () => {
    fc.assert(
      fc.property(pattern, value, (p, v) => {
        expect(steps(p, v)).toBeLessThanOrEqual((p.length + 1) * (v.length + 1))
      }),
      { numRuns: 2000 },
    )
  })

  it('matches the reported attack pattern against 8 KB of slashes in linear-ish steps', () => {
    const p = 's3://*/*/*/*/*.parquet'
    for (const n of [150, 400, 8192]) {
      const v = `s3://${'/'.repeat(n)}`
      expect(globMatch(p, v)).toBe(false)
      expect(steps(p, v)).toBeLessThanOrEqual((p.length + 1) * (v.length + 1))
    }
    // The old RegExp took ~0.8 s at 150 slashes and minutes at 400; this is a few thousand steps.
    expect(steps(p, `s3://${'/'.repeat(150)}`)).toBeLessThan(5_000)
    expect(globMatch(p, 's3://bucket/a/b/c/file.parquet')).toBe(true)
  })

  it('throws BudgetExceeded once the allowance is spent, and charges every matcher kind', () => {
    const long = `s3://${'/'.repeat(8192)}`
    expect(() => globMatch('*a*a*a*a*a*b', 'a'.repeat(8192), new MatchBudget(1000))).toThrow(BudgetExceeded)
    const budget = new MatchBudget(100)
    expect(() => wildcard('s3://*.parquet')(long, budget)).toThrow(BudgetExceeded)
    const exact = new MatchBudget(1_000_000)
    wildcard('exact')(long, exact)
    wildcard('EXACT', true)(long, exact)
    wildcard('*')(long, exact)
    expect(exact.remaining).toBeLessThan(1_000_000)
  })

  it('treats regex metacharacters and newlines literally', () => {
    expect(wildcard('a.c')('abc')).toBe(false)
    expect(wildcard('a.c')('a.c')).toBe(true)
    expect(wildcard('(x|y)*')('(x|y)z')).toBe(true)
    expect(wildcard('a*c')('a\nb\nc')).toBe(true)
    expect(wildcard('a?c')('a\nc')).toBe(true)
    expect(wildcard('kms:de*', true)('KMS:Decrypt')).toBe(true)
  })
})
