import { afterEach, describe, expect, it, vi } from 'vitest'
import { KmsError } from '../errors'
import { checkRandomOutput, randomBytes, withHealthCheck, type RandomSource } from './random'

function expectRngFailure(fn: () => unknown): void {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(KmsError)
    expect((err as KmsError).code).toBe('internal')
    expect((err as KmsError).message).toBe('random number generator failure')
    return
  }
  throw new Error('expected a random number generator failure')
}

/** Replaces crypto.getRandomValues with a broken generator for one test. */
function stubGetRandomValues(fill: (a: Uint8Array) => void): void {
  const broken = (a: ArrayBufferView | null): ArrayBufferView | null => {
    if (a instanceof Uint8Array) fill(a)
    return a
  }
  vi.spyOn(crypto, 'getRandomValues').mockImplementation(broken as typeof crypto.getRandomValues)
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('randomBytes', () => {
  it('returns the requested number of fresh bytes', () => {
    expect(randomBytes(0)).toEqual(new Uint8Array(0))
    expect(randomBytes(1)).toHaveLength(1)
    const a = randomBytes(32)
    const b = randomBytes(32)
    expect(a).toHaveLength(32)
    expect(a).not.toEqual(b)
  })

  it('fills large requests in chunks of at most 65536 bytes', () => {
    const spy = vi.spyOn(crypto, 'getRandomValues')
    const out = randomBytes(200_000)
    expect(out).toHaveLength(200_000)
    expect(spy).toHaveBeenCalledTimes(4)
    for (const [arg] of spy.mock.calls) {
      expect((arg as Uint8Array).length).toBeLessThanOrEqual(65536)
    }
    // every chunk was actually written: no 64 KiB block left zero
    for (let off = 0; off < out.length; off += 65536) {
      expect(out.subarray(off, off + 65536).some((x) => x !== 0)).toBe(true)
    }
  })

  it('rejects invalid lengths', () => {
    for (const n of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => randomBytes(n)).toThrow(RangeError)
    }
  })

  it('fails closed when getRandomValues returns zeros (outputs of 12+ bytes)', () => {
    stubGetRandomValues(() => {})
    expectRngFailure(() => randomBytes(12))
    expectRngFailure(() => randomBytes(32))
    expectRngFailure(() => randomBytes(100_000))
    // short outputs may legitimately be zero
    expect(randomBytes(4)).toEqual(new Uint8Array(4))
  })

  it('fails closed when getRandomValues repeats its previous output', () => {
    stubGetRandomValues((a) => a.fill(0x5a))
    expect(randomBytes(44)).toEqual(new Uint8Array(44).fill(0x5a))
    expectRngFailure(() => randomBytes(44))
    expectRngFailure(() => randomBytes(44))
  })
})

describe('withHealthCheck', () => {
  it('fails closed on an injected constant source', () => {
    const constant: RandomSource = (n) => new Uint8Array(n).fill(1)
    const checked = withHealthCheck(constant)
    expect(checked(16)).toHaveLength(16)
    expect(checked(32)).toHaveLength(32) // different length: compared separately
    expectRngFailure(() => checked(16))
    expectRngFailure(() => checked(32))
  })

  it('fails closed on an all-zero source and on wrong-length output', () => {
    expectRngFailure(() => withHealthCheck((n) => new Uint8Array(n))(12))
    expectRngFailure(() => withHealthCheck(() => new Uint8Array(3))(12))
    expectRngFailure(() => withHealthCheck(() => [1, 2, 3] as unknown as Uint8Array)(3))
  })

  it('accepts a deterministic but non-repeating source', () => {
    let counter = 0
    const checked = withHealthCheck((n) => Uint8Array.from({ length: n }, () => counter++ & 255))
    for (let i = 0; i < 100; i++) expect(checked(44)).toHaveLength(44)
  })
})

describe('checkRandomOutput', () => {
  it('checks length and all-zero output statelessly', () => {
    const ok = new Uint8Array(12).fill(1)
    expect(checkRandomOutput(ok, 12)).toBe(ok)
    expect(checkRandomOutput(ok, 12)).toBe(ok)
    expect(checkRandomOutput(new Uint8Array(11), 11)).toHaveLength(11)
    expectRngFailure(() => checkRandomOutput(new Uint8Array(12), 12))
    expectRngFailure(() => checkRandomOutput(ok, 13))
    expectRngFailure(() => checkRandomOutput('not bytes', 9))
  })
})
