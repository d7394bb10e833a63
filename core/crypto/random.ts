/**
 * @module core/crypto/random
 *
 * The service's only source of randomness for keys, salts and IVs: WebCrypto's CSPRNG
 * (`crypto.getRandomValues`), wrapped in a cheap fail-closed health check.
 *
 * The check cannot prove randomness; it catches the catastrophic failures that have happened in
 * practice (an RNG stubbed out or returning a zero-filled buffer, a forked/snapshotted state
 * repeating its output). For every output of at least {@link HEALTH_CHECK_MIN_BYTES} bytes it
 * rejects an all-zero output and an output identical to the previous output of the same length.
 * Only a SHA-256 fingerprint of the previous output is kept, never the bytes themselves, because
 * outputs are often key material. For a healthy 96-bit-or-larger output either event has
 * probability at most 2^-96, so a false alarm is not a practical concern.
 *
 * Callers that need determinism (tests, golden vectors) inject a {@link RandomSource}.
 */

import { sha256 } from '@noble/hashes/sha2.js'
import { KmsError } from '../errors'
import { timingSafeEqual } from './bytes'

/** A function returning `n` fresh random bytes. Injected by tests for deterministic output. */
export type RandomSource = (n: number) => Uint8Array

/** Outputs shorter than this are not health-checked (a short output may legitimately be zero). */
export const HEALTH_CHECK_MIN_BYTES = 12

/** WebCrypto's per-call limit for getRandomValues (QuotaExceededError above it). */
const MAX_CHUNK = 65536

/** Bounds the fingerprint table when callers request many different lengths. */
const MAX_TRACKED_LENGTHS = 64

function rngFailure(): KmsError {
  return new KmsError('internal', 'random number generator failure')
}

/**
 * Stateless sanity check of one random output: it must be a Uint8Array of exactly `n` bytes and,
 * when `n` ≥ {@link HEALTH_CHECK_MIN_BYTES}, not all zeros. Used on every output the crypto
 * modules draw, including outputs of injected sources.
 *
 * @param out - the bytes returned by a {@link RandomSource}.
 * @param n - the number of bytes that were requested.
 * @returns `out`, for chaining.
 * @throws {KmsError} code `internal` ("random number generator failure") when the check fails.
 */
export function checkRandomOutput(out: unknown, n: number): Uint8Array {
  if (!(out instanceof Uint8Array) || out.length !== n) throw rngFailure()
  if (n >= HEALTH_CHECK_MIN_BYTES) {
    let acc = 0
    for (let i = 0; i < out.length; i++) acc |= out[i]!
    if (acc === 0) throw rngFailure()
  }
  return out
}

/**
 * Wraps a random source with the full health check: {@link checkRandomOutput} plus rejection of
 * an output identical to the previous output of the same length drawn through this wrapper.
 * Each wrapper keeps its own state (SHA-256 fingerprints only).
 *
 * @param source - the underlying source.
 * @returns a health-checked source. Creating it never throws; calling it throws as below.
 * @throws {KmsError} (from the returned source) code `internal` when a check fails.
 * @throws {RangeError} (from the returned source) when `n` is not a non-negative safe integer.
 */
export function withHealthCheck(source: RandomSource): RandomSource {
  const previous = new Map<number, Uint8Array>()
  return (n: number): Uint8Array => {
    assertLength(n)
    const out = checkRandomOutput(source(n), n)
    if (n >= HEALTH_CHECK_MIN_BYTES) {
      const fingerprint = sha256(out)
      const last = previous.get(n)
      if (last !== undefined && timingSafeEqual(last, fingerprint)) throw rngFailure()
      if (last === undefined && previous.size >= MAX_TRACKED_LENGTHS) previous.clear()
      previous.set(n, fingerprint)
    }
    return out
  }
}

function assertLength(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError('random length must be a non-negative integer')
  }
}

function webCryptoSource(n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let offset = 0; offset < n; offset += MAX_CHUNK) {
    crypto.getRandomValues(out.subarray(offset, Math.min(n, offset + MAX_CHUNK)))
  }
  return out
}

const checkedWebCrypto = withHealthCheck(webCryptoSource)

/**
 * Returns `n` bytes from WebCrypto's CSPRNG (`crypto.getRandomValues`, called in chunks of at most
 * 65536 bytes), health-checked as described in the module header.
 *
 * @param n - number of bytes, a non-negative safe integer.
 * @returns a fresh buffer owned by the caller.
 * @throws {KmsError} code `internal` ("random number generator failure") when an output of ≥ 12
 *   bytes is all zeros or repeats the previous output of the same length.
 * @throws {RangeError} when `n` is negative or not an integer.
 */
export function randomBytes(n: number): Uint8Array {
  return checkedWebCrypto(n)
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** `length` characters from `alphabet`, by rejection sampling (no modulo bias). */
export function randomString(random: RandomSource, length: number, alphabet = ALNUM): string {
  const limit = 256 - (256 % alphabet.length)
  let out = ''
  while (out.length < length) {
    for (const b of random(length * 2)) {
      if (b < limit) out += alphabet[b % alphabet.length]
      if (out.length === length) break
    }
  }
  return out
}
