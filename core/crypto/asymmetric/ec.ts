/**
 * @module core/crypto/asymmetric/ec
 *
 * EC keys (`EC_P256` = NIST P-256, `EC_P256K` = secp256k1) and ECDSA over a caller-supplied
 * digest.
 *
 * Why @noble/curves and not WebCrypto for ECDSA: Alibaba's AsymmetricSign/Verify take the SHA-256
 * digest, but WebCrypto `sign`/`verify` always hash the message themselves; noble signs and
 * verifies a digest directly (`prehash: false`), works the same in workerd and Node, and covers
 * secp256k1, which WebCrypto does not have. Signatures are hedged (RFC 6979 k plus 32 fresh
 * random bytes, noble's `extraEntropy`) and low-S normalised, which every verifier accepts.
 *
 * Verification uses `lowS: false`: noble v2 defaults to rejecting high-S signatures, which would
 * refuse about half of the valid signatures made by WebCrypto, OpenSSL or an HSM
 * (security-checklist.md §0 item 3).
 *
 * Key formats: private keys are PKCS#8 (RFC 5208 + RFC 5915 ECPrivateKey, named curve, with the
 * public key), public keys SPKI (RFC 5480, uncompressed point) — the same bytes WebCrypto
 * exports for P-256. Imported keys are re-encoded into this canonical form.
 */
import { p256 } from '@noble/curves/nist.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { zeroize } from '../bytes'
import type { RandomSource } from '../random'
import { bytesEqual, decodeChildren, decodeOne, DerError, encodeTlv, TAG, type Tlv } from './der'

export type EcCurveName = 'P-256' | 'secp256k1'

const ID_EC_PUBLIC_KEY = Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01)
const CURVE_OIDS: Record<EcCurveName, Uint8Array> = {
  'P-256': Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07),
  secp256k1: Uint8Array.of(0x2b, 0x81, 0x04, 0x00, 0x0a),
}
const CURVES = { 'P-256': p256, secp256k1 } as const
const SCALAR_BYTES = 32
const POINT_BYTES = 65

/** An EC key pair in its stored encodings. */
export interface EcKeyPair {
  pkcs8: Uint8Array
  spki: Uint8Array
}

function algorithmIdentifier(curve: EcCurveName): Uint8Array {
  return encodeTlv(TAG.SEQUENCE, encodeTlv(TAG.OID, ID_EC_PUBLIC_KEY), encodeTlv(TAG.OID, CURVE_OIDS[curve]))
}

/** SPKI (RFC 5480) of an uncompressed point. */
export function encodeEcSpki(curve: EcCurveName, point: Uint8Array): Uint8Array {
  return encodeTlv(TAG.SEQUENCE, algorithmIdentifier(curve), encodeTlv(TAG.BIT_STRING, Uint8Array.of(0), point))
}

/** PKCS#8 of a scalar with its public point (the layout WebCrypto exports). */
export function encodeEcPkcs8(curve: EcCurveName, d: Uint8Array, point: Uint8Array): Uint8Array {
  const ecPrivateKey = encodeTlv(
    TAG.SEQUENCE,
    encodeTlv(TAG.INTEGER, Uint8Array.of(1)),
    encodeTlv(TAG.OCTET_STRING, d),
    encodeTlv(TAG.CONTEXT_1, encodeTlv(TAG.BIT_STRING, Uint8Array.of(0), point)),
  )
  return encodeTlv(
    TAG.SEQUENCE,
    encodeTlv(TAG.INTEGER, Uint8Array.of(0)),
    algorithmIdentifier(curve),
    encodeTlv(TAG.OCTET_STRING, ecPrivateKey),
  )
}

