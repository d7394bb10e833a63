/**
 * @module core/domain/keys/external/blob
 *
 * Suite 0x05 ciphertext blobs: external keys (XKS), **double encryption** as AWS does for
 * external key stores — first under KMS-held material (a per-key 32-byte software layer key,
 * wrapped under the root key, with a per-message HKDF-derived AES-256-GCM key exactly like suite
 * 0x01), then by the external key manager through its XKS proxy (AES-256-GCM in the EKM). A blob
 * is therefore never weaker than a software blob, and useless without the EKM.
 *
 * ```
 * offset   len   field
 * 0        1     format version = 0x01
 * 1        1     suite = 0x05  (software layer + XKS layer)
 * 2        16    key id
 * 18       16    key version id
 * 34       32    salt          (software layer, CSPRNG)
 * 66       12    iv            (software layer, CSPRNG)
 * 78       1     m = length of the proxy's ciphertextMetadata (0..20)
 * 79       m     ciphertextMetadata (as the proxy returned it)
 * 79+m     12    XKS initializationVector (as the proxy returned it)
 * 91+m     16    XKS authenticationTag
 * 107+m    n+16  XKS ciphertext of (software ciphertext ‖ software GCM tag)
 * ```
 *
 *   layer message key = HKDF-SHA256(IKM = layer key, salt, info = "edge-kms/blob/v1/xks" ‖ key id ‖ version id, 32)
 *   AAD (both layers)  = header bytes 0..77 ‖ canonicalEncryptionContext(context)
 *
 * The same AAD goes to the proxy as its `additionalAuthenticatedData`, so the EKM layer too is
 * bound to the key, version, salt and the encryption context. The metadata, IV and tag are
 * bound by the EKM's own GCM (the proxy includes the metadata in its AAD, per the spec).
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'

import { aesGcmOpen, aesGcmSeal, GCM_IV_BYTES, GCM_TAG_BYTES } from '../../../crypto/aead'
import { concatBytes, utf8, zeroize } from '../../../crypto/bytes'
import { canonicalEncryptionContext } from '../../../crypto/context'
import { BLOB_FORMAT_VERSION, bytesToUuid, MAX_BLOB_BYTES, SUITE_EXTERNAL_XKS, uuidToBytes } from '../../../crypto/envelope'
import { checkRandomOutput, type RandomSource } from '../../../crypto/random'
import { invalidCiphertext, invalidParameter } from '../../../errors'
import type { XksCiphertext } from '../../../hsm-client/xks'

export { SUITE_EXTERNAL_XKS }
/** Offset of the metadata length byte (the fixed, AAD-covered part ends here). */
export const XKS_AAD_HEADER_BYTES = 78
/** The smallest suite-0x05 blob: header, m=0, IV, tag, one byte and the inner tag. */
export const MIN_XKS_BLOB_BYTES = 79 + 12 + 16 + 1 + GCM_TAG_BYTES
/** The proxy must accept at least 8192 bytes of AAD. */
export const MAX_XKS_AAD_BYTES = 8192

const INFO = utf8('edge-kms/blob/v1/xks')
const SALT_BYTES = 32

/** What the EKM layer needs: encrypt/decrypt with the external key under `aad`. */
export interface XksLayer {
  encrypt(plaintext: Uint8Array, aad: Uint8Array): Promise<XksCiphertext>
  decrypt(c: XksCiphertext, aad: Uint8Array, expectedLength: number): Promise<Uint8Array>
}

export interface ParsedXksBlob {
  keyId: string
  versionId: string
  aadHeader: Uint8Array
  salt: Uint8Array
  iv: Uint8Array
  outer: XksCiphertext
}

function messageKey(layerKey: Uint8Array, salt: Uint8Array, keyId: Uint8Array, versionId: Uint8Array): Uint8Array {
  return hkdf(sha256, layerKey, salt, concatBytes(INFO, keyId, versionId), 32)
}

/**
 * Seals `plaintext` into a suite-0x05 blob.
 *
 * @throws {KmsError} validation.invalidParameter (context too large for the proxy, blob too
 *   large), whatever `xks.encrypt` throws (hsm.unavailable, key.invalidState, …).
 */
