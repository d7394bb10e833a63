/**
 * @module core/crypto/random.fake — a deterministic {@link RandomSource} for tests: SHA-256 in
 * counter mode over `seed`, the same stream on every run (so a statistic or a byte layout over it
 * is too). Never for anything but tests.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8 } from './bytes'
import type { RandomSource } from './random'

export function seededSource(seed: string): RandomSource {
  let block = 0
  let pool = new Uint8Array(0)
  return (n) => {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) {
      if (pool.length === 0) pool = sha256(utf8(`${seed}/${block++}`))
      out[i] = pool[0]!
      pool = pool.subarray(1)
    }
    return out
  }
}
