/**
 * @module core/domain/keys/asymmetric/specs
 *
 * Alibaba's asymmetric key specs and the algorithms each allows
 * (alibaba-kms-api.md "Key specs and algorithms"):
 *
 * | KeySpec | KeyUsage | Algorithms |
 * |---|---|---|
 * | RSA_2048, RSA_3072, RSA_4096 | SIGN/VERIFY | RSA_PSS_SHA_256 (MGF1-SHA-256, 32-byte salt), RSA_PKCS1_SHA_256 |
 * | RSA_2048, RSA_3072, RSA_4096 | ENCRYPT/DECRYPT | RSAES_OAEP_SHA_256, RSAES_OAEP_SHA_1 |
 * | EC_P256, EC_P256K | SIGN/VERIFY | ECDSA_SHA_256 (DER signatures) |
 * | EC_SM2 | SIGN/VERIFY | SM2DSA (Digest = SM3(Z_A ‖ M), DER signatures) |
 * | EC_SM2 | ENCRYPT/DECRYPT | SM2PKE (GM/T 0009 DER ciphertext, C1C3C2), plaintext 1–6047 bytes |
 *
 * SM2 is core/crypto/sm/sm2.ts (software keys only: SoftHSMv2 has no SM mechanisms).
 */
import { invalidParameter, KmsError } from '../../../errors'
import type { EcCurveName } from '../../../crypto/asymmetric/ec'
import type { KeyRecord, KeyUsage } from '../../model'

export type AsymmetricSpec =
  | { kind: 'rsa'; keySpec: 'RSA_2048' | 'RSA_3072' | 'RSA_4096'; bits: 2048 | 3072 | 4096 }
  | { kind: 'ec'; keySpec: 'EC_P256' | 'EC_P256K'; curve: EcCurveName }
  | { kind: 'sm2'; keySpec: 'EC_SM2' }

export const ASYMMETRIC_SPECS: Readonly<Record<string, AsymmetricSpec>> = {
  RSA_2048: { kind: 'rsa', keySpec: 'RSA_2048', bits: 2048 },
  RSA_3072: { kind: 'rsa', keySpec: 'RSA_3072', bits: 3072 },
  RSA_4096: { kind: 'rsa', keySpec: 'RSA_4096', bits: 4096 },
  EC_P256: { kind: 'ec', keySpec: 'EC_P256', curve: 'P-256' },
  EC_P256K: { kind: 'ec', keySpec: 'EC_P256K', curve: 'secp256k1' },
  EC_SM2: { kind: 'sm2', keySpec: 'EC_SM2' },
}

export type SignAlgorithm = 'RSA_PSS_SHA_256' | 'RSA_PKCS1_SHA_256' | 'ECDSA_SHA_256' | 'SM2DSA'
export type EncryptAlgorithm = 'RSAES_OAEP_SHA_256' | 'RSAES_OAEP_SHA_1' | 'SM2PKE'

/** Alibaba's largest SM2PKE plaintext (key types and specifications table). */
export const SM2PKE_MAX_PLAINTEXT = 6047

/** PSS salt length: the hash length, as AWS and OpenSSL's `-1` ("digest") choose. */
export const PSS_SALT_BYTES = 32
/** SHA-256 digest length: the only digest the sign algorithms take. */
export const DIGEST_BYTES = 32

/** The asymmetric spec of a key, or undefined for symmetric keys. */
export function asymmetricSpec(keySpec: string): AsymmetricSpec | undefined {
  return Object.hasOwn(ASYMMETRIC_SPECS, keySpec) ? ASYMMETRIC_SPECS[keySpec] : undefined
}

/** Whether `keyUsage` is allowed for the asymmetric `spec` (NIST/secp256k1 EC keys only sign). */
export function isUsageAllowed(spec: AsymmetricSpec, keyUsage: KeyUsage): boolean {
  return spec.kind === 'rsa' || spec.kind === 'sm2' || keyUsage === 'SIGN/VERIFY'
}

/**
 * The asymmetric spec of `key`, which must have usage `usage`.
 * @throws KmsError key.invalidUsage
 */
export function requireAsymmetric(key: KeyRecord, usage?: KeyUsage): AsymmetricSpec {
  const spec = asymmetricSpec(key.keySpec)
  if (!spec) throw new KmsError('key.invalidUsage', 'The operation requires an asymmetric key.')
  if (usage !== undefined && key.keyUsage !== usage) {
    throw new KmsError('key.invalidUsage', `The operation requires a key with the key usage ${usage}.`)
  }
  return spec
}

/**
 * Checks a signing algorithm against the spec.
 * @throws KmsError validation.invalidParameter (Algorithm)
 */
export function assertSignAlgorithm(spec: AsymmetricSpec, algorithm: string): SignAlgorithm {
  const allowed: readonly string[] =
    spec.kind === 'rsa' ? ['RSA_PSS_SHA_256', 'RSA_PKCS1_SHA_256'] : spec.kind === 'sm2' ? ['SM2DSA'] : ['ECDSA_SHA_256']
  if (!allowed.includes(algorithm)) {
    throw invalidParameter('Algorithm', `the key spec ${spec.keySpec} signs with ${allowed.join(' or ')}.`)
  }
  return algorithm as SignAlgorithm
}

/**
 * Checks an encryption algorithm against the spec.
 * @throws KmsError validation.invalidParameter (Algorithm)
 */
export function assertEncryptAlgorithm(spec: AsymmetricSpec, algorithm: string): EncryptAlgorithm {
  if (spec.kind === 'sm2') {
    if (algorithm !== 'SM2PKE') throw invalidParameter('Algorithm', 'the key spec EC_SM2 encrypts with SM2PKE.')
    return algorithm
  }
  if (spec.kind !== 'rsa' || (algorithm !== 'RSAES_OAEP_SHA_256' && algorithm !== 'RSAES_OAEP_SHA_1')) {
    throw invalidParameter('Algorithm', `the key spec ${spec.keySpec} encrypts with RSAES_OAEP_SHA_256 or RSAES_OAEP_SHA_1.`)
  }
  return algorithm
}

/** The OAEP hash of an encryption algorithm. */
export function oaepHashOf(algorithm: Exclude<EncryptAlgorithm, 'SM2PKE'>): 'SHA-1' | 'SHA-256' {
  return algorithm === 'RSAES_OAEP_SHA_1' ? 'SHA-1' : 'SHA-256'
}