function assertAlgorithm(tlv: Tlv | undefined, curve: EcCurveName): void {
  if (!tlv || tlv.tag !== TAG.SEQUENCE) throw new DerError('algorithm identifier')
  const [oid, params, ...rest] = decodeChildren(tlv.value)
  if (!oid || oid.tag !== TAG.OID || !bytesEqual(oid.value, ID_EC_PUBLIC_KEY) || rest.length > 0) {
    throw new DerError('not an EC key')
  }
  // Named curves only (RFC 5480 §2.1.1): explicit parameters are refused.
  if (!params || params.tag !== TAG.OID || !bytesEqual(params.value, CURVE_OIDS[curve])) {
    throw new DerError('wrong or unnamed curve')
  }
}

/**
 * The uncompressed public point of an EC SPKI, validated on the curve.
 * @throws DerError when the SPKI is malformed, of another curve, or the point is invalid
 */
export function ecPointFromSpki(curve: EcCurveName, spki: Uint8Array): Uint8Array {
  const [alg, bits, ...rest] = decodeChildren(decodeOne(spki, TAG.SEQUENCE).value)
  assertAlgorithm(alg, curve)
  if (!bits || bits.tag !== TAG.BIT_STRING || rest.length > 0 || bits.value[0] !== 0) throw new DerError('public key bits')
  const point = bits.value.subarray(1)
  if (point.length !== POINT_BYTES || point[0] !== 0x04) throw new DerError('not an uncompressed point')
  try {
    CURVES[curve].Point.fromBytes(point).assertValidity()
  } catch {
    throw new DerError('point not on curve')
  }
  return point
}

/**
 * Parses an EC PKCS#8 private key (version 0 or 1, named curve, RFC 5915 inner structure),
 * checks the scalar is in [1, n-1] and that an embedded public key (if any) matches it, and
 * returns the canonical re-encoding. The caller must zeroize `pkcs8` of the result when done.
 * @throws DerError for anything malformed or inconsistent
 */
export function importEcPkcs8(curve: EcCurveName, pkcs8: Uint8Array): EcKeyPair {
  const d = ecScalarFromPkcs8(curve, pkcs8)
  try {
    const point = CURVES[curve].getPublicKey(d, false)
    return { pkcs8: encodeEcPkcs8(curve, d, point), spki: encodeEcSpki(curve, point) }
  } finally {
    zeroize(d)
  }
}

/**
 * The private scalar of an EC PKCS#8 key, validated (see {@link importEcPkcs8}). An embedded
 * public key is checked against the scalar unless `checkPublicKey` is false — for keys this
 * service encoded itself and reads back authenticated from the store, where the check would
 * only double the cost of signing (one more scalar multiplication).
 * The caller must zeroize the result.
 * @throws DerError for anything malformed or inconsistent
 */
export function ecScalarFromPkcs8(curve: EcCurveName, pkcs8: Uint8Array, checkPublicKey = true): Uint8Array {
  const [version, alg, privateKey, ...optional] = decodeChildren(decodeOne(pkcs8, TAG.SEQUENCE).value)
  if (!version || version.tag !== TAG.INTEGER || version.value.length !== 1 || version.value[0]! > 1) {
    throw new DerError('PKCS#8 version')
  }
  assertAlgorithm(alg, curve)
  if (!privateKey || privateKey.tag !== TAG.OCTET_STRING) throw new DerError('PKCS#8 privateKey')
  // [0] attributes and (RFC 5958 v2) [1] IMPLICIT publicKey may follow; they carry nothing we use.
  for (const o of optional) if (o.tag !== TAG.CONTEXT_0 && o.tag !== 0x81) throw new DerError('PKCS#8 extra field')
  const [ecVersion, scalar, ...ecOptional] = decodeChildren(decodeOne(privateKey.value, TAG.SEQUENCE).value)
  if (!ecVersion || ecVersion.tag !== TAG.INTEGER || ecVersion.value.length !== 1 || ecVersion.value[0] !== 1) {
    throw new DerError('ECPrivateKey version')
  }
  if (!scalar || scalar.tag !== TAG.OCTET_STRING || scalar.value.length !== SCALAR_BYTES) {
    throw new DerError('ECPrivateKey scalar')
  }
  const d = scalar.value.slice()
  if (!CURVES[curve].utils.isValidSecretKey(d)) {
    zeroize(d)
    throw new DerError('scalar out of range')
  }
  let seen = 0
  for (const o of ecOptional) {
    if (o.tag === TAG.CONTEXT_0 && seen < 1) {
      const oid = decodeOne(o.value, TAG.OID)
      if (!bytesEqual(oid.value, CURVE_OIDS[curve])) throw new DerError('ECPrivateKey parameters')
      seen = 1
    } else if (o.tag === TAG.CONTEXT_1 && seen < 2) {
      const bits = decodeOne(o.value, TAG.BIT_STRING)
      const expected = checkPublicKey ? CURVES[curve].getPublicKey(d, false) : bits.value.subarray(1)
      if (bits.value[0] !== 0 || !bytesEqual(bits.value.subarray(1), expected)) {
        zeroize(d)
        throw new DerError('embedded public key does not match the private key')
      }
      seen = 2
    } else {
      zeroize(d)
      throw new DerError('ECPrivateKey extra field')
    }
  }
  return d
}

