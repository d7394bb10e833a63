/**
 * @module core/crypto/envelope
 *
 * The self-describing ciphertext blob of symmetric keys: the `CiphertextBlob` returned by
 * Encrypt / GenerateDataKey and accepted by Decrypt (base64 of these bytes on the wire).
 *
 * Format version 1 (all integers are single bytes; UUIDs are their 16 RFC 9562 bytes, i.e. the
 * 32 hex digits of the canonical string in order):
 *
 * Suite 0x01 — software key, per-message derived key (implemented here):
 *
 * ```
 * offset  len  field
 * 0       1    format version = 0x01
 * 1       1    suite = 0x01  (HKDF-SHA256 per-message key + AES-256-GCM)
 * 2       16   key id          (UUID bytes)
 * 18      16   key version id  (UUID bytes)
 * 34      32   salt            (CSPRNG)
 * 66      12   iv              (CSPRNG)
 * 78      n    ciphertext
 * 78+n    16   GCM tag
 * ```
 *
 *   message key = HKDF-SHA256(IKM  = the 32-byte key-version material,
 *                             salt = salt,
 *                             info = UTF-8 "edge-kms/blob/v1" || key id (16) || version id (16),
 *                             L    = 32)
 *   AAD         = header bytes 0..77 || canonicalEncryptionContext(context)
 *
 * Suite 0x02 — HSM-held keys (AES-256-GCM directly inside the HSM, no salt). Only its header is
 * understood here ({@link parseBlobHeader}); core/domain/keys/hsm/blob.ts seals and opens these
 * blobs through the HSM bridge:
 *
 * ```
 * offset  len  field
 * 0       1    format version = 0x01
 * 1       1    suite = 0x02  (AES-256-GCM with the HSM-resident key)
 * 2       16   key id
 * 18      16   key version id
 * 34      12   iv
 * 46      n    ciphertext
 * 46+n    16   GCM tag
 * ```
 *
 *   AAD = header bytes 0..33 || canonicalEncryptionContext(context)
 *   The IV is left out of the AAD because the HSM chooses it during the encrypt call (the bridge
 *   returns `{iv, ciphertext}`); GCM binds the IV to the tag anyway.
 *
 * Suite 0x03 — software `Aliyun_SM4` key, per-message derived key: the layout, the AAD and the
 * checks of suite 0x01, with the Chinese national algorithms in place of SHA-256 and AES:
 *
 * ```
 * offset  len  field
 * 0       1    format version = 0x01
 * 1       1    suite = 0x03  (HKDF-SM3 per-message key + SM4-GCM, RFC 8998)
 * 2       16   key id
 * 18      16   key version id
 * 34      32   salt            (CSPRNG)
 * 66      12   iv              (CSPRNG)
 * 78      n    ciphertext
 * 78+n    16   GCM tag
 * ```
 *
 *   message key = HKDF-SM3(IKM  = the 16-byte key-version material (SM4 keys are 128 bits,
 *                                 the length BYOK imports for Aliyun_SM4),
 *                          salt = salt,
 *                          info = UTF-8 "edge-kms/blob/v1/sm4" || key id (16) || version id (16),
 *                          L    = 16)
 *   AAD         = header bytes 0..77 || canonicalEncryptionContext(context)
 *
 * SM3 and SM4-GCM come from core/crypto/sm/ (the npm package sm-crypto-v2); the envelope logic
 * (header, derivation, AAD, checks) is this module's, shared with suite 0x01.
 *
 * Suite 0x05 — external keys (XKS proxy, Origin=EXTERNAL_KEY_STORE): double encryption, a
 * software layer as in suite 0x01 under a KMS-held per-key layer key, then the external key
 * manager's AES-GCM. Sealed and opened by core/domain/keys/external/blob.ts (layout there);
 * here only its header is understood ({@link parseBlobHeader}: key id and version id at the
 * same offsets, `headerLength` 79 = the fixed part up to the metadata length byte).
 *
 * Why a per-message key: NIST SP 800-38D §8.3 caps a key used with random 96-bit IVs at 2^32
 * invocations (beyond that, an IV collision, which reveals the GHASH key and the XOR of two
 * plaintexts, becomes more likely than 2^-32). A busy KMS key could exceed that. With suite 0x01
 * every AES key is derived from a fresh 256-bit salt and used for exactly one invocation, so the
 * bound is never approached; key-version material itself is only ever used as HKDF input.
 * The header is authenticated as AAD, so key id, version, suite and salt cannot be swapped.
 *
 * Blobs larger than {@link MAX_BLOB_BYTES} are rejected. Every open failure (malformed header,
 * wrong key, wrong context, bad tag) surfaces as the same `invalidCiphertext()` error.
 */

