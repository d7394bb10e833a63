/**
 * @module core/domain/keys/byok/wrapping
 *
 * How imported key material is wrapped, and how it is unwrapped with the per-token RSA_2048
 * wrapping key (Alibaba GetParametersForImport; AWS ImportKeyMaterial):
 *
 * | key | WrappingAlgorithm | EncryptedKeyMaterial |
 * |---|---|---|
 * | Aliyun_AES_256 | RSAES_OAEP_SHA_256, RSAES_OAEP_SHA_1 | RSA-OAEP(material), MGF1 over the same hash |
 * | Aliyun_AES_256 | RSAES_PKCS1_V1_5 | RSAES-PKCS1-v1_5(material) |
 * | any | RSA_AES_KEY_WRAP_SHA_256, RSA_AES_KEY_WRAP_SHA_1 | RSA-OAEP(ephemeral AES-256 key) ‖ AES-KWP(ephemeral key, material) |
 * | RSA_*, EC_* | RSAES_OAEP_SHA_256, RSAES_OAEP_SHA_1 | the same two-layer envelope (what Alibaba documents for asymmetric imports) |
 *
 * The envelope is AWS's `RSA_AES_KEY_WRAP_SHA_*`: the first k = 256 bytes are the OAEP
 * ciphertext of a 32-byte AES key, the rest is RFC 5649 AES Key Wrap with Padding of the
 * material (an asymmetric private key as PKCS#8 DER). OpenSSL makes it with
 * `openssl pkeyutl -encrypt … rsa_oaep_md:sha256` and `openssl enc -id-aes256-wrap-pad`.
 *
 * Every unwrapping failure (RSA padding, AES key length, KWP integrity, material length) is the
 * one `InvalidKeyMaterial` with the same message, so the endpoint is no padding oracle (see
 * rsaPkcs1DecryptExact for PKCS#1 v1.5).
 */
import { aesKwpUnwrap } from '../../../crypto/asymmetric/aes-kwp'
import { modulusBytes, rsaOaepDecrypt, rsaPkcs1DecryptExact } from '../../../crypto/asymmetric/rsa'
import type { RsaEngine } from '../../../crypto/asymmetric/rsa-engine'
import { zeroize } from '../../../crypto/bytes'
import { invalidParameter, KmsError } from '../../../errors'
import type { KeyRecord } from '../../model'
import { asymmetricSpec } from '../asymmetric/specs'

export const IMPORT_WRAPPING_ALGORITHMS = [
  'RSAES_OAEP_SHA_256',
  'RSAES_OAEP_SHA_1',
  'RSAES_PKCS1_V1_5',
  'RSA_AES_KEY_WRAP_SHA_256',
  'RSA_AES_KEY_WRAP_SHA_1',
] as const
export const IMPORT_WRAPPING_KEY_SPECS = ['RSA_2048'] as const
export const WRAPPING_KEY_BITS = 2048
/** Bytes of symmetric material (Aliyun_AES_256). */
export const SYMMETRIC_MATERIAL_BYTES = 32
const EPHEMERAL_AES_KEY_BYTES = 32

export type WrappingScheme =
  | { kind: 'direct'; padding: 'oaep'; hash: 'SHA-1' | 'SHA-256' }
  | { kind: 'direct'; padding: 'pkcs1' }
  | { kind: 'envelope'; hash: 'SHA-1' | 'SHA-256' }

export function invalidKeyMaterial(cause?: unknown): KmsError {
  return new KmsError('import.invalidMaterial', 'The specified EncryptedKeyMaterial is invalid.', { cause })
}

/**
 * The scheme `algorithm` means for `key`.
 * @throws KmsError validation.invalidParameter (WrappingAlgorithm) for unknown or unsuitable algorithms
 */
export function wrappingScheme(key: Pick<KeyRecord, 'keySpec'>, algorithm: string): WrappingScheme {
  const asymmetric = asymmetricSpec(key.keySpec) !== undefined
  switch (algorithm) {
    case 'RSA_AES_KEY_WRAP_SHA_256':
      return { kind: 'envelope', hash: 'SHA-256' }
    case 'RSA_AES_KEY_WRAP_SHA_1':
      return { kind: 'envelope', hash: 'SHA-1' }
    case 'RSAES_OAEP_SHA_256':
      return asymmetric ? { kind: 'envelope', hash: 'SHA-256' } : { kind: 'direct', padding: 'oaep', hash: 'SHA-256' }
    case 'RSAES_OAEP_SHA_1':
      return asymmetric ? { kind: 'envelope', hash: 'SHA-1' } : { kind: 'direct', padding: 'oaep', hash: 'SHA-1' }
    case 'RSAES_PKCS1_V1_5':
      if (!asymmetric) return { kind: 'direct', padding: 'pkcs1' }
      throw invalidParameter(
        'WrappingAlgorithm',
        'a private key can only be imported with RSAES_OAEP_SHA_256, RSAES_OAEP_SHA_1 or RSA_AES_KEY_WRAP_SHA_*.',
      )
    default:
      throw invalidParameter('WrappingAlgorithm', `must be one of ${IMPORT_WRAPPING_ALGORITHMS.join(', ')}.`)
  }
}

/**
 * Recovers the material from `encrypted` with the wrapping private key. The caller must
 * zeroize the result.
 * @throws KmsError import.invalidMaterial (uniform) for every failure
 */
export function unwrapKeyMaterial(engine: RsaEngine, wrappingPkcs8: Uint8Array, scheme: WrappingScheme, encrypted: Uint8Array): Uint8Array {
  const k = modulusBytes(WRAPPING_KEY_BITS)
  if (scheme.kind === 'direct' && scheme.padding === 'pkcs1') {
    const material = rsaPkcs1DecryptExact(engine, wrappingPkcs8, WRAPPING_KEY_BITS, encrypted, SYMMETRIC_MATERIAL_BYTES)
    if (!material) throw invalidKeyMaterial()
    return material
  }
  if (scheme.kind === 'direct') {
    if (encrypted.length !== k) throw invalidKeyMaterial()
    try {
      return rsaOaepDecrypt(engine, wrappingPkcs8, encrypted, scheme.hash)
    } catch (err) {
      throw invalidKeyMaterial(err)
    }
  }
  // Envelope: RSA-OAEP(ephemeral AES key) ‖ AES-KWP(material); KWP output is ≥ 16 bytes.
  if (encrypted.length < k + 16) throw invalidKeyMaterial()
  let aesKey: Uint8Array | undefined
  try {
    aesKey = rsaOaepDecrypt(engine, wrappingPkcs8, encrypted.subarray(0, k), scheme.hash)
    if (aesKey.length !== EPHEMERAL_AES_KEY_BYTES) throw invalidKeyMaterial()
    const material = aesKwpUnwrap(aesKey, encrypted.subarray(k))
    if (!material) throw invalidKeyMaterial()
    return material
  } catch (err) {
    if (KmsError.match(err, 'import.')) throw err
    throw invalidKeyMaterial(err)
  } finally {
    zeroize(aesKey)
  }
}
