/**
 * @module core/crypto/aead
 *
 * The single AES-GCM chokepoint of the service, implemented with WebCrypto (`crypto.subtle`) so
 * it runs unchanged on Workers and Node. Every symmetric seal/open in core/ goes through here.
 *
 * Fixed parameters: 96-bit IVs only (NIST SP 800-38D §8.2; other lengths are GHASH-compressed and
 * are never produced by this service) and 128-bit tags only. Output format is `ciphertext || tag`.
 * Callers own IV uniqueness per key (see core/crypto/envelope and core/crypto/root-key).
 */

import { invalidCiphertext } from '../errors'
import { toArrayBuffer } from './bytes'

/** AES-GCM IV length in bytes. */
export const GCM_IV_BYTES = 12
/** AES-GCM tag length in bytes. */
export const GCM_TAG_BYTES = 16

const AES_KEY_LENGTHS = new Set([16, 24, 32])

function gcmParams(iv: Uint8Array, aad: Uint8Array) {
  return {
    name: 'AES-GCM',
    iv: toArrayBuffer(iv),
    additionalData: toArrayBuffer(aad),
    tagLength: 128,
  }
}

function checkIv(iv: Uint8Array): void {
  if (!(iv instanceof Uint8Array) || iv.length !== GCM_IV_BYTES) {
    throw new RangeError('AES-GCM IV must be exactly 12 bytes')
  }
}

function checkKeyAndIv(key: Uint8Array, iv: Uint8Array): void {
  if (!(key instanceof Uint8Array) || !AES_KEY_LENGTHS.has(key.length)) {
    throw new RangeError('AES-GCM key must be 16, 24 or 32 bytes')
  }
  checkIv(iv)
}

async function importAesKey(key: Uint8Array, usage: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  // workerd rejects views over shared/offset buffers, so WebCrypto gets a private copy, which is
  // wiped as soon as the (non-extractable) CryptoKey holds its own.
  const raw = toArrayBuffer(key)
  try {
    return await crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, [usage])
  } finally {
    new Uint8Array(raw).fill(0)
  }
}

/**
 * Encrypts with AES-GCM (96-bit IV, 128-bit tag).
 *
 * @param key - 16, 24 or 32 bytes of key material (not modified).
 * @param iv - exactly 12 bytes; must never repeat under the same key.
 * @param plaintext - data to encrypt (not modified).
 * @param aad - additional authenticated data (may be empty).
 * @returns `ciphertext || tag`, `plaintext.length + 16` bytes.
 * @throws {RangeError} when the key is not 16/24/32 bytes or the IV is not 12 bytes.
 */
export async function aesGcmSeal(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  checkKeyAndIv(key, iv)
  return aesGcmSealWithKey(await importAesKey(key, 'encrypt'), iv, plaintext, aad)
}

/**
 * An AES-GCM key imported once (non-extractable), for keys that live as long as the isolate
 * (the root keys): {@link aesGcmSealWithKey} / {@link aesGcmOpenWithKey} then skip the import.
 * @throws {RangeError} when the key is not 16/24/32 bytes.
 */
export async function importAesGcmKey(key: Uint8Array, usage: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  if (!(key instanceof Uint8Array) || !AES_KEY_LENGTHS.has(key.length)) {
    throw new RangeError('AES-GCM key must be 16, 24 or 32 bytes')
  }
  return importAesKey(key, usage)
}

/** {@link aesGcmSeal} with a key from {@link importAesGcmKey}. */
export async function aesGcmSealWithKey(cryptoKey: CryptoKey, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  checkIv(iv)
  const input = toArrayBuffer(plaintext)
  try {
    const sealed = await crypto.subtle.encrypt(gcmParams(iv, aad), cryptoKey, input)
    return new Uint8Array(sealed)
  } finally {
    new Uint8Array(input).fill(0)
  }
}

/**
 * Verifies and decrypts AES-GCM output produced by {@link aesGcmSeal}.
 *
 * @param key - 16, 24 or 32 bytes of key material (not modified).
 * @param iv - exactly 12 bytes.
 * @param sealed - `ciphertext || tag`.
 * @param aad - the additional authenticated data used when sealing.
 * @returns the plaintext, a fresh buffer owned by the caller.
 * @throws {KmsError} `invalidCiphertext()` (code `crypto.invalidCiphertext`) when `sealed` is
 *   shorter than a tag or authentication fails for any reason.
 * @throws {RangeError} when the key is not 16/24/32 bytes or the IV is not 12 bytes
 *   (programming errors, never caused by the ciphertext).
 */
export async function aesGcmOpen(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  checkKeyAndIv(key, iv)
  if (!(sealed instanceof Uint8Array) || sealed.length < GCM_TAG_BYTES) throw invalidCiphertext()
  return aesGcmOpenWithKey(await importAesKey(key, 'decrypt'), iv, sealed, aad)
}

/** {@link aesGcmOpen} with a key from {@link importAesGcmKey}; the same errors. */
export async function aesGcmOpenWithKey(cryptoKey: CryptoKey, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  checkIv(iv)
  if (!(sealed instanceof Uint8Array) || sealed.length < GCM_TAG_BYTES) throw invalidCiphertext()
  let plaintext: ArrayBuffer
  try {
    plaintext = await crypto.subtle.decrypt(gcmParams(iv, aad), cryptoKey, toArrayBuffer(sealed))
  } catch (err) {
    throw invalidCiphertext(err)
  }
  return new Uint8Array(plaintext)
}