import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { invalidCiphertext } from '../errors'
import { aesGcmOpen, aesGcmSeal, GCM_IV_BYTES, GCM_TAG_BYTES } from './aead'
import { concatBytes, fromHex, toHex, utf8, zeroize } from './bytes'
import { canonicalEncryptionContext } from './context'
import { checkRandomOutput, randomBytes, type RandomSource } from './random'
import { hkdfSm3 } from './sm/sm3'
import { SM4_KEY_BYTES, sm4GcmOpen, sm4GcmSeal } from './sm/sm4'

/** The only blob format version. */
export const BLOB_FORMAT_VERSION = 0x01
/** Suite: HKDF-SHA256 per-message key + AES-256-GCM (software keys). */
export const SUITE_SOFTWARE_HKDF_AES256GCM = 0x01
/** Suite: AES-256-GCM with an HSM-resident key (HSM keys: sealed and opened by core/domain/keys/hsm/blob.ts; only its header is parsed here). */
export const SUITE_HSM_AES256GCM = 0x02
/** Suite: HKDF-SM3 per-message key + SM4-GCM (software Aliyun_SM4 keys). */
export const SUITE_SOFTWARE_HKDF_SM4GCM = 0x03
/** Suite: external key (software layer + XKS layer); see core/domain/keys/external/blob.ts. */
export const SUITE_EXTERNAL_XKS = 0x05
/** Fixed header part of suite 0x05 blobs (through the metadata length byte). */
const XKS_FIXED_HEADER_BYTES = 79
/** Header length of suite 0x01 (and 0x03) blobs. */
export const SOFTWARE_HEADER_BYTES = 78
/** Header length of suite 0x02 blobs. */
export const HSM_HEADER_BYTES = 46
/** Largest blob accepted or produced (64 KiB). */
export const MAX_BLOB_BYTES = 65536

const SALT_BYTES = 32
const MATERIAL_BYTES = 32
const HKDF_INFO_PREFIX = utf8('edge-kms/blob/v1')
const SM4_HKDF_INFO_PREFIX = utf8('edge-kms/blob/v1/sm4')
const SM4_MATERIAL_BYTES = 16

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const NIL_UUID = '00000000-0000-0000-0000-000000000000'
const MAX_UUID = 'ffffffff-ffff-ffff-ffff-ffffffffffff'

/** A software key version as needed to seal or open blobs. */
export interface BlobKey {
  /** Key id, canonical lowercase UUID. */
  keyId: string
  /** Key version id, canonical lowercase UUID. */
  versionId: string
  /** The key-version material (plaintext; not modified): 32 bytes (suite 1), 16 (suite 3). */
  material: Uint8Array
  /** The software suite the key seals with: 0x01 (AES, the default) or 0x03 (SM4). */
  suite?: typeof SUITE_SOFTWARE_HKDF_AES256GCM | typeof SUITE_SOFTWARE_HKDF_SM4GCM
}

/** The parsed, unauthenticated header of a blob. */
export interface BlobHeader {
  formatVersion: 1
  suite: 1 | 2 | 3 | 5
  keyId: string
  versionId: string
  /** Offset of the ciphertext: 78 for suites 1 and 3, 46 for suite 2. */
  headerLength: number
}

/**
 * Converts a canonical lowercase UUID string (8-4-4-4-12 hex) to its 16 bytes.
 *
 * @param id - e.g. `"1b4e28ba-2fa1-41d2-883f-0016d3cca427"`.
 * @returns 16 bytes.
 * @throws {RangeError} for anything else: upper case, braces, missing hyphens, wrong length, and
 *   the nil and max UUIDs (never valid ids).
 */
export function uuidToBytes(id: string): Uint8Array {
  if (typeof id !== 'string' || !UUID_RE.test(id) || id === NIL_UUID || id === MAX_UUID) {
    throw new RangeError('not a canonical lowercase UUID')
  }
  return fromHex(id.replaceAll('-', ''))!
}

/**
 * Converts 16 bytes to the canonical lowercase UUID string; inverse of {@link uuidToBytes}.
 *
 * @param b - exactly 16 bytes.
 * @returns the 36-character lowercase UUID.
 * @throws {RangeError} when `b` is not 16 bytes or is the nil or max UUID.
 */
