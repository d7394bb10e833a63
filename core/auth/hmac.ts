/**
 * @module core/auth/hmac
 *
 * The WebCrypto primitives the signature schemes need (HMAC-SHA1, HMAC-SHA256, SHA-256), over
 * UTF-8 text. `crypto.subtle` exists in workerd and in Node ≥ 20, so nothing here is
 * runtime-specific.
 */

import { toArrayBuffer, toHex, utf8 } from '../crypto/bytes'

export type HmacHash = 'SHA-1' | 'SHA-256'

/**
 * HMAC of the UTF-8 bytes of `message` under the UTF-8 bytes of `key`.
 *
 * @throws {Error} when `key` is empty (WebCrypto refuses zero-length HMAC keys); callers check.
 */
export async function hmacUtf8(hash: HmacHash, key: string, message: string): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey(
    'raw',
    toArrayBuffer(utf8(key)),
    { name: 'HMAC', hash },
    false,
    ['sign'],
  )
  const mac = await crypto.subtle.sign('HMAC', cryptoKey, toArrayBuffer(utf8(message)))
  return new Uint8Array(mac)
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
export const EMPTY_BODY_SHA256_HEX =
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
