/**
 * @module core/crypto/sm/sm2
 *
 * SM2 (GB/T 32918 / GM/T 0003) keys, signatures over a caller-supplied digest, and public-key
 * encryption, for the `EC_SM2` key spec (`SM2DSA`, `SM2PKE`).
 *
 * The curve arithmetic, SM2 signing/verification equations, the SM2 KDF and SM3 are the npm
 * package `sm-crypto-v2` (built on @noble/curves and @noble/hashes). What this module adds is
 * the strict byte handling around it, where that package is lenient:
 *
 * - Keys: PKCS#8 / SPKI with `id-ecPublicKey` and the named curve `sm2p256v1`
 *   (1.2.156.10197.1.301), the encoding OpenSSL 3 and Alibaba's GetPublicKey use; strict DER
 *   (./../asymmetric/der.ts), the scalar checked in [1, n-1], points validated on the curve.
 * - Signatures: DER `SEQUENCE { r INTEGER, s INTEGER }` (GM/T 0009), minimal encodings only, and
 *   r, s in [1, n-1] (GB/T 32918.2 §7.1 B1–B2; the package would accept s + n). The per-signature
 *   nonce k is drawn from the service's health-checked random source.
 * - `Digest` is e = SM3(Z_A ‖ M), computed by the caller as Alibaba documents for AsymmetricSign
 *   (Z_A per GB/T 32918.2 §5.5 with the default distinguishing identifier `1234567812345678` of
 *   GM/T 0009 — {@link sm2Z} computes it for callers and tests).
 * - Ciphertext: GM/T 0009 ASN.1 `SEQUENCE { XCoordinate INTEGER, YCoordinate INTEGER,
 *   HASH OCTET STRING (32), CipherText OCTET STRING }` (C1‖C3‖C2 order), parsed strictly; a
 *   failure of any kind is one `Sm2DecryptError`.
 */
import { sm2 as lib } from 'sm-crypto-v2'
import { fromHex, toHex, zeroize } from '../bytes'
import type { RandomSource } from '../random'
import { bytesEqual, decodeChildren, decodeOne, DerError, encodeTlv, TAG, type Tlv } from '../asymmetric/der'

/** Order n of the SM2 base point. */
export const SM2_N = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123')
/** Field prime p of sm2p256v1. */
export const SM2_P = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF')
/** The default distinguishing identifier (GM/T 0009-2012 §10; OpenSSL's default too). */
export const SM2_DEFAULT_ID = '1234567812345678'

const ID_EC_PUBLIC_KEY = Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01)
const SM2_CURVE_OID = Uint8Array.of(0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d)
const POINT_BYTES = 65

/** Decryption failed (malformed ciphertext, point off the curve, C3 mismatch): one error for all. */
export class Sm2DecryptError extends Error {
  constructor() {
    super('SM2 decryption failed')
    this.name = 'Sm2DecryptError'
  }
}

export interface Sm2KeyPair {
  pkcs8: Uint8Array
  spki: Uint8Array
}

function bytesToBigInt(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt(`0x${toHex(b)}`)
}

function bigIntTo32(x: bigint): Uint8Array {
  return fromHex(x.toString(16).padStart(64, '0'))!
}

function hex32(x: bigint): string {
  return x.toString(16).padStart(64, '0')
}

/** A positive DER INTEGER (minimal, a leading 0x00 only when the high bit is set). */
function encodeUint(x: bigint): Uint8Array {
  let h = x.toString(16)
  if (h.length % 2) h = `0${h}`
  let b = fromHex(h)!
  if (b[0]! & 0x80) b = Uint8Array.of(0, ...b)
  return encodeTlv(TAG.INTEGER, b)
}

/** Reads a non-negative, minimally encoded DER INTEGER. */
function readUint(tlv: Tlv | undefined): bigint {
  if (!tlv || tlv.tag !== TAG.INTEGER || tlv.value.length === 0) throw new DerError('integer')
  const v = tlv.value
  if (v[0]! & 0x80) throw new DerError('negative integer')
  if (v.length > 1 && v[0] === 0 && !(v[1]! & 0x80)) throw new DerError('non-minimal integer')
  return bytesToBigInt(v)
}

