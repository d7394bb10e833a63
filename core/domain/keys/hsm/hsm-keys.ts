/**
 * @module core/domain/keys/hsm/hsm-keys
 *
 * What every operation on an HSM-protected key (ProtectionLevel=HSM) shares:
 *
 * - the HSM object id of a key version: the 32 hex digits of the key id followed by the 32 hex
 *   digits of the version id (64 characters, the bridge's maximum `CKA_ID`), so the reconciler
 *   can find the row that owns any object without an index;
 * - the spec mapping (`Aliyun_AES_256` → `AES_256`, RSA_2048/3072/4096, EC_P256, and the HMAC
 *   specs HMAC_SHA_224/256/384/512 as generic secrets of the hash's length);
 * - the missing-bridge error, and the best-effort marking of a version whose object is gone.
 */
import { KmsError } from '../../../errors'
import type { KeyRecord } from '../../model'
import { ConditionFailed, type Hsm, type HsmDeps, type HsmKeySpec, type KeyRepository } from '../../ports'

const HSM_SPECS: Readonly<Record<string, HsmKeySpec>> = {
  Aliyun_AES_256: 'AES_256',
  RSA_2048: 'RSA_2048',
  RSA_3072: 'RSA_3072',
  RSA_4096: 'RSA_4096',
  EC_P256: 'EC_P256',
  HMAC_SHA_224: 'HMAC_SHA_224',
  HMAC_SHA_256: 'HMAC_SHA_256',
  HMAC_SHA_384: 'HMAC_SHA_384',
  HMAC_SHA_512: 'HMAC_SHA_512',
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const OBJECT_ID = /^[0-9a-f]{64}$/

export const NO_HSM_MESSAGE = 'Hardware-protected keys are not available: no HSM bridge is configured'

/** The HSM spec backing a KMS key spec, or undefined when the HSM cannot hold it. */
export function hsmSpecOf(keySpec: string): HsmKeySpec | undefined {
  return Object.hasOwn(HSM_SPECS, keySpec) ? HSM_SPECS[keySpec] : undefined
}

/** Whether a key's material lives in the HSM. */
export function isHsmKey(key: Pick<KeyRecord, 'protectionLevel'>): boolean {
  return key.protectionLevel === 'HSM'
}

/**
 * The HSM object id (`CKA_ID`) of one key version.
 *
 * @throws {RangeError} when either id is not a canonical lowercase UUID (a server-side bug).
 */
export function hsmObjectId(keyId: string, versionId: string): string {
  if (!UUID.test(keyId) || !UUID.test(versionId)) throw new RangeError('not a canonical UUID')
  return `${keyId.replaceAll('-', '')}${versionId.replaceAll('-', '')}`
}

function hexToUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/**
 * The key and version an HSM object id names, or undefined for ids this service did not make
 * (other users of the token are left alone).
 *
 * @throws never
 */
export function parseHsmObjectId(id: string): { keyId: string; versionId: string } | undefined {
  if (!OBJECT_ID.test(id)) return undefined
  return { keyId: hexToUuid(id.slice(0, 32)), versionId: hexToUuid(id.slice(32)) }
}

/**
 * The deployment's HSM.
 *
 * @throws {KmsError} key.unsupportedProtectionLevel (400) when no bridge is configured.
 */
export function requireHsm(deps: HsmDeps): Hsm {
  if (!deps.hsm) throw new KmsError('key.unsupportedProtectionLevel', NO_HSM_MESSAGE)
  return deps.hsm
}

/** The error for a live version whose HSM object is gone (never the bridge's text). */
export function materialMissing(): KmsError {
  return new KmsError('key.invalidState', 'The key material of this key version is missing from the HSM.')
}

/**
 * Records that the HSM no longer holds a version's object (`hsmState: 'Missing'`): one
 * conditional write on the revision read; a lost race or a store failure is ignored (the next
 * use marks it again).
 *
 * @throws never
 */
export async function markVersionMissing(keys: KeyRepository, key: KeyRecord, versionId: string): Promise<void> {
  if (key.keyState === 'Deleted') return
  const version = key.versions.find((v) => v.versionId === versionId)
  if (!version || version.hsmState === 'Missing') return
  const next: KeyRecord = {
    ...key,
    versions: key.versions.map((v) => (v.versionId === versionId ? { ...v, hsmState: 'Missing' as const } : v)),
    rev: key.rev + 1,
  }
  try {
    await keys.replace(next, key.rev)
  } catch (err) {
    if (!(err instanceof ConditionFailed)) {
      console.error(JSON.stringify({ level: 'warn', event: 'hsm.markMissing', error: (err as Error)?.name ?? 'unknown' }))
    }
  }
}

/**
 * Runs one HSM call for a key version. `key.notFound` from the HSM (its object is gone) marks
 * the version Missing and becomes {@link materialMissing}; everything else (notably the
 * retryable `hsm.unavailable`) passes through unchanged.
 *
 * @throws {KmsError} key.unsupportedProtectionLevel (no bridge), key.invalidState (object
 *   missing), hsm.unavailable, and whatever `fn` throws.
 */
export async function withHsmVersion<T>(
  deps: HsmDeps & { keys: KeyRepository },
  key: KeyRecord,
  versionId: string,
  fn: (hsm: Hsm, objectId: string) => Promise<T>,
): Promise<T> {
  const hsm = requireHsm(deps)
  const version = key.versions.find((v) => v.versionId === versionId)
  if (version?.hsmState === 'Missing') throw materialMissing()
  // A version still being created (./create-hsm-key-version.ts) is not usable before it is confirmed.
  if (version?.hsmState === 'Creating') throw new KmsError('key.versionNotFound', 'The specified key version is not found.')
  try {
    return await fn(hsm, hsmObjectId(key.keyId, versionId))
  } catch (err) {
    if (KmsError.match(err, 'key.notFound')) {
      await markVersionMissing(deps.keys, key, versionId)
      throw materialMissing()
    }
    throw err
  }
}

/**
 * Destroys the HSM objects of every version of `key` (idempotent: absent objects are fine).
 *
 * @throws {KmsError} key.unsupportedProtectionLevel (no bridge), hsm.unavailable, internal.
 */
export async function destroyHsmVersions(deps: HsmDeps, key: KeyRecord): Promise<number> {
  const hsm = requireHsm(deps)
  let destroyed = 0
  for (const v of key.versions) {
    if (await hsm.destroyKey(hsmObjectId(key.keyId, v.versionId))) destroyed++
  }
  return destroyed
}
