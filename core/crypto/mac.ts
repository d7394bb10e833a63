/**
 * @module core/crypto/mac
 *
 * HMAC (RFC 2104) with SHA-224/256/384/512 for GenerateMac / VerifyMac on software-protected
 * HMAC keys, through @noble/hashes (runtime-agnostic: the same code runs in workerd and Node).
 * Verification recomputes the full-length tag and compares in constant time
 * ({@link timingSafeEqual}); a tag of another length is simply not valid (no truncated tags,
 * as AWS's VerifyMac).
 */
import { hmac } from '@noble/hashes/hmac.js'
import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2.js'
import { timingSafeEqual } from './bytes'

export const MAC_ALGORITHMS = ['HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512'] as const
export type MacAlgorithm = (typeof MAC_ALGORITHMS)[number]

const HASHES = { HMAC_SHA_224: sha224, HMAC_SHA_256: sha256, HMAC_SHA_384: sha384, HMAC_SHA_512: sha512 } as const

/** Tag length in bytes of each algorithm (the hash's output length). */
export const MAC_LENGTH: Readonly<Record<MacAlgorithm, number>> = {
  HMAC_SHA_224: 28,
  HMAC_SHA_256: 32,
  HMAC_SHA_384: 48,
  HMAC_SHA_512: 64,
}

export function isMacAlgorithm(value: string): value is MacAlgorithm {
  return (MAC_ALGORITHMS as readonly string[]).includes(value)
}

/**
 * HMAC of `message` under `key`.
 *
 * @throws never (any key length is valid for HMAC)
 */
export function computeMac(algorithm: MacAlgorithm, key: Uint8Array, message: Uint8Array): Uint8Array {
  return hmac(HASHES[algorithm], key, message)
}

/**
 * Whether `mac` is the HMAC of `message` under `key`: full-length tags only, compared in
 * constant time.
 *
 * @throws never
 */
export function verifyMac(algorithm: MacAlgorithm, key: Uint8Array, message: Uint8Array, mac: Uint8Array): boolean {
  const expected = computeMac(algorithm, key, message)
  try {
    return mac.length === expected.length && timingSafeEqual(expected, mac)
  } finally {
    expected.fill(0)
  }
}