function algorithmIdentifier(): Uint8Array {
  return encodeTlv(TAG.SEQUENCE, encodeTlv(TAG.OID, ID_EC_PUBLIC_KEY), encodeTlv(TAG.OID, SM2_CURVE_OID))
}

function assertAlgorithm(tlv: Tlv | undefined): void {
  if (!tlv || tlv.tag !== TAG.SEQUENCE) throw new DerError('algorithm identifier')
  const [oid, params, ...rest] = decodeChildren(tlv.value)
  if (!oid || oid.tag !== TAG.OID || !bytesEqual(oid.value, ID_EC_PUBLIC_KEY) || rest.length > 0) {
    throw new DerError('not an EC key')
  }
  if (!params || params.tag !== TAG.OID || !bytesEqual(params.value, SM2_CURVE_OID)) throw new DerError('not an SM2 key')
}

/** Whether `point` (65 bytes, uncompressed) is a valid point of the SM2 curve (not infinity). */
function isValidPoint(point: Uint8Array): boolean {
  if (point.length !== POINT_BYTES || point[0] !== 0x04) return false
  try {
    return lib.verifyPublicKey(toHex(point))
  } catch {
    return false
  }
}

function publicPointOf(d: bigint): Uint8Array {
  return fromHex(lib.getPublicKeyFromPrivateKey(hex32(d)))!
}

/** SPKI of an uncompressed SM2 point. */
export function encodeSm2Spki(point: Uint8Array): Uint8Array {
  return encodeTlv(TAG.SEQUENCE, algorithmIdentifier(), encodeTlv(TAG.BIT_STRING, Uint8Array.of(0), point))
}

/** PKCS#8 (RFC 5915 ECPrivateKey inside) of a scalar with its public point. */
export function encodeSm2Pkcs8(d: Uint8Array, point: Uint8Array): Uint8Array {
  const ecPrivateKey = encodeTlv(
    TAG.SEQUENCE,
    encodeTlv(TAG.INTEGER, Uint8Array.of(1)),
    encodeTlv(TAG.OCTET_STRING, d),
    encodeTlv(TAG.CONTEXT_1, encodeTlv(TAG.BIT_STRING, Uint8Array.of(0), point)),
  )
  return encodeTlv(TAG.SEQUENCE, encodeTlv(TAG.INTEGER, Uint8Array.of(0)), algorithmIdentifier(), encodeTlv(TAG.OCTET_STRING, ecPrivateKey))
}

/**
 * The uncompressed public point of an SM2 SPKI, validated on the curve.
 * @throws DerError when malformed, not SM2, or the point is invalid
 */
export function sm2PointFromSpki(spki: Uint8Array): Uint8Array {
  const [alg, bits, ...rest] = decodeChildren(decodeOne(spki, TAG.SEQUENCE).value)
  assertAlgorithm(alg)
  if (!bits || bits.tag !== TAG.BIT_STRING || rest.length > 0 || bits.value[0] !== 0) throw new DerError('public key bits')
  const point = bits.value.subarray(1)
  if (!isValidPoint(point)) throw new DerError('not a valid SM2 point')
  return point
}

/**
 * The private scalar of an SM2 PKCS#8 key, checked in [1, n-1]; an embedded public key must
 * match it. The caller must zeroize the result.
 * @throws DerError for anything malformed or inconsistent
 */
