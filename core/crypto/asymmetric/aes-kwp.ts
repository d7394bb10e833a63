/**
 * @module core/crypto/asymmetric/aes-kwp
 *
 * AES Key Wrap with Padding (RFC 5649, NIST SP 800-38F KWP) through @noble/ciphers `aeskwp`:
 * the inner layer of `RSA_AES_KEY_WRAP_SHA_*` key-material import (an ephemeral AES key wraps
 * the private key; RSA-OAEP wraps the AES key). WebCrypto only has unpadded AES-KW (RFC 3394),
 * which cannot carry a PKCS#8 key of arbitrary length. Checked with Wycheproof aes_kwp_test.json.
 */
import { aeskwp } from '@noble/ciphers/aes.js'

const KEK_LENGTHS = new Set([16, 24, 32])

/**
 * Wraps `plaintext` (1 byte to 2^32 − 1 bytes) under `kek`.
 * @throws RangeError when the KEK is not 16, 24 or 32 bytes or the plaintext is empty
 */
export function aesKwpWrap(kek: Uint8Array, plaintext: Uint8Array): Uint8Array {
  if (!KEK_LENGTHS.has(kek.length)) throw new RangeError('AES-KWP key must be 16, 24 or 32 bytes')
  if (plaintext.length === 0) throw new RangeError('AES-KWP plaintext must not be empty')
  return aeskwp(kek).encrypt(plaintext)
}

/**
 * Unwraps and checks the integrity of `wrapped`. The caller must zeroize the result.
 * @returns the plaintext, or undefined for any failure (length, AIV, padding): one outcome, no detail
 * @throws RangeError when the KEK is not 16, 24 or 32 bytes
 */
export function aesKwpUnwrap(kek: Uint8Array, wrapped: Uint8Array): Uint8Array | undefined {
  if (!KEK_LENGTHS.has(kek.length)) throw new RangeError('AES-KWP key must be 16, 24 or 32 bytes')
  if (wrapped.length < 16 || wrapped.length % 8 !== 0) return undefined
  try {
    return aeskwp(kek).decrypt(wrapped)
  } catch {
    return undefined
  }
}
