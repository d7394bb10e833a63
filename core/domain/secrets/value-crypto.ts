/**
 * @module core/domain/secrets/value-crypto
 *
 * Envelope encryption of secret versions, and the one server-side path that may use service keys.
 *
 * Per version: a fresh 32-byte data key from the CSPRNG, sealed under the CMK's primary version
 * as an envelope blob (core/crypto/envelope.ts, the format GenerateDataKey returns) with the
 * encryption context `{edge-kms:secret: <secret ARN>, edge-kms:secret-version: <version id>}`;
 * the value sealed with AES-256-GCM under the data key, random 96-bit IV (each data key seals
 * exactly one value), AAD = UTF-8 of the JSON array
 * `["edge-kms/secret/v1", account, region, name, versionId, dataType]`.
 * Both the wrapped key and the value are therefore bound to account, region, name and version:
 * an item copied to another secret or version, or relabelled text↔binary, fails to open.
 *
 * Reads report the CMK's own state errors (Rejected.Disabled, Rejected.PendingDeletion,
 * Forbidden.KeyNotFound for a deleted key). Any other open failure is stored-data corruption or
 * tampering: a fixed `internal` error, never a value or a detail in the message.
 */
import { aesGcmOpen, aesGcmSeal, GCM_IV_BYTES } from '../../crypto/aead'
import { fromBase64, toBase64, toHex, utf8, zeroize } from '../../crypto/bytes'
import { openBlob, parseBlobHeader, sealBlob } from '../../crypto/envelope'
import { checkRandomOutput } from '../../crypto/random'
import { KmsError, invalidParameter } from '../../errors'
import { assertKeyState, keyNotFound, resolveKey, type KeyRef } from '../keys/common'
import { unwrapVersion } from '../keys/material'
import type { Caller, KeyRecord } from '../model'
import type { KeyDeps } from '../ports'
import type { SecretRecord, SecretValue, SecretVersionRecord } from './model'
import { secretArn } from './names'
import { DEFAULT_KEY_ALIAS, ensureDefaultKey, ensureSecretsServiceKey } from './service-keys'
import { blobSuiteOf } from '../keys/sm4-keys'

type Deps = Pick<KeyDeps, 'keys' | 'aliases' | 'clock' | 'random' | 'rootKeys'>
type SecretIdentity = Pick<SecretRecord, 'accountId' | 'region' | 'secretName'>

const DATA_KEY_BYTES = 32

function integrityFailure(cause?: unknown): KmsError {
  return new KmsError('internal', 'The stored secret value failed its integrity check.', { cause })
}

function valueAad(secret: SecretIdentity, versionId: string, type: string): Uint8Array {
  const { accountId, region, secretName } = secret
  const fields = ['edge-kms/secret/v1', accountId, region, secretName, versionId, type]
  return utf8(JSON.stringify(fields))
}

function dataKeyContext(secret: SecretIdentity, versionId: string): Record<string, string> {
  return { 'edge-kms:secret': secretArn(secret), 'edge-kms:secret-version': versionId }
}

function assertSymmetricKey(key: KeyRecord): void {
  if (key.keyUsage !== 'ENCRYPT/DECRYPT' || !key.keySpec.startsWith('Aliyun_')) {
    throw new KmsError('key.invalidUsage', 'Secrets can only be encrypted with symmetric keys.')
  }
}

/**
 * Checks that a key can protect new versions of a secret in `instanceId`: symmetric, Enabled, of
 * the caller's account and region, in the same KMS instance.
 *
 * @throws KmsError key.notFound, key.invalidUsage, key.disabled/pendingDeletion/pendingImport,
 *   validation.invalidParameter (other instance)
 */
