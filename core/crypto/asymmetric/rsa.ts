/**
 * @module core/crypto/asymmetric/rsa
 *
 * RSA for asymmetric keys, BYOK and data-key export:
 *
 * | operation | implementation |
 * |---|---|
 * | key generation (2048/3072/4096, e = 65537) | WebCrypto `generateKey`, exported PKCS#8 / SPKI |
 * | RSASSA-PKCS1-v1_5 sign of a digest | DigestInfo ‖ digest, type-1 padding by the engine (BoringSSL/OpenSSL `RSA_private_encrypt`) |
 * | RSASSA-PSS sign of a digest | EMSA-PSS-ENCODE here (RFC 8017 §9.1.1, MGF1, salt = hash length) + the engine's raw private op |
 * | RSASSA-PKCS1-v1_5 / PSS verify of a digest | the engine's raw public op + EMSA encode-and-compare (§8.2.2) / EMSA-PSS-VERIFY (§9.1.2) here |
 * | RSAES-OAEP encrypt | WebCrypto |
 * | RSAES-OAEP decrypt | the engine (constant-time OAEP decoding in BoringSSL/OpenSSL) |
 * | RSAES-PKCS1-v1_5 encrypt | the engine |
 * | RSAES-PKCS1-v1_5 decrypt (BYOK only) | the engine's raw private op + a branch-free unpadding here that also checks the expected length, so bad padding and a wrong length look the same |
 *
 * Why the raw operations: see ./rsa-engine.ts (WebCrypto cannot sign a digest). The encodings
 * written here are small, public-data-only (except the PKCS#1 v1.5 decryption unpadding, written
 * without data-dependent branches) and checked against Wycheproof (rsa.test.ts) and against
 * OpenSSL, Node and WebCrypto in the integration tests.
 */
import { sha1 } from '@noble/hashes/legacy.js'
import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2.js'
import { concatBytes, fromHex, toArrayBuffer, zeroize } from '../bytes'
import type { RandomSource } from '../random'
import { bytesEqual } from './der'
import type { OaepHash, RsaEngine } from './rsa-engine'

export type RsaHashName = 'SHA-1' | 'SHA-224' | 'SHA-256' | 'SHA-384' | 'SHA-512'

const HASHES: Record<RsaHashName, (data: Uint8Array) => Uint8Array> = {
  'SHA-1': sha1,
  'SHA-224': sha224,
  'SHA-256': sha256,
  'SHA-384': sha384,
  'SHA-512': sha512,
}
const HASH_BYTES: Record<RsaHashName, number> = { 'SHA-1': 20, 'SHA-224': 28, 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 }

/** DER of DigestInfo up to the digest (RFC 8017 §9.2 note 1). */
const DIGEST_INFO_PREFIX: Record<RsaHashName, Uint8Array> = {
  'SHA-1': fromHex('3021300906052b0e03021a05000414')!,
  'SHA-224': fromHex('302d300d06096086480165030402040500041c')!,
  'SHA-256': fromHex('3031300d060960864801650304020105000420')!,
  'SHA-384': fromHex('3041300d060960864801650304020205000430')!,
  'SHA-512': fromHex('3051300d060960864801650304020305000440')!,
}

export const RSA_PUBLIC_EXPONENT = Uint8Array.of(1, 0, 1)

// Spelled out rather than named from the platform's globals: @cloudflare/workers-types declares
// CryptoKeyRsaKeyAlgorithm, CryptoKeyPair and JsonWebKey, @types/node only inside node:crypto.
type RsaAlgorithm = { name: string; modulusLength: number; publicExponent: ArrayBuffer | ArrayBufferView }
type KeyPair = { privateKey: CryptoKey; publicKey: CryptoKey }
type RsaJwk = { kty?: string; n?: string; e?: string; d?: string; p?: string; q?: string; dp?: string; dq?: string; qi?: string }