export function bytesToUuid(b: Uint8Array): string {
  if (!(b instanceof Uint8Array) || b.length !== 16) throw new RangeError('UUID must be 16 bytes')
  const hex = toHex(b)
  const id = [0, 8, 12, 16, 20].map((start, i, cuts) => hex.slice(start, cuts[i + 1])).join('-')
  if (id === NIL_UUID || id === MAX_UUID) throw new RangeError('nil and max UUIDs are not ids')
  return id
}

function suiteOf(key: BlobKey): 1 | 3 {
  return key.suite === SUITE_SOFTWARE_HKDF_SM4GCM ? SUITE_SOFTWARE_HKDF_SM4GCM : SUITE_SOFTWARE_HKDF_AES256GCM
}

function checkKey(key: BlobKey): { keyIdBytes: Uint8Array; versionIdBytes: Uint8Array } {
  const bytes = suiteOf(key) === SUITE_SOFTWARE_HKDF_SM4GCM ? SM4_MATERIAL_BYTES : MATERIAL_BYTES
  if (!(key.material instanceof Uint8Array) || key.material.length !== bytes) {
    throw new RangeError(`key material must be ${bytes} bytes`)
  }
  return { keyIdBytes: uuidToBytes(key.keyId), versionIdBytes: uuidToBytes(key.versionId) }
}

/**
 * HKDF-SHA256 (RFC 5869) of the version's material with the blob's salt, `info` = prefix ‖ key id
 * ‖ version id, 32 bytes. Computed with @noble/hashes (synchronous, audited): WebCrypto needed an
 * importKey and a deriveBits round trip per message, several times the cost of the two HMACs.
 * The golden vectors (envelope.test.ts) pin the output.
 */
async function deriveMessageKey(
  material: Uint8Array,
  salt: Uint8Array,
  keyIdBytes: Uint8Array,
  versionIdBytes: Uint8Array,
): Promise<Uint8Array> {
  return hkdf(sha256, material, salt, concatBytes(HKDF_INFO_PREFIX, keyIdBytes, versionIdBytes), 32)
}

/** The suite-0x03 message key: HKDF-SM3, 16 bytes (see the module comment). */
function deriveSm4MessageKey(material: Uint8Array, salt: Uint8Array, keyIdBytes: Uint8Array, versionIdBytes: Uint8Array): Uint8Array {
  return hkdfSm3(material, salt, concatBytes(SM4_HKDF_INFO_PREFIX, keyIdBytes, versionIdBytes), SM4_KEY_BYTES)
}

async function sealWith(suite: 1 | 3, messageKey: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  return suite === SUITE_SOFTWARE_HKDF_SM4GCM ? sm4GcmSeal(messageKey, iv, plaintext, aad) : aesGcmSeal(messageKey, iv, plaintext, aad)
}

async function openWith(suite: 1 | 3, messageKey: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  return suite === SUITE_SOFTWARE_HKDF_SM4GCM ? sm4GcmOpen(messageKey, iv, sealed, aad) : aesGcmOpen(messageKey, iv, sealed, aad)
}

/**
 * Encrypts `plaintext` into a format-1, suite-0x01 blob under a software key version.
 *
 * @param key - key id, version id and 32-byte material of the key version.
 * @param plaintext - data to seal (size limits are the caller's; the blob must fit 64 KiB).
 * @param context - the encryption context (`{}` for none).
 * @param random - source of the 44 bytes of salt || iv; defaults to {@link randomBytes}.
 * @returns the blob bytes (78 + plaintext.length + 16).
 * @throws {KmsError} `invalidParameter('EncryptionContext', ...)` when the context is invalid.
 * @throws {KmsError} code `internal` when the random source fails its health check.
 * @throws {RangeError} when the key is malformed or the blob would exceed 64 KiB.
 */
export async function sealBlob(
  key: BlobKey,
  plaintext: Uint8Array,
  context: Record<string, string>,
  random: RandomSource = randomBytes,
): Promise<Uint8Array> {
  const { keyIdBytes, versionIdBytes } = checkKey(key)
  const suite = suiteOf(key)
  if (SOFTWARE_HEADER_BYTES + plaintext.length + GCM_TAG_BYTES > MAX_BLOB_BYTES) {
    throw new RangeError('plaintext too large for a ciphertext blob')
  }
  const aadContext = canonicalEncryptionContext(context)
  const saltAndIv = checkRandomOutput(random(SALT_BYTES + GCM_IV_BYTES), SALT_BYTES + GCM_IV_BYTES)
  const salt = saltAndIv.subarray(0, SALT_BYTES)
  const iv = saltAndIv.subarray(SALT_BYTES)
  const header = concatBytes(Uint8Array.of(BLOB_FORMAT_VERSION, suite), keyIdBytes, versionIdBytes, salt, iv)
  const messageKey =
    suite === SUITE_SOFTWARE_HKDF_SM4GCM
      ? deriveSm4MessageKey(key.material, salt, keyIdBytes, versionIdBytes)
      : await deriveMessageKey(key.material, salt, keyIdBytes, versionIdBytes)
  try {
    const sealed = await sealWith(suite, messageKey, iv, plaintext, concatBytes(header, aadContext))
    return concatBytes(header, sealed)
  } finally {
    zeroize(messageKey)
  }
}