export function assertKeyForSecrets(key: KeyRecord, caller: Pick<Caller, 'accountId' | 'region'>, instanceId: string): void {
  const elsewhere = key.accountId !== caller.accountId || key.region !== caller.region
  if (key.keyState === 'Deleted' || elsewhere) {
    throw keyNotFound()
  }
  assertSymmetricKey(key)
  if (key.instanceId !== instanceId) {
    throw invalidParameter('EncryptionKeyId', 'the key must be in the KMS instance of the secret.')
  }
  assertKeyState('GenerateDataKey', key)
}

/**
 * The CMK a new secret uses: the key authorisation resolved, or the named key (id, ARN, alias, alias ARN; `alias/acs/kms` creates
 * the default CMK on first use), or the secrets service key when none is named. Users cannot name
 * service keys.
 *
 * @throws KmsError key.*, alias.notFound, auth.forbidden, validation.*
 */
export async function resolveSecretKey(
  deps: Deps,
  caller: Caller,
  encryptionKeyId: KeyRef | undefined,
  instanceId: string,
): Promise<KeyRecord> {
  let key: KeyRecord
  if (encryptionKeyId === undefined) {
    key = await ensureSecretsServiceKey(deps, caller)
  } else {
    // A key resolved by authorisation is never the default CMK's alias (that needs no permission).
    const aliasName =
      typeof encryptionKeyId === 'string' ? encryptionKeyId.replace(/^acs:kms:[a-z0-9-]{1,64}:\d{1,32}:(?=alias\/)/, '') : undefined
    if (aliasName === DEFAULT_KEY_ALIAS) await ensureDefaultKey(deps, caller)
    key = await resolveKey(deps, caller, encryptionKeyId, 'EncryptionKeyId')
    if (key.creatorType === 'Service') {
      throw new KmsError('key.serviceManaged', 'A service key can only be used by its service.')
    }
  }
  assertKeyForSecrets(key, caller, instanceId)
  return key
}

/**
 * The CMK of an existing secret, checked for sealing a new version.
 * @throws KmsError key.* (the key's own state error)
 */
export async function loadSecretKeyForWrite(deps: Pick<KeyDeps, 'keys'>, secret: SecretRecord): Promise<KeyRecord> {
  const key = await deps.keys.get(secret.encryptionKeyId)
  if (!key) throw keyNotFound()
  assertKeyForSecrets(key, secret, secret.instanceId)
  return key
}

function newToken(deps: Pick<KeyDeps, 'random'>): string {
  return toHex(checkRandomOutput(deps.random(16), 16))
}

/**
 * Seals one version under `key` (already checked). Server-side only: it bypasses the refusal of
 * service keys that guards the public crypto API.
 *
 * @throws KmsError key.pendingImport (no material), internal (RNG failure)
 */
export async function sealSecretVersion(
  deps: Pick<KeyDeps, 'random' | 'rootKeys'>,
  key: KeyRecord,
  secret: SecretIdentity,
  versionId: string,
  value: SecretValue,
  nowMs: number,
  createdAt: string,
): Promise<SecretVersionRecord> {
  const keyVersionId = key.primaryVersionId
  if (!keyVersionId) throw new KmsError('key.pendingImport', 'The key has no key material.')
  const dataKey = checkRandomOutput(deps.random(DATA_KEY_BYTES), DATA_KEY_BYTES)
  let material: Uint8Array | undefined
  try {
    material = await unwrapVersion(deps, key, keyVersionId)
    const blob = await sealBlob(
      { keyId: key.keyId, versionId: keyVersionId, material, suite: blobSuiteOf(key.keySpec) },
      dataKey,
      dataKeyContext(secret, versionId),
      deps.random,
    )
    const iv = checkRandomOutput(deps.random(GCM_IV_BYTES), GCM_IV_BYTES)
    const aad = valueAad(secret, versionId, value.type)
    const sealed = await aesGcmSeal(dataKey, iv, value.bytes, aad)
    return {
      accountId: secret.accountId,
      region: secret.region,
      secretName: secret.secretName,
      versionId,
      createdAt,
      secretDataType: value.type,
      keyId: key.keyId,
      wrappedDataKey: toBase64(blob),
      iv: toBase64(iv),
      ciphertext: toBase64(sealed),
      token: newToken(deps),
      writtenAt: nowMs,
    }
  } finally {
    zeroize(dataKey, material)
  }
}