function exponentBytes(e: ArrayBuffer | ArrayBufferView): Uint8Array {
  return e instanceof ArrayBuffer ? new Uint8Array(e).slice() : new Uint8Array(e.buffer, e.byteOffset, e.byteLength).slice()
}

/** An RSA key pair in its stored encodings. */
export interface RsaKeyPair {
  pkcs8: Uint8Array
  spki: Uint8Array
}

/** Length of the modulus in bytes. */
export function modulusBytes(bits: number): number {
  return Math.ceil(bits / 8)
}

/** Largest RSAES-OAEP plaintext (RFC 8017 §7.1.1): k − 2·hLen − 2. */
export function oaepMaxPlaintext(bits: number, hash: 'SHA-1' | 'SHA-256'): number {
  return modulusBytes(bits) - 2 * HASH_BYTES[hash] - 2
}

/** Largest RSAES-PKCS1-v1_5 plaintext (RFC 8017 §7.2.1): k − 11. */
export function pkcs1MaxPlaintext(bits: number): number {
  return modulusBytes(bits) - 11
}

function leftPad(bytes: Uint8Array, length: number): Uint8Array {
  if (bytes.length === length) return bytes
  if (bytes.length > length) throw new RangeError('value longer than the modulus')
  const out = new Uint8Array(length)
  out.set(bytes, length - bytes.length)
  return out
}

/** MGF1 (RFC 8017 §B.2.1). */
export function mgf1(seed: Uint8Array, length: number, hash: RsaHashName): Uint8Array {
  const h = HASHES[hash]
  const out = new Uint8Array(length)
  const counter = new Uint8Array(4)
  for (let i = 0, offset = 0; offset < length; i++) {
    counter[0] = i >>> 24
    counter[1] = (i >>> 16) & 0xff
    counter[2] = (i >>> 8) & 0xff
    counter[3] = i & 0xff
    const block = h(concatBytes(seed, counter))
    out.set(block.subarray(0, Math.min(block.length, length - offset)), offset)
    offset += block.length
  }
  return out
}

/**
 * A fresh key pair from WebCrypto's generator (e = 65537).
 * @throws RangeError for an unsupported size
 */
