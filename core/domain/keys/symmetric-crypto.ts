/**
 * @module core/domain/keys/symmetric-crypto
 *
 * Encrypt, Decrypt, GenerateDataKey(WithoutPlaintext) and ReEncrypt with symmetric software keys.
 *
 * - Encryption always uses the key's primary version; the blob names key and version
 *   (core/crypto/envelope.ts), so Decrypt needs no KeyId and old versions keep decrypting.
 * - Every Decrypt failure that could tell an attacker something about the blob (malformed, wrong
 *   or unknown key, other account, missing version, bad tag, wrong context) is the one uniform
 *   `crypto.invalidCiphertext`. The key-state check runs only after the blob authenticated, so a
 *   tampered blob can never be told apart by a state error.
 * - Plaintext and key material are zeroized once the response is built.
 * - HSM-protected keys seal and open suite-0x02 blobs in the HSM (./hsm/blob.ts); a
 *   blob's suite must match its key's protection level.
 * - External keys (Origin=EXTERNAL_KEY_STORE) seal and open suite-0x05 blobs through their
 *   external key store proxy (./external/): double encryption, software layer then EKM layer.
 * - `Aliyun_SM4` keys seal suite-0x03 blobs (HKDF-SM3 + SM4-GCM, ./sm4-keys.ts); a blob's suite
 *   must match its key's spec.
 */
import { toBase64, zeroize } from '../../crypto/bytes'
import { openBlob, parseBlobHeader, sealBlob } from '../../crypto/envelope'
import { KmsError, invalidCiphertext, invalidParameter } from '../../errors'
import type { Caller, KeyRecord } from '../model'
import type { HsmDeps, KeyDeps } from '../ports'
import { assertKeyState, resolveKey, type KeyRef } from './common'
import type { Owner } from '../targets/parse'
import type { KeyOperation } from './key-state-table'
import { unwrapVersion } from './material'
import { openHsmBlob, sealHsmBlob } from './hsm/blob'
import { blobSuiteOf } from './sm4-keys'
import { isHsmKey, withHsmVersion } from './hsm/hsm-keys'
import { isExternalBlob, isExternalKey, openExternal, sealExternal, type ExternalDeps } from './external/external-keys'

/** Alibaba: Encrypt takes at most 6 KB of plaintext. */
export const MAX_ENCRYPT_PLAINTEXT = 6144
export const MAX_DATA_KEY_BYTES = 1024

export interface CryptoResult {
  key: KeyRecord
  versionId: string
}

function dryRun(): KmsError {
  return new KmsError('dryRun.wouldSucceed', 'Request would have succeeded, but the DryRun flag is set.')
}

function assertSymmetric(key: KeyRecord): void {
  if (key.keyUsage !== 'ENCRYPT/DECRYPT' || !key.keySpec.startsWith('Aliyun_')) {
    throw new KmsError('key.invalidUsage', 'The key cannot be used for symmetric encryption.')
  }
  if (key.creatorType === 'Service') {
    throw new KmsError('key.serviceManaged', 'A service key can only be used by its service.')
  }
}

async function sealWithPrimary(
  deps: KeyDeps & HsmDeps & ExternalDeps,
  key: KeyRecord,
  plaintext: Uint8Array,
  context: Record<string, string>,
  caller: Caller,
  op: KeyOperation,
): Promise<{ blob: Uint8Array; versionId: string }> {
  if (isExternalKey(key)) return sealExternal(deps, caller, key, plaintext, context, op)
  const versionId = key.primaryVersionId
  if (!versionId) throw new KmsError('key.pendingImport', 'The key has no key material.')
  if (isHsmKey(key)) {
    const blob = await withHsmVersion(deps, key, versionId, (hsm) => sealHsmBlob(hsm, key.keyId, versionId, plaintext, context))
    return { blob, versionId }
  }
  const material = await unwrapVersion(deps, key, versionId)
  try {
    const blob = await sealBlob({ keyId: key.keyId, versionId, material, suite: blobSuiteOf(key.keySpec) }, plaintext, context, deps.random)
    return { blob, versionId }
  } finally {
    zeroize(material)
  }
}