export function sm2ScalarFromPkcs8(pkcs8: Uint8Array, checkPublicKey = true): Uint8Array {
  const [version, alg, privateKey, ...optional] = decodeChildren(decodeOne(pkcs8, TAG.SEQUENCE).value)
  if (!version || version.tag !== TAG.INTEGER || version.value.length !== 1 || version.value[0]! > 1) {
    throw new DerError('PKCS#8 version')
  }
  assertAlgorithm(alg)
  if (!privateKey || privateKey.tag !== TAG.OCTET_STRING) throw new DerError('PKCS#8 privateKey')
  for (const o of optional) if (o.tag !== TAG.CONTEXT_0 && o.tag !== 0x81) throw new DerError('PKCS#8 extra field')
  const [ecVersion, scalar, ...ecOptional] = decodeChildren(decodeOne(privateKey.value, TAG.SEQUENCE).value)
  if (!ecVersion || ecVersion.tag !== TAG.INTEGER || ecVersion.value.length !== 1 || ecVersion.value[0] !== 1) {
    throw new DerError('ECPrivateKey version')
  }
  if (!scalar || scalar.tag !== TAG.OCTET_STRING || scalar.value.length !== 32) throw new DerError('ECPrivateKey scalar')
  const d = scalar.value.slice()
  const dn = bytesToBigInt(d)
  // GB/T 32918.1 §6.1: d in [1, n-2] (d = n-1 has no inverse of 1 + d in signing).
  if (dn < 1n || dn > SM2_N - 2n) {
    zeroize(d)
    throw new DerError('scalar out of range')
  }
  for (const o of ecOptional) {
    if (o.tag === TAG.CONTEXT_0) {
      if (!bytesEqual(decodeOne(o.value, TAG.OID).value, SM2_CURVE_OID)) {
        zeroize(d)
        throw new DerError('ECPrivateKey parameters')
      }
    } else if (o.tag === TAG.CONTEXT_1) {
      if (!checkPublicKey) continue
      const bits = decodeOne(o.value, TAG.BIT_STRING)
      if (bits.value[0] !== 0 || !bytesEqual(bits.value.subarray(1), publicPointOf(dn))) {
        zeroize(d)
        throw new DerError('embedded public key does not match the private key')
      }
    } else {
      zeroize(d)
      throw new DerError('ECPrivateKey extra field')
    }
  }
  return d
}

/** Re-encodes a valid SM2 PKCS#8 key canonically with its SPKI. The caller zeroizes `pkcs8`. */
export function importSm2Pkcs8(pkcs8: Uint8Array): Sm2KeyPair {
  const d = sm2ScalarFromPkcs8(pkcs8)
  try {
    const point = publicPointOf(bytesToBigInt(d))
    return { pkcs8: encodeSm2Pkcs8(d, point), spki: encodeSm2Spki(point) }
  } finally {
    zeroize(d)
  }
}

/** A scalar in [1, n-2] from 48 bytes of `random` (reduction of a 384-bit value: bias < 2^-128). */
function randomScalar(random: RandomSource): bigint {
  const seed = random(48)
  try {
    return (bytesToBigInt(seed) % (SM2_N - 2n)) + 1n
  } finally {
    zeroize(seed)
  }
}

/** A fresh SM2 key pair from the service's random source. The caller must zeroize `pkcs8`. */
export function generateSm2KeyPair(random: RandomSource): Sm2KeyPair {
  const dn = randomScalar(random)
  const d = bigIntTo32(dn)
  try {
    const point = publicPointOf(dn)
    return { pkcs8: encodeSm2Pkcs8(d, point), spki: encodeSm2Spki(point) }
  } finally {
    zeroize(d)
  }
}

/**
 * Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A) (GB/T 32918.2 §5.5) of the key in `spki`.
 * @throws DerError when `spki` is not a valid SM2 key
 */
export function sm2Z(spki: Uint8Array, id: string = SM2_DEFAULT_ID): Uint8Array {
  return Uint8Array.from(lib.getZ(toHex(sm2PointFromSpki(spki)), id))
}

/**
 * An SM2 signature (DER) of the 32-byte e = SM3(Z_A ‖ M).
 * @throws DerError when the stored key is malformed; RangeError when e is not 32 bytes
 */
export function sm2SignDigest(pkcs8: Uint8Array, digest: Uint8Array, random: RandomSource): Uint8Array {
  if (digest.length !== 32) throw new RangeError('digest must be 32 bytes')
  const d = sm2ScalarFromPkcs8(pkcs8, false)
  try {
    const k = randomScalar(random)
    const x1 = bytesToBigInt(publicPointOf(k).subarray(1, 33))
    const rs = lib.doSignature(digest, toHex(d), { der: false, hash: false, pointPool: [{ k, x1 }] })
    const r = BigInt(`0x${rs.slice(0, 64)}`)
    const s = BigInt(`0x${rs.slice(64)}`)
    return encodeTlv(TAG.SEQUENCE, encodeUint(r), encodeUint(s))
  } finally {
    zeroize(d)
  }
}

/**
 * Verifies a DER SM2 signature over e. Anything malformed or out of range is `false`.
 * @throws DerError when `spki` is not a valid SM2 key
 */
