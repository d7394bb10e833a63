/**
 * @module hsm-bridge/der
 *
 * The little DER (ITU-T X.690) the bridge needs: SubjectPublicKeyInfo (RFC 5280 §4.1) for RSA
 * (RFC 8017 A.1.1) and P-256 (RFC 5480 §2), and ECDSA signatures as `Ecdsa-Sig-Value`
 * (RFC 3279 §2.2.3) converted from and to the raw r‖s form PKCS#11 `CKM_ECDSA` uses.
 */

/** DER of OID 1.2.840.10045.3.1.7 (secp256r1 / prime256v1), the value of CKA_EC_PARAMS. */
export const P256_EC_PARAMS = Buffer.from('06082a8648ce3d030107', 'hex')
/** DER of OID 1.2.840.10045.2.1 (id-ecPublicKey). */
const OID_EC_PUBLIC_KEY = Buffer.from('06072a8648ce3d0201', 'hex')
/** DER of OID 1.2.840.113549.1.1.1 (rsaEncryption). */
const OID_RSA_ENCRYPTION = Buffer.from('06092a864886f70d010101', 'hex')
const DER_NULL = Buffer.from('0500', 'hex')

/** RFC 8017 §9.2 note 1: the DER DigestInfo prefix for SHA-256, prepended for CKM_RSA_PKCS. */
export const SHA256_DIGEST_INFO_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex')

const P256_FIELD_BYTES = 32

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length])
  const bytes: number[] = []
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

function tlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content])
}

function sequence(...parts: Uint8Array[]): Buffer {
  return tlv(0x30, Buffer.concat(parts))
}

/** INTEGER from an unsigned big-endian magnitude (leading zeros stripped, sign byte added). */
function unsignedInteger(magnitude: Uint8Array): Buffer {
  let start = 0
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++
  const trimmed = Buffer.from(magnitude.subarray(start))
  if (trimmed.length === 0) return tlv(0x02, Buffer.from([0]))
  return tlv(0x02, trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed)
}

function bitString(bytes: Uint8Array): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([0]), bytes]))
}

/**
 * SubjectPublicKeyInfo for an RSA public key from CKA_MODULUS and CKA_PUBLIC_EXPONENT.
 *
 * @throws {RangeError} when either value is empty.
 */
export function rsaSpki(modulus: Uint8Array, publicExponent: Uint8Array): Buffer {
  if (modulus.length === 0 || publicExponent.length === 0) throw new RangeError('empty RSA value')
  const rsaPublicKey = sequence(unsignedInteger(modulus), unsignedInteger(publicExponent))
  return sequence(sequence(OID_RSA_ENCRYPTION, DER_NULL), bitString(rsaPublicKey))
}

/**
 * SubjectPublicKeyInfo for a P-256 public key given as an uncompressed point (0x04‖X‖Y).
 *
 * @throws {RangeError} when the point is not 65 bytes starting with 0x04.
 */
export function p256Spki(point: Uint8Array): Buffer {
  if (point.length !== 1 + 2 * P256_FIELD_BYTES || point[0] !== 0x04) {
    throw new RangeError('expected an uncompressed P-256 point')
  }
  return sequence(sequence(OID_EC_PUBLIC_KEY, P256_EC_PARAMS), bitString(point))
}

/**
 * The uncompressed point inside CKA_EC_POINT. PKCS#11 v2.40 says the value is a DER OCTET STRING
 * wrapping the point (SoftHSM does this); some modules return the bare point, so both are
 * accepted. A bare 65-byte point cannot be confused with the wrapped form (67 bytes, 04 41 …).
 *
 * @throws {RangeError} for any other shape.
 */
export function ecPointFromAttribute(value: Uint8Array): Buffer {
  const len = 1 + 2 * P256_FIELD_BYTES
  if (value.length === len + 2 && value[0] === 0x04 && value[1] === len && value[2] === 0x04) {
    return Buffer.from(value.subarray(2))
  }
  if (value.length === len && value[0] === 0x04) return Buffer.from(value)
  throw new RangeError('unexpected CKA_EC_POINT encoding')
}

/**
 * DER `Ecdsa-Sig-Value` from raw r‖s (P1363), as returned by PKCS#11 `CKM_ECDSA`.
 *
 * @throws {RangeError} when `raw` is empty or has odd length.
 */
export function ecdsaRawToDer(raw: Uint8Array): Buffer {
  if (raw.length === 0 || raw.length % 2 !== 0) throw new RangeError('raw ECDSA signature length')
  const half = raw.length / 2
  return sequence(unsignedInteger(raw.subarray(0, half)), unsignedInteger(raw.subarray(half)))
}

/**
 * Raw r‖s (each left-padded to `fieldBytes`) from a strict DER `Ecdsa-Sig-Value`. Returns
 * undefined for anything that is not minimal DER with two positive integers that fit, or that
 * has trailing bytes; a verifier treats that as an invalid signature.
 *
 * @throws never
 */
export function ecdsaDerToRaw(der: Uint8Array, fieldBytes = P256_FIELD_BYTES): Buffer | undefined {
  // Short-form lengths suffice: the longest P-256 value is 2 + 2 * (2 + 33) = 72 bytes.
  if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2 || der[1]! >= 0x80) {
    return undefined
  }
  const out = Buffer.alloc(2 * fieldBytes)
  let offset = 2
  for (let i = 0; i < 2; i++) {
    if (der[offset] !== 0x02) return undefined
    const len = der[offset + 1]
    if (len === undefined || len === 0 || len >= 0x80 || offset + 2 + len > der.length) {
      return undefined
    }
    const value = der.subarray(offset + 2, offset + 2 + len)
    if (value[0]! & 0x80) return undefined // negative
    if (value.length > 1 && value[0] === 0 && !(value[1]! & 0x80)) return undefined // not minimal
    const magnitude = value[0] === 0 ? value.subarray(1) : value
    if (magnitude.length > fieldBytes || magnitude.every((b) => b === 0)) return undefined
    out.set(magnitude, (i + 1) * fieldBytes - magnitude.length)
    offset += 2 + len
  }
  return offset === der.length ? out : undefined
}

/**
 * Bit length of an unsigned big-endian integer (e.g. CKA_MODULUS).
 *
 * @throws never
 */
export function bitLength(magnitude: Uint8Array): number {
  let i = 0
  while (i < magnitude.length && magnitude[i] === 0) i++
  if (i === magnitude.length) return 0
  return (magnitude.length - i - 1) * 8 + (32 - Math.clz32(magnitude[i]!))
}