/**
 * A fresh key pair. P-256 comes from WebCrypto's generator; secp256k1 (absent from WebCrypto)
 * from noble, seeded with 48 bytes of `random` (FIPS 186-5 A.2.1 style reduction, no bias).
 * @throws KmsError internal when the random source fails its health check
 */
export async function generateEcKeyPair(curve: EcCurveName, random: RandomSource): Promise<EcKeyPair> {
  if (curve === 'P-256') {
    const algorithm = { name: 'ECDSA', namedCurve: 'P-256' }
    const pair = (await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as { privateKey: CryptoKey; publicKey: CryptoKey }
    const exported = new Uint8Array((await crypto.subtle.exportKey('pkcs8', pair.privateKey)) as ArrayBuffer)
    try {
      return importEcPkcs8(curve, exported)
    } finally {
      zeroize(exported)
    }
  }
  const seed = random(48)
  const d = secp256k1.utils.randomSecretKey(seed)
  zeroize(seed)
  try {
    const point = secp256k1.getPublicKey(d, false)
    return { pkcs8: encodeEcPkcs8(curve, d, point), spki: encodeEcSpki(curve, point) }
  } finally {
    zeroize(d)
  }
}

/**
 * ECDSA over a 32-byte SHA-256 digest, DER-encoded (as Alibaba returns it), low-S, hedged.
 * `pkcs8` must be a key this service stored (canonical, see {@link importEcPkcs8}).
 * @throws DerError when the stored key is malformed; RangeError when the digest is not 32 bytes
 */
export function ecdsaSignDigest(curve: EcCurveName, pkcs8: Uint8Array, digest: Uint8Array, random: RandomSource): Uint8Array {
  if (digest.length !== 32) throw new RangeError('digest must be 32 bytes')
  const d = ecScalarFromPkcs8(curve, pkcs8, false)
  try {
    return CURVES[curve].sign(digest, d, { prehash: false, lowS: true, format: 'der', extraEntropy: random(32) })
  } finally {
    zeroize(d)
  }
}

/**
 * Verifies an ECDSA signature over a digest. `format` is `der` (Alibaba, OpenSSL) or `compact`
 * (IEEE P1363 r‖s, WebCrypto). High-S signatures are accepted. Never throws for a bad
 * signature: anything malformed is simply `false`.
 * @throws DerError when `spki` is not a valid key of `curve`
 */
export function ecdsaVerifyDigest(
  curve: EcCurveName,
  spki: Uint8Array,
  digest: Uint8Array,
  signature: Uint8Array,
  format: 'der' | 'compact' = 'der',
): boolean {
  const point = ecPointFromSpki(curve, spki)
  try {
    return CURVES[curve].verify(signature, digest, point, { prehash: false, lowS: false, format })
  } catch {
    return false
  }
}
