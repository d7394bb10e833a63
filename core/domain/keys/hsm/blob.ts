/**
 * @module core/domain/keys/hsm/blob
 *
 * Sealing and opening of suite-0x02 ciphertext blobs (HSM-held AES-256 keys; the layout is
 * documented in core/crypto/envelope.ts):
 *
 * ```
 * 0  version 0x01 | 1  suite 0x02 | 2  key id (16) | 18  version id (16) | 34  iv (12) | 46  ct‖tag
 * ```
 *
 * AAD = header bytes 0..33 ‖ canonicalEncryptionContext(context). The HSM encrypts with
 * AES-256-GCM and picks the IV itself, so the IV is not part of the AAD (GCM binds it to the tag
 * anyway). The key never leaves the HSM; each version is its own HSM object.
 *
 * NIST SP 800-38D caps a key used with random 96-bit IVs at 2^32 encryptions. Unlike suite 0x01
 * (per-message derived keys), suite 0x02 uses the HSM key directly, so an HSM key version should
 * be rotated (a new key) well before that many Encrypt/GenerateDataKey calls.
 */
import { concatBytes } from '../../../crypto/bytes'
import { canonicalEncryptionContext } from '../../../crypto/context'
import {
  BLOB_FORMAT_VERSION,
  HSM_HEADER_BYTES,
  MAX_BLOB_BYTES,
  parseBlobHeader,
  SUITE_HSM_AES256GCM,
  uuidToBytes,
} from '../../../crypto/envelope'
import { invalidCiphertext, invalidParameter, KmsError } from '../../../errors'
import type { Hsm } from '../../ports'
import { hsmObjectId } from './hsm-keys'

const AAD_HEADER_BYTES = 34
const IV_BYTES = 12
const TAG_BYTES = 16

/** The largest plaintext a suite-0x02 blob can carry. */
export const MAX_HSM_BLOB_PLAINTEXT = MAX_BLOB_BYTES - HSM_HEADER_BYTES - TAG_BYTES

function aadHeader(keyId: string, versionId: string): Uint8Array {
  return concatBytes(Uint8Array.of(BLOB_FORMAT_VERSION, SUITE_HSM_AES256GCM), uuidToBytes(keyId), uuidToBytes(versionId))
}

/**
 * Encrypts `plaintext` into a suite-0x02 blob with the HSM object of `keyId`/`versionId`.
 *
 * @returns the blob bytes (46 + plaintext.length + 16).
 * @throws {KmsError} validation.invalidParameter (empty or oversized plaintext, invalid context),
 *   hsm.unavailable, key.notFound (no object), internal (malformed HSM answer).
 */
export async function sealHsmBlob(
  hsm: Hsm,
  keyId: string,
  versionId: string,
  plaintext: Uint8Array,
  context: Record<string, string>,
): Promise<Uint8Array> {
  if (plaintext.length === 0 || plaintext.length > MAX_HSM_BLOB_PLAINTEXT) {
    throw invalidParameter('Plaintext', `must be 1 to ${MAX_HSM_BLOB_PLAINTEXT} bytes for an HSM key.`)
  }
  const header = aadHeader(keyId, versionId)
  const aad = concatBytes(header, canonicalEncryptionContext(context))
  const { iv, ciphertext } = await hsm.encrypt(hsmObjectId(keyId, versionId), plaintext, aad)
  if (iv.length !== IV_BYTES || ciphertext.length !== plaintext.length + TAG_BYTES) {
    throw new KmsError('internal', 'The HSM returned a malformed ciphertext.')
  }
  return concatBytes(header, iv, ciphertext)
}

/**
 * Verifies and decrypts a suite-0x02 blob in the HSM.
 *
 * @returns the plaintext, owned by the caller.
 * @throws {KmsError} crypto.invalidCiphertext (uniform: malformed blob, another suite, key or
 *   version, invalid context, bad tag), hsm.unavailable (retryable), key.notFound (the HSM holds
 *   no such object), internal.
 */
export async function openHsmBlob(
  hsm: Hsm,
  keyId: string,
  versionId: string,
  blob: Uint8Array,
  context: Record<string, string>,
): Promise<Uint8Array> {
  const header = parseBlobHeader(blob)
  if (header.suite !== SUITE_HSM_AES256GCM || header.keyId !== keyId || header.versionId !== versionId) {
    throw invalidCiphertext()
  }
  let aadContext: Uint8Array
  try {
    aadContext = canonicalEncryptionContext(context)
  } catch (err) {
    throw invalidCiphertext(err)
  }
  const aad = concatBytes(blob.subarray(0, AAD_HEADER_BYTES), aadContext)
  const iv = blob.subarray(AAD_HEADER_BYTES, HSM_HEADER_BYTES)
  const ciphertext = blob.subarray(HSM_HEADER_BYTES)
  try {
    return await hsm.decrypt(hsmObjectId(keyId, versionId), iv, ciphertext, aad)
  } catch (err) {
    if (KmsError.match(err, 'validation.')) throw invalidCiphertext(err)
    throw err
  }
}
