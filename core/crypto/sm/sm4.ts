/**
 * @module core/crypto/sm/sm4
 *
 * SM4 (GB/T 32907-2016) in GCM mode (RFC 8998 §3.1: the GCM of NIST SP 800-38D with SM4 as the
 * 128-bit block cipher, 12-byte IV, 16-byte tag), from `sm-crypto-v2` (its GHASH is
 * @noble/ciphers'). This module only fixes the parameters and the byte layout
 * (ciphertext ‖ tag, like core/crypto/aead.ts) and turns every open failure into one error.
 * Pinned by the GB/T 32907 block example, RFC 8998's SM4-GCM vector and a cross-check of the
 * keystream and tag against Node's OpenSSL SM4 (sm.test.ts).
 */
import { sm4 as sm4Lib } from 'sm-crypto-v2'

export const SM4_KEY_BYTES = 16
export const SM4_GCM_IV_BYTES = 12
export const SM4_GCM_TAG_BYTES = 16

function check(key: Uint8Array, iv: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== SM4_KEY_BYTES) throw new RangeError('SM4 key must be 16 bytes')
  if (!(iv instanceof Uint8Array) || iv.length !== SM4_GCM_IV_BYTES) throw new RangeError('SM4-GCM IV must be 12 bytes')
}

/** SM4-GCM encryption: returns ciphertext ‖ 16-byte tag. */
export function sm4GcmSeal(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  check(key, iv)
  const { output, tag } = sm4Lib.encrypt(plaintext, key, { mode: 'gcm', iv, associatedData: aad, output: 'array', outputTag: true })
  if (!tag || tag.length !== SM4_GCM_TAG_BYTES || output.length !== plaintext.length) throw new Error('SM4-GCM failed')
  const out = new Uint8Array(output.length + SM4_GCM_TAG_BYTES)
  out.set(output, 0)
  out.set(tag, output.length)
  return out
}

/**
 * SM4-GCM decryption of ciphertext ‖ tag. The tag is checked (constant time, by the library)
 * before any plaintext is produced.
 * @throws Error `SM4-GCM open failed` for a short input or a bad tag (one message for both)
 */
export function sm4GcmOpen(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  check(key, iv)
  if (sealed.length < SM4_GCM_TAG_BYTES) throw new Error('SM4-GCM open failed')
  const ciphertext = sealed.subarray(0, sealed.length - SM4_GCM_TAG_BYTES)
  const tag = sealed.subarray(sealed.length - SM4_GCM_TAG_BYTES)
  try {
    const out = sm4Lib.decrypt(ciphertext, key, { mode: 'gcm', iv, associatedData: aad, tag, output: 'array' })
    return Uint8Array.from(out)
  } catch {
    throw new Error('SM4-GCM open failed')
  }
}

/** One SM4 block encryption (ECB, no padding): for the GB/T 32907 example only. */
export function sm4EncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  if (key.length !== SM4_KEY_BYTES || block.length !== 16) throw new RangeError('SM4 block and key are 16 bytes')
  return Uint8Array.from(sm4Lib.encrypt(block, key, { mode: 'ecb', padding: 'none', output: 'array' }))
}