export async function generateRsaKeyPair(bits: 2048 | 3072 | 4096): Promise<RsaKeyPair> {
  if (bits !== 2048 && bits !== 3072 && bits !== 4096) throw new RangeError('unsupported RSA size')
  const pair = (await crypto.subtle.generateKey(
    { name: 'RSA-PSS', modulusLength: bits, publicExponent: RSA_PUBLIC_EXPONENT, hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as KeyPair
  return {
    pkcs8: new Uint8Array((await crypto.subtle.exportKey('pkcs8', pair.privateKey)) as ArrayBuffer),
    spki: new Uint8Array((await crypto.subtle.exportKey('spki', pair.publicKey)) as ArrayBuffer),
  }
}

/** Size and exponent of an RSA public key (SPKI DER). */
export interface RsaPublicInfo {
  bits: number
  publicExponent: Uint8Array
}

/**
 * Parses and validates an RSA SPKI with WebCrypto (which rejects anything but a well-formed
 * rsaEncryption SubjectPublicKeyInfo).
 * @throws Error (WebCrypto DataError) when the bytes are not an RSA public key
 */
export async function rsaPublicInfo(spki: Uint8Array): Promise<RsaPublicInfo> {
  const key = await crypto.subtle.importKey('spki', toArrayBuffer(spki), { name: 'RSA-OAEP', hash: 'SHA-256' }, true, ['encrypt'])
  const algorithm = key.algorithm as unknown as RsaAlgorithm
  return { bits: algorithm.modulusLength, publicExponent: exponentBytes(algorithm.publicExponent) }
}

/**
 * Validates an imported RSA private key (PKCS#8 DER) of exactly `bits` bits with e = 65537,
 * re-encodes it canonically (WebCrypto export drops attributes and odd encodings), derives its
 * SPKI, and runs a pairwise-consistency test (sign a random digest, verify it). The caller
 * must zeroize `pkcs8` of the result.
 * @throws Error for anything malformed, of another size, or inconsistent
 */
export async function importRsaPkcs8(engine: RsaEngine, pkcs8: Uint8Array, bits: number, random: RandomSource): Promise<RsaKeyPair> {
  const raw = toArrayBuffer(pkcs8)
  let key: CryptoKey
  try {
    key = await crypto.subtle.importKey('pkcs8', raw, { name: 'RSA-PSS', hash: 'SHA-256' }, true, ['sign'])
  } finally {
    new Uint8Array(raw).fill(0)
  }
  const algorithm = key.algorithm as unknown as RsaAlgorithm
  if (algorithm.modulusLength !== bits) throw new Error('RSA key of the wrong size')
  if (!bytesEqual(exponentBytes(algorithm.publicExponent), RSA_PUBLIC_EXPONENT)) {
    throw new Error('RSA public exponent must be 65537')
  }
  const canonical = new Uint8Array((await crypto.subtle.exportKey('pkcs8', key)) as ArrayBuffer)
  const jwk = (await crypto.subtle.exportKey('jwk', key)) as RsaJwk
  const publicJwk = { kty: 'RSA', n: jwk.n, e: jwk.e }
  const publicKey = await crypto.subtle.importKey('jwk', publicJwk, { name: 'RSA-PSS', hash: 'SHA-256' }, true, ['verify'])
  jwk.d = jwk.p = jwk.q = jwk.dp = jwk.dq = jwk.qi = undefined
  const spki = new Uint8Array((await crypto.subtle.exportKey('spki', publicKey)) as ArrayBuffer)
  try {
    if (engine.modulusBits({ pkcs8: canonical }) !== bits) throw new Error('RSA key of the wrong size')
    const digest = random(32)
    const signature = rsaSignPkcs1Digest(engine, canonical, digest, 'SHA-256')
    if (!rsaVerifyPkcs1Digest(engine, spki, bits, digest, signature, 'SHA-256')) throw new Error('RSA key pair is inconsistent')
  } catch (err) {
    zeroize(canonical)
    throw err
  }
  return { pkcs8: canonical, spki }
}

/**
 * RSASSA-PKCS1-v1_5 signature of a digest (RFC 8017 §8.2.1 with EMSA-PKCS1-v1_5 §9.2).
 * @throws RangeError when the digest length does not match the hash; Error from the engine
 */
export function rsaSignPkcs1Digest(engine: RsaEngine, pkcs8: Uint8Array, digest: Uint8Array, hash: RsaHashName): Uint8Array {
  if (digest.length !== HASH_BYTES[hash]) throw new RangeError('digest length does not match the hash')
  return engine.privatePkcs1Sign(pkcs8, concatBytes(DIGEST_INFO_PREFIX[hash], digest))
}

/**
 * RSASSA-PKCS1-v1_5 verification of a digest by encode-and-compare (RFC 8017 §8.2.2): the only
 * accepted encoding is the one this service produces (DigestInfo with the NULL parameter).
 * Never throws for a bad signature.
 */
export function rsaVerifyPkcs1Digest(
  engine: RsaEngine,
  spki: Uint8Array,
  bits: number,
  digest: Uint8Array,
  signature: Uint8Array,
  hash: RsaHashName,
): boolean {
  const k = modulusBytes(bits)
  if (signature.length !== k || digest.length !== HASH_BYTES[hash]) return false
  const t = concatBytes(DIGEST_INFO_PREFIX[hash], digest)
  if (k < t.length + 11) return false
  let em: Uint8Array
  try {
    em = leftPad(engine.publicRaw(spki, signature), k)
  } catch {
    return false
  }
  const expected = new Uint8Array(k).fill(0xff)
  expected[0] = 0
  expected[1] = 1
  expected[k - t.length - 1] = 0
  expected.set(t, k - t.length)
  return bytesEqual(em, expected)
}

/**
 * EMSA-PSS-ENCODE (RFC 8017 §9.1.1) of a digest `mHash`, MGF1 with the same hash.
 * @throws RangeError when the modulus is too small for the digest and salt
 */
export function emsaPssEncode(mHash: Uint8Array, emBits: number, hash: RsaHashName, salt: Uint8Array): Uint8Array {
  const hLen = HASH_BYTES[hash]
  const emLen = Math.ceil(emBits / 8)
  if (mHash.length !== hLen) throw new RangeError('digest length does not match the hash')
  if (emLen < hLen + salt.length + 2) throw new RangeError('encoding error')
  const h = HASHES[hash](concatBytes(new Uint8Array(8), mHash, salt))
  const db = new Uint8Array(emLen - hLen - 1)
  db[emLen - salt.length - hLen - 2] = 0x01
  db.set(salt, emLen - salt.length - hLen - 1)
  const mask = mgf1(h, db.length, hash)
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!
  db[0]! &= 0xff >>> (8 * emLen - emBits)
  return concatBytes(db, h, Uint8Array.of(0xbc))
}

/**
 * RSASSA-PSS signature of a digest (RFC 8017 §8.1.1), salt of `saltLength` fresh random bytes.
 * @throws RangeError for a digest of the wrong length; Error from the engine
 */
export function rsaSignPssDigest(
  engine: RsaEngine,
  pkcs8: Uint8Array,
  bits: number,
  digest: Uint8Array,
  hash: RsaHashName,
  saltLength: number,
  random: RandomSource,
): Uint8Array {
  const salt = saltLength > 0 ? random(saltLength) : new Uint8Array(0)
  const em = emsaPssEncode(digest, bits - 1, hash, salt)
  return engine.privateRaw(pkcs8, leftPad(em, modulusBytes(bits)))
}

/**
 * RSASSA-PSS verification of a digest (RFC 8017 §8.1.2, EMSA-PSS-VERIFY §9.1.2) with a fixed
 * salt length. `mgfHash` defaults to `hash`. Never throws for a bad signature.
 */
export function rsaVerifyPssDigest(
  engine: RsaEngine,
  spki: Uint8Array,
  bits: number,
  digest: Uint8Array,
  signature: Uint8Array,
  hash: RsaHashName,
  saltLength: number,
  mgfHash: RsaHashName = hash,
): boolean {
  const k = modulusBytes(bits)
  const hLen = HASH_BYTES[hash]
  if (signature.length !== k || digest.length !== hLen) return false
  let m: Uint8Array
  try {
    m = leftPad(engine.publicRaw(spki, signature), k)
  } catch {
    return false
  }
  const emBits = bits - 1
  const emLen = Math.ceil(emBits / 8)
  // When emLen < k (modBits ≡ 1 mod 8) the integer's leading octet must be zero.
  for (let i = 0; i < k - emLen; i++) if (m[i] !== 0) return false
  const em = m.subarray(k - emLen)
  if (emLen < hLen + saltLength + 2 || em[emLen - 1] !== 0xbc) return false
  const maskedDb = em.subarray(0, emLen - hLen - 1)
  const h = em.subarray(emLen - hLen - 1, emLen - 1)
  const topMask = 0xff >>> (8 * emLen - emBits)
  if ((maskedDb[0]! & ~topMask) !== 0) return false
  const db = mgf1(h, maskedDb.length, mgfHash)
  for (let i = 0; i < db.length; i++) db[i]! ^= maskedDb[i]!
  db[0]! &= topMask
  const psLength = emLen - hLen - saltLength - 2
  for (let i = 0; i < psLength; i++) if (db[i] !== 0) return false
  if (db[psLength] !== 0x01) return false
  const salt = db.subarray(db.length - saltLength)
  return bytesEqual(h, HASHES[hash](concatBytes(new Uint8Array(8), digest, salt)))
}

/**
 * RSAES-OAEP encryption with WebCrypto (MGF1 over the same hash, empty label).
 * @throws RangeError when the plaintext exceeds the OAEP limit; Error (DataError) for a bad key
 */
export async function rsaOaepEncrypt(spki: Uint8Array, plaintext: Uint8Array, hash: 'SHA-1' | 'SHA-256'): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('spki', toArrayBuffer(spki), { name: 'RSA-OAEP', hash }, false, ['encrypt'])
  if (plaintext.length > oaepMaxPlaintext((key.algorithm as unknown as RsaAlgorithm).modulusLength, hash)) {
    throw new RangeError('plaintext too long for RSA-OAEP')
  }
  const input = toArrayBuffer(plaintext)
  try {
    return new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, key, input))
  } finally {
    new Uint8Array(input).fill(0)
  }
}