/** The same item under a fresh token and write time (re-stamped so no sweep removes it). */
export function restamp(deps: Pick<KeyDeps, 'random'>, item: SecretVersionRecord, nowMs: number): SecretVersionRecord {
  return { ...item, token: newToken(deps), writtenAt: nowMs }
}

/**
 * The CMK that sealed an item, with the state check a read needs (no decryption).
 * @throws KmsError key.* state errors of the CMK; internal for a corrupt item
 */
export async function keyForRead(
  deps: Pick<KeyDeps, 'keys'>,
  secret: SecretRecord,
  versionId: string,
  item: SecretVersionRecord,
  prefetched?: KeyRecord,
): Promise<{ key: KeyRecord; keyVersionId: string; blob: Uint8Array }> {
  // The identity used as AAD is the one the request named; stored attributes must agree with it.
  if (
    item.accountId !== secret.accountId ||
    item.region !== secret.region ||
    item.secretName !== secret.secretName ||
    item.versionId !== versionId
  ) {
    throw integrityFailure()
  }
  const blob = fromBase64(item.wrappedDataKey)
  if (!blob) throw integrityFailure()
  let header: ReturnType<typeof parseBlobHeader>
  try {
    header = parseBlobHeader(blob)
  } catch (err) {
    throw integrityFailure(err)
  }
  if (header.keyId !== secret.encryptionKeyId) throw integrityFailure()
  const key = prefetched?.keyId === header.keyId ? prefetched : await deps.keys.get(header.keyId)
  if (!key) throw keyNotFound()
  const elsewhere = key.accountId !== secret.accountId || key.region !== secret.region
  if (key.keyState !== 'Deleted' && elsewhere) {
    throw integrityFailure()
  }
  assertKeyState('Decrypt', key)
  if (!key.versions.some((v) => v.versionId === header.versionId)) throw integrityFailure()
  return { key, keyVersionId: header.versionId, blob }
}

/**
 * Opens the stored item of `versionId` (the id the head names, not the item's own attribute).
 * `prefetchedKey` (the secret's CMK, read in parallel with the item) saves a round trip.
 * The caller owns (and must zeroize) the returned bytes.
 *
 * @throws KmsError key.* state errors of the CMK; internal when the item fails authentication
 *   (copied, edited, or sealed for another secret or version)
 */
export async function openSecretVersion(
  deps: Pick<KeyDeps, 'keys' | 'rootKeys'>,
  secret: SecretRecord,
  versionId: string,
  item: SecretVersionRecord,
  prefetchedKey?: KeyRecord,
): Promise<Uint8Array> {
  const { key, keyVersionId, blob } = await keyForRead(deps, secret, versionId, item, prefetchedKey)
  const iv = fromBase64(item.iv)
  const sealed = fromBase64(item.ciphertext)
  if (!iv || iv.length !== GCM_IV_BYTES || !sealed) throw integrityFailure()
  let material: Uint8Array | undefined
  let dataKey: Uint8Array | undefined
  try {
    material = await unwrapVersion(deps, key, keyVersionId)
    const blobKey = { keyId: key.keyId, versionId: keyVersionId, material, suite: blobSuiteOf(key.keySpec) }
    dataKey = await openBlob(blobKey, blob, dataKeyContext(secret, versionId))
    if (dataKey.length !== DATA_KEY_BYTES) throw integrityFailure()
    return await aesGcmOpen(dataKey, iv, sealed, valueAad(secret, versionId, item.secretDataType))
  } catch (err) {
    if (KmsError.match(err, 'internal')) throw err
    throw integrityFailure(err)
  } finally {
    zeroize(material, dataKey)
  }
}
