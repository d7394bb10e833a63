/**
 * @module core/auth/hmac
 *
 * The primitives the signature schemes need (HMAC-SHA1, HMAC-SHA256, SHA-256), over UTF-8 text.
 * HMAC is computed with @noble/hashes, synchronously: a request's HMAC is over a few hundred
 * bytes, where WebCrypto's importKey + sign round trip cost several times the hashing itself
 * (measured by `npm run bench`: ~78 µs against ~10 µs in Node). Hashing of bodies (up to
 * 128 KiB) stays on WebCrypto. Nothing here is runtime-specific.
 */

import { hmac } from '@noble/hashes/hmac.js'
import { sha1 } from '@noble/hashes/legacy.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { toArrayBuffer, toHex, utf8 } from '../crypto/bytes'

export type HmacHash = 'SHA-1' | 'SHA-256'

/**
 * HMAC of the UTF-8 bytes of `message` under the UTF-8 bytes of `key`.
 *
 * @throws {Error} when `key` is empty (callers check: an empty secret never verifies anything).
 */
export async function hmacUtf8(hash: HmacHash, key: string, message: string): Promise<Uint8Array> {
  if (key.length === 0) throw new Error('HMAC key must not be empty')
  const keyBytes = utf8(key)
  try {
    return hmac(hash === 'SHA-1' ? sha1 : sha256, keyBytes, utf8(message))
  } finally {
    keyBytes.fill(0)
  }
}

/**
 * Lower-case hex SHA-256 of `data` (UTF-8 for text).
 *
 * @throws never in practice (WebCrypto digest does not fail on valid input).
 */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? utf8(data) : data
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', toArrayBuffer(bytes))))
}

/** Hex SHA-256 of the empty string: the `x-acs-content-sha256` of a request without a body. */
export const EMPTY_BODY_SHA256_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