const OAEP_HASH: Record<'SHA-1' | 'SHA-256', OaepHash> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256' }

/**
 * RSAES-OAEP decryption. The caller must zeroize the result.
 * @throws Error (one kind, no detail) for any decryption failure
 */
export function rsaOaepDecrypt(
  engine: RsaEngine,
  pkcs8: Uint8Array,
  ciphertext: Uint8Array,
  hash: 'SHA-1' | 'SHA-256',
  label?: Uint8Array,
): Uint8Array {
  try {
    return engine.privateDecryptOaep(pkcs8, ciphertext, OAEP_HASH[hash], label)
  } catch {
    throw new Error('decryption failed')
  }
}

/**
 * RSAES-PKCS1-v1_5 encryption (for wrapping under a caller's public key only).
 * @throws RangeError when the plaintext exceeds k − 11; Error for a bad key
 */
export function rsaPkcs1Encrypt(engine: RsaEngine, spki: Uint8Array, bits: number, plaintext: Uint8Array): Uint8Array {
  if (plaintext.length > pkcs1MaxPlaintext(bits)) throw new RangeError('plaintext too long for RSAES-PKCS1-v1_5')
  return engine.publicEncryptPkcs1(spki, plaintext)
}

/** All ones (-1) when `a === b`, else 0, without a branch (0 ≤ a, b < 2^16). */
function ctEq(a: number, b: number): number {
  const x = (a ^ b) & 0xffff
  return -((x - 1) >>> 31) | 0
}