async function resolveForEncrypt(deps: KeyDeps, caller: Caller, keyId: KeyRef, op: KeyOperation, parameter = 'KeyId') {
  const key = await resolveKey(deps, caller, keyId, parameter)
  assertSymmetric(key)
  assertKeyState(op, key)
  return key
}

export interface EncryptOutput extends CryptoResult {
  ciphertextBlob: string
}

/** @throws KmsError key.*, validation.*, dryRun.wouldSucceed */
export async function encrypt(
  deps: KeyDeps & HsmDeps & ExternalDeps,
  caller: Caller,
  input: { keyId: KeyRef; plaintext: Uint8Array; context: Record<string, string>; dryRun?: boolean },
): Promise<EncryptOutput> {
  if (input.plaintext.length === 0 || input.plaintext.length > MAX_ENCRYPT_PLAINTEXT) {
    throw invalidParameter('Plaintext', `must be 1 to ${MAX_ENCRYPT_PLAINTEXT} bytes.`)
  }
  const key = await resolveForEncrypt(deps, caller, input.keyId, 'Encrypt')
  if (input.dryRun) throw dryRun()
  const { blob, versionId } = await sealWithPrimary(deps, key, input.plaintext, input.context, caller, 'Encrypt')
  return { key, versionId, ciphertextBlob: toBase64(blob) }
}

/**
 * Opens a blob under whatever key and version it names, for Decrypt and ReEncrypt (their DryRun
 * too: a DryRun answers "would have succeeded" only for a blob that authenticates, so it is no
 * cheaper oracle than the call itself). The caller owns (and must zeroize) the returned plaintext.
 * The blob's key must be in `owner`'s account and region: the one authorisation judged it in
 * (the key owner's for cross-account use), else the caller's.
 */
async function openAnyBlob(
  deps: KeyDeps & HsmDeps & ExternalDeps,
  caller: Caller,
  owner: Owner,
  blob: Uint8Array,
  context: Record<string, string>,
  op: KeyOperation,
): Promise<{ key: KeyRecord; versionId: string; plaintext: Uint8Array }> {
  if (isExternalBlob(blob)) return openExternal(deps, caller, blob, context, op, owner)
  const header = parseBlobHeader(blob)
  const key = await deps.keys.get(header.keyId)
  if (
    !key ||
    key.keyState === 'Deleted' ||
    key.accountId !== owner.accountId ||
    key.region !== owner.region ||
    key.keyUsage !== 'ENCRYPT/DECRYPT' ||
    !key.keySpec.startsWith('Aliyun_') ||
    !key.versions.some((v) => v.versionId === header.versionId) ||
    isHsmKey(key) !== (header.suite === 2)
  ) {
    throw invalidCiphertext()
  }
  let material: Uint8Array | undefined
  let plaintext: Uint8Array
  if (isHsmKey(key)) {
    // hsm.unavailable (retryable), a missing bridge or object pass through as they are.
    plaintext = await withHsmVersion(deps, key, header.versionId, (hsm) => openHsmBlob(hsm, key.keyId, header.versionId, blob, context))
  } else {
    try {
      material = await unwrapVersion(deps, key, header.versionId)
      const suite = blobSuiteOf(key.keySpec)
      plaintext = await openBlob({ keyId: key.keyId, versionId: header.versionId, material, suite }, blob, context)
    } catch (err) {
      if (KmsError.match(err, 'crypto.')) throw err
      if (KmsError.match(err, 'key.')) throw invalidCiphertext(err)
      throw err
    } finally {
      zeroize(material)
    }
  }
  try {
    assertKeyState(op, key)
  } catch (err) {
    zeroize(plaintext)
    throw err
  }
  if (key.creatorType === 'Service') {
    zeroize(plaintext)
    throw new KmsError('key.serviceManaged', 'A service key can only be used by its service.')
  }
  return { key, versionId: header.versionId, plaintext }
}