export async function sealXksBlob(
  ids: { keyId: string; versionId: string },
  layerKey: Uint8Array,
  xks: XksLayer,
  plaintext: Uint8Array,
  context: Record<string, string>,
  random: RandomSource,
): Promise<Uint8Array> {
  const keyIdBytes = uuidToBytes(ids.keyId)
  const versionIdBytes = uuidToBytes(ids.versionId)
  const saltIv = checkRandomOutput(random(SALT_BYTES + GCM_IV_BYTES), SALT_BYTES + GCM_IV_BYTES)
  const header = concatBytes(Uint8Array.of(BLOB_FORMAT_VERSION, SUITE_EXTERNAL_XKS), keyIdBytes, versionIdBytes, saltIv)
  const aad = concatBytes(header, canonicalEncryptionContext(context))
  if (aad.length > MAX_XKS_AAD_BYTES) throw invalidParameter('EncryptionContext', 'is too large for an external key.')
  const key = messageKey(layerKey, saltIv.subarray(0, SALT_BYTES), keyIdBytes, versionIdBytes)
  let inner: Uint8Array
  try {
    inner = await aesGcmSeal(key, saltIv.subarray(SALT_BYTES), plaintext, aad)
  } finally {
    zeroize(key)
  }
  const outer = await xks.encrypt(inner, aad)
  const blob = concatBytes(header, Uint8Array.of(outer.metadata.length), outer.metadata, outer.iv, outer.tag, outer.ciphertext)
  if (blob.length > MAX_BLOB_BYTES) throw invalidParameter('Plaintext', 'is too large.')
  return blob
}

/**
 * Parses a suite-0x05 blob (unauthenticated until opened).
 *
 * @throws {KmsError} crypto.invalidCiphertext for anything malformed.
 */
export function parseXksBlob(blob: Uint8Array): ParsedXksBlob {
  if (blob.length < MIN_XKS_BLOB_BYTES || blob.length > MAX_BLOB_BYTES) throw invalidCiphertext()
  if (blob[0] !== BLOB_FORMAT_VERSION || blob[1] !== SUITE_EXTERNAL_XKS) throw invalidCiphertext()
  const m = blob[78]!
  if (m > 20 || blob.length < MIN_XKS_BLOB_BYTES + m) throw invalidCiphertext()
  let keyId: string
  let versionId: string
  try {
    keyId = bytesToUuid(blob.subarray(2, 18))
    versionId = bytesToUuid(blob.subarray(18, 34))
  } catch (err) {
    throw invalidCiphertext(err)
  }
  const o = 79 + m
  return {
    keyId,
    versionId,
    aadHeader: blob.subarray(0, XKS_AAD_HEADER_BYTES),
    salt: blob.subarray(34, 66),
    iv: blob.subarray(66, 78),
    outer: {
      metadata: blob.subarray(79, o),
      iv: blob.subarray(o, o + 12),
      tag: blob.subarray(o + 12, o + 28),
      ciphertext: blob.subarray(o + 28),
    },
  }
}

/**
 * Opens a suite-0x05 blob: the EKM layer through the proxy, then the software layer.
 *
 * @throws {KmsError} crypto.invalidCiphertext (either layer refuses: tampering, wrong context),
 *   hsm.unavailable (proxy unavailable — never reported as a bad ciphertext), key.invalidState.
 */
export async function openXksBlob(
  parsed: ParsedXksBlob,
  layerKey: Uint8Array,
  xks: XksLayer,
  context: Record<string, string>,
): Promise<Uint8Array> {
  let aadContext: Uint8Array
  try {
    aadContext = canonicalEncryptionContext(context)
  } catch (err) {
    throw invalidCiphertext(err)
  }
  const aad = concatBytes(parsed.aadHeader, aadContext)
  if (aad.length > MAX_XKS_AAD_BYTES) throw invalidCiphertext()
  const inner = await xks.decrypt(parsed.outer, aad, parsed.outer.ciphertext.length)
  const key = messageKey(layerKey, parsed.salt, uuidToBytes(parsed.keyId), uuidToBytes(parsed.versionId))
  try {
    return await aesGcmOpen(key, parsed.iv, inner, aad)
  } catch (err) {
    throw invalidCiphertext(err)
  } finally {
    zeroize(key, inner)
  }
}