/**
 * RSAES-PKCS1-v1_5 decryption that must yield exactly `length` bytes (RFC 8017 §7.2.2). The
 * padding and length are checked without data-dependent branches and both failures give the
 * same `undefined`, so callers can return one uniform error (Bleichenbacher'98 / "Marvin"
 * hygiene; JavaScript timing is best effort, see the module header). The caller must zeroize
 * a defined result.
 */
export function rsaPkcs1DecryptExact(
  engine: RsaEngine,
  pkcs8: Uint8Array,
  bits: number,
  ciphertext: Uint8Array,
  length: number,
): Uint8Array | undefined {
  const k = modulusBytes(bits)
  if (ciphertext.length !== k || length > k - 11) return undefined
  let em: Uint8Array
  try {
    em = leftPad(engine.privateRaw(pkcs8, ciphertext), k)
  } catch {
    return undefined
  }
  let good = ctEq(em[0]!, 0) & ctEq(em[1]!, 2)
  let looking = 0xffffffff
  let zeroIndex = 0
  for (let i = 2; i < k; i++) {
    const isZero = ctEq(em[i]!, 0)
    zeroIndex |= looking & isZero & i
    looking &= ~isZero
  }
  good &= ~looking
  // At least 8 bytes of non-zero padding: the separator sits at index ≥ 10.
  good &= ~(((zeroIndex - 10) >> 31) & 0xffffffff)
  good &= ctEq(k - zeroIndex - 1, length)
  const out = em.slice(k - length)
  zeroize(em)
  if (good !== 0) return out
  zeroize(out)
  return undefined
}