export function sm2VerifyDigest(spki: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean {
  const point = sm2PointFromSpki(spki)
  if (digest.length !== 32) return false
  let r: bigint
  let s: bigint
  try {
    const [rt, st, ...rest] = decodeChildren(decodeOne(signature, TAG.SEQUENCE).value)
    if (rest.length > 0) return false
    r = readUint(rt)
    s = readUint(st)
  } catch {
    return false
  }
  if (r < 1n || r >= SM2_N || s < 1n || s >= SM2_N) return false
  try {
    return lib.doVerifySignature(digest, hex32(r) + hex32(s), toHex(point), { der: false, hash: false })
  } catch {
    return false
  }
}

/** Whether the key stream C2 ⊕ M is all zeros, without branching on its bytes. */
function isZeroKeyStream(c2: Uint8Array, m: Uint8Array): boolean {
  let acc = 0
  for (let i = 0; i < c2.length; i++) acc |= c2[i]! ^ m[i]!
  return acc === 0
}

/** SM2 encryption (GM/T 0003.4) of `plaintext` to the key in `spki`, GM/T 0009 DER (C1 C3 C2). */
export function sm2Encrypt(spki: Uint8Array, plaintext: Uint8Array): Uint8Array {
  if (plaintext.length === 0) throw new RangeError('plaintext must not be empty')
  const point = sm2PointFromSpki(spki)
  let raw: Uint8Array
  // GM/T 0003.4 step A5: a key stream t = KDF(x2 ‖ y2, klen) of all zeros means "choose another
  // k". The package does not retry, and OpenSSL (like our decrypt) refuses such a ciphertext —
  // with a 1-byte plaintext that is 1 encryption in 256. t = C2 ⊕ M, so it is checked here.
  do {
    // Non-ASN.1 output of the package: x1 ‖ y1 ‖ C3 ‖ C2 in hex (cipherMode 1 = C1C3C2).
    raw = fromHex(lib.doEncrypt(plaintext, toHex(point), 1))!
  } while (isZeroKeyStream(raw.subarray(96), plaintext))
  const x = bytesToBigInt(raw.subarray(0, 32))
  const y = bytesToBigInt(raw.subarray(32, 64))
  return encodeTlv(
    TAG.SEQUENCE,
    encodeUint(x),
    encodeUint(y),
    encodeTlv(TAG.OCTET_STRING, raw.subarray(64, 96)),
    encodeTlv(TAG.OCTET_STRING, raw.subarray(96)),
  )
}

/**
 * SM2 decryption of a GM/T 0009 DER ciphertext.
 * @throws Sm2DecryptError for every failure caused by the ciphertext
 * @throws DerError when the stored private key is malformed
 */
export function sm2Decrypt(pkcs8: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  let x: bigint
  let y: bigint
  let c3: Uint8Array
  let c2: Uint8Array
  try {
    const [xt, yt, ht, ct, ...rest] = decodeChildren(decodeOne(ciphertext, TAG.SEQUENCE).value)
    if (rest.length > 0 || !ht || ht.tag !== TAG.OCTET_STRING || !ct || ct.tag !== TAG.OCTET_STRING) throw new DerError('fields')
    x = readUint(xt)
    y = readUint(yt)
    c3 = ht.value
    c2 = ct.value
  } catch {
    throw new Sm2DecryptError()
  }
  if (x >= SM2_P || y >= SM2_P || c3.length !== 32 || c2.length === 0) throw new Sm2DecryptError()
  const c1 = fromHex(`04${hex32(x)}${hex32(y)}`)!
  if (!isValidPoint(c1)) throw new Sm2DecryptError()
  const d = sm2ScalarFromPkcs8(pkcs8, false)
  try {
    const out = lib.doDecrypt(`${hex32(x)}${hex32(y)}${toHex(c3)}${toHex(c2)}`, toHex(d), 1, { output: 'array' })
    if (!(out instanceof Uint8Array) || out.length !== c2.length) throw new Sm2DecryptError()
    // GM/T 0003.4 step B4: a key stream of all zeros is an error (OpenSSL refuses it too).
    if (isZeroKeyStream(c2, out)) {
      zeroize(out)
      throw new Sm2DecryptError()
    }
    return Uint8Array.from(out)
  } catch {
    throw new Sm2DecryptError()
  } finally {
    zeroize(d)
  }
}
