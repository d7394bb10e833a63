/**
 * @module core/crypto/sm/sm3
 *
 * SM3 (GB/T 32905-2016) and HKDF-SM3 (RFC 5869 with SM3), from the npm package `sm-crypto-v2`
 * (maintained, built on @noble/hashes; its SM3 is a @noble-style `Hash`). No primitive is written
 * here: this module only adapts the package's hex-string API to bytes. The GB/T 32905 examples
 * and a cross-check against Node's OpenSSL pin it (sm.test.ts).
 */
import { hkdf, sm3 as sm3Hex } from 'sm-crypto-v2'
import { fromHex } from '../bytes'

/** SM3 digest length in bytes. */
export const SM3_BYTES = 32

/** SM3 of `data` (32 bytes). */
export function sm3(data: Uint8Array): Uint8Array {
  return fromHex(sm3Hex(data))!
}

/** HKDF-SM3 (RFC 5869 extract-and-expand with SM3 as the hash). */
export function hkdfSm3(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return Uint8Array.from(hkdf(ikm, salt, info, length))
}