/** @throws KmsError crypto.invalidCiphertext (uniform), key.* state errors, dryRun.wouldSucceed */
export async function decrypt(
  deps: KeyDeps & HsmDeps & ExternalDeps,
  caller: Caller,
  input: {
    ciphertextBlob: Uint8Array
    context: Record<string, string>
    dryRun?: boolean
    operation?: KeyOperation
    /** Where the blob's key was authorised (ResolvedTargets.blob); defaults to the caller's account. */
    owner?: Owner
  },
): Promise<CryptoResult & { plaintext: Uint8Array }> {
  const opened = await openAnyBlob(deps, caller, input.owner ?? caller, input.ciphertextBlob, input.context, input.operation ?? 'Decrypt')
  if (input.dryRun) {
    zeroize(opened.plaintext)
    throw dryRun()
  }
  return { key: opened.key, versionId: opened.versionId, plaintext: opened.plaintext }
}

export interface DataKeyOutput extends EncryptOutput {
  plaintext: Uint8Array
}

/**
 * GenerateDataKey / GenerateDataKeyWithoutPlaintext: a fresh CSPRNG data key sealed under the
 * key's primary version. `NumberOfBytes` (1–1024) wins over `KeySpec` (AES_256 = 32, AES_128 = 16).
 */
export async function generateDataKey(
  deps: KeyDeps & HsmDeps & ExternalDeps,
  caller: Caller,
  input: {
    keyId: KeyRef
    keySpec?: string
    numberOfBytes?: number
    context: Record<string, string>
    dryRun?: boolean
    withoutPlaintext?: boolean
    /** The key-state table row to apply (GenerateAndExportDataKey reuses this operation). */
    operation?: KeyOperation
  },
): Promise<DataKeyOutput> {
  let length: number
  if (input.numberOfBytes !== undefined) {
    if (!Number.isInteger(input.numberOfBytes) || input.numberOfBytes < 1 || input.numberOfBytes > MAX_DATA_KEY_BYTES) {
      throw invalidParameter('NumberOfBytes', `must be an integer from 1 to ${MAX_DATA_KEY_BYTES}.`)
    }
    length = input.numberOfBytes
  } else if (input.keySpec === undefined || input.keySpec === 'AES_256') {
    length = 32
  } else if (input.keySpec === 'AES_128') {
    length = 16
  } else {
    throw invalidParameter('KeySpec', 'must be AES_256 or AES_128.')
  }
  const op = input.operation ?? (input.withoutPlaintext ? 'GenerateDataKeyWithoutPlaintext' : 'GenerateDataKey')
  const key = await resolveForEncrypt(deps, caller, input.keyId, op)
  if (input.dryRun) throw dryRun()
  const plaintext = deps.random(length)
  const { blob, versionId } = await sealWithPrimary(deps, key, plaintext, input.context, caller, op)
  return { key, versionId, ciphertextBlob: toBase64(blob), plaintext }
}

export interface ReEncryptOutput extends EncryptOutput {
  source: CryptoResult
}

/** ReEncrypt: open under the blob's key, seal under the destination key, never exposing plaintext. */
export async function reEncrypt(
  deps: KeyDeps & HsmDeps & ExternalDeps,
  caller: Caller,
  input: {
    ciphertextBlob: Uint8Array
    sourceContext: Record<string, string>
    /**
     * Where the blob's key was authorised (ResolvedTargets.blob: the source key's account, also
     * across accounts); defaults to the caller's account.
     */
    sourceOwner?: Owner
    /** The destination key, resolved (in its own account) or as named. */
    destinationKeyId: KeyRef
    destinationContext: Record<string, string>
    dryRun?: boolean
  },
): Promise<ReEncryptOutput> {
  const destination = await resolveForEncrypt(deps, caller, input.destinationKeyId, 'ReEncryptTo', 'DestinationKeyId')
  const opened = await openAnyBlob(deps, caller, input.sourceOwner ?? caller, input.ciphertextBlob, input.sourceContext, 'ReEncryptFrom')
  if (input.dryRun) {
    zeroize(opened.plaintext)
    throw dryRun()
  }
  try {
    const { blob, versionId } = await sealWithPrimary(deps, destination, opened.plaintext, input.destinationContext, caller, 'ReEncryptTo')
    return {
      key: destination,
      versionId,
      ciphertextBlob: toBase64(blob),
      source: { key: opened.key, versionId: opened.versionId },
    }
  } finally {
    zeroize(opened.plaintext)
  }
}