/**
 * Reads the (unauthenticated) header of a blob, e.g. to find which key to load. The header is
 * authenticated later by {@link openBlob}; do not trust it for anything but key lookup.
 *
 * @param blob - blob bytes (suite 0x01 or 0x02).
 * @returns format version, suite, key id, version id and header length.
 * @throws {KmsError} `invalidCiphertext()` when the blob is larger than 64 KiB, too short for its
 *   header plus a tag, has an unknown version or suite, or carries a nil/max UUID.
 */
export function parseBlobHeader(blob: Uint8Array): BlobHeader {
  if (!(blob instanceof Uint8Array) || blob.length < 2 || blob.length > MAX_BLOB_BYTES) {
    throw invalidCiphertext()
  }
  if (blob[0] !== BLOB_FORMAT_VERSION) throw invalidCiphertext()
  const suite = blob[1]
  let headerLength: number
  if (suite === SUITE_SOFTWARE_HKDF_AES256GCM || suite === SUITE_SOFTWARE_HKDF_SM4GCM) headerLength = SOFTWARE_HEADER_BYTES
  else if (suite === SUITE_HSM_AES256GCM) headerLength = HSM_HEADER_BYTES
  else if (suite === SUITE_EXTERNAL_XKS) headerLength = XKS_FIXED_HEADER_BYTES
  else throw invalidCiphertext()
  if (blob.length < headerLength + GCM_TAG_BYTES) throw invalidCiphertext()
  try {
    return {
      formatVersion: 1,
      suite,
      keyId: bytesToUuid(blob.subarray(2, 18)),
      versionId: bytesToUuid(blob.subarray(18, 34)),
      headerLength,
    }
  } catch (err) {
    throw invalidCiphertext(err)
  }
}

/**
 * Verifies and decrypts a suite-0x01 (or, for a `suite: 3` key, suite-0x03) blob produced by
 * {@link sealBlob}.
 *
 * @param key - the key version named in the blob header (id, version id, 32-byte material).
 * @param blob - blob bytes.
 * @param context - the encryption context used when sealing (`{}` for none; order-insensitive).
 * @returns the plaintext, a fresh buffer owned by the caller.
 * @throws {KmsError} `invalidCiphertext()` (always the same code and message) for every failure
 *   caused by the blob or context: malformed or oversized blob, another suite, header naming a
 *   different key or version, wrong material, changed context, bad tag.
 * @throws {RangeError} when `key` itself is malformed (a server-side bug, not client input).
 */
export async function openBlob(key: BlobKey, blob: Uint8Array, context: Record<string, string>): Promise<Uint8Array> {
  const { keyIdBytes, versionIdBytes } = checkKey(key)
  const suite = suiteOf(key)
  const header = parseBlobHeader(blob)
  if (header.suite !== suite || header.keyId !== key.keyId || header.versionId !== key.versionId) {
    throw invalidCiphertext()
  }
  let aadContext: Uint8Array
  try {
    aadContext = canonicalEncryptionContext(context)
  } catch (err) {
    throw invalidCiphertext(err)
  }
  const headerBytes = blob.subarray(0, SOFTWARE_HEADER_BYTES)
  const salt = blob.subarray(34, 34 + SALT_BYTES)
  const iv = blob.subarray(34 + SALT_BYTES, SOFTWARE_HEADER_BYTES)
  let messageKey: Uint8Array | undefined
  try {
    messageKey =
      suite === SUITE_SOFTWARE_HKDF_SM4GCM
        ? deriveSm4MessageKey(key.material, salt, keyIdBytes, versionIdBytes)
        : await deriveMessageKey(key.material, salt, keyIdBytes, versionIdBytes)
    return await openWith(suite, messageKey, iv, blob.subarray(SOFTWARE_HEADER_BYTES), concatBytes(headerBytes, aadContext))
  } catch (err) {
    throw invalidCiphertext(err)
  } finally {
    zeroize(messageKey)
  }
}
