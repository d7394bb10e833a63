/**
 * @module core/domain/keys/key-versions
 *
 * Key versions and rotation: ListKeyVersions, DescribeKeyVersion, UpdateRotationPolicy, and the
 * rotation step the scheduled job applies. Rotation appends a version and makes it primary;
 * nothing else about the key changes (id, ARN, aliases, tags, policy), and old versions stay
 * for decryption.
 */
import { KmsError } from '../../errors'
import type { Caller, KeyRecord, KeyVersionRecord } from '../model'
import type { KeyDeps } from '../ports'
import { assertKeyState, isoSeconds, mutateKey, resolveKey } from './common'
import { newSoftwareVersion } from './material'
import { symmetricMaterialBytes } from './sm4-keys'
import { assertDefaultKeyRotation } from './default-key-rules'
import { DEFAULT_ROTATION_SECONDS, parseRotationInterval } from './rotation'

/** Alibaba: at most 50 versions per key. Automatic rotation stops adding versions beyond it. */
export const MAX_KEY_VERSIONS = 50

/** Versions, newest first (as Alibaba lists them). */
export async function listKeyVersions(deps: Pick<KeyDeps, 'keys' | 'aliases'>, caller: Caller, keyId: string) {
  const key = await resolveKey(deps, caller, keyId)
  assertKeyState('DescribeKey', key)
  return { key, versions: [...key.versions].reverse() }
}

/** @throws KmsError key.notFound, key.versionNotFound */
export async function describeKeyVersion(
  deps: Pick<KeyDeps, 'keys' | 'aliases'>,
  caller: Caller,
  keyId: string,
  versionId: string,
): Promise<{ key: KeyRecord; version: KeyVersionRecord }> {
  const key = await resolveKey(deps, caller, keyId)
  assertKeyState('DescribeKey', key)
  const version = key.versions.find((v) => v.versionId === versionId)
  if (!version) throw new KmsError('key.versionNotFound', 'The specified key version is not found.')
  return { key, version }
}

/**
 * Whether a key can rotate automatically: symmetric, software, Alibaba-generated material,
 * customer-managed.
 * @throws KmsError naming why not
 */
export function assertRotatable(key: KeyRecord): void {
  if (key.creatorType === 'Service') throw new KmsError('key.serviceManaged', 'The rotation policy of a service key cannot be changed.')
  if (!key.keySpec.startsWith('Aliyun_') || key.keyUsage !== 'ENCRYPT/DECRYPT') {
    throw new KmsError('key.invalidUsage', 'Automatic rotation is only available for symmetric keys.')
  }
  if (key.origin !== 'Aliyun_KMS')
    throw new KmsError('key.unsupportedOrigin', 'Keys with imported key material cannot rotate automatically.')
  if (key.protectionLevel !== 'SOFTWARE') {
    throw new KmsError('key.unsupportedProtectionLevel', 'Hardware-protected keys cannot rotate automatically.')
  }
}

/** When rotation is next due, counted from the last rotation (or creation). */
export function nextRotationDate(key: Pick<KeyRecord, 'lastRotationDate' | 'createdAt'>, intervalSeconds: number): string {
  return isoSeconds(Date.parse(key.lastRotationDate ?? key.createdAt) + intervalSeconds * 1000)
}

/** A pure predicate used by the job (and tested with a fake clock). */
export function isRotationDue(key: KeyRecord, nowMs: number): boolean {
  return (
    key.keyState === 'Enabled' && key.automaticRotation && key.nextRotationDate !== undefined && Date.parse(key.nextRotationDate) <= nowMs
  )
}

export function updateRotationPolicy(
  deps: Pick<KeyDeps, 'keys' | 'aliases' | 'clock'>,
  caller: Caller,
  keyId: string,
  enable: boolean,
  interval: string | undefined,
): Promise<KeyRecord> {
  const intervalSeconds = interval === undefined || interval === '' ? undefined : parseRotationInterval(interval)
  return mutateKey(deps, caller, keyId, 'UpdateRotationPolicy', (key) => {
    assertRotatable(key)
    assertDefaultKeyRotation(key, enable)
    if (!enable) {
      if (!key.automaticRotation && key.nextRotationDate === undefined) return undefined
      return { ...key, automaticRotation: false, nextRotationDate: undefined }
    }
    const seconds = intervalSeconds ?? key.rotationIntervalSeconds ?? DEFAULT_ROTATION_SECONDS
    const next = nextRotationDate(key, seconds)
    if (key.automaticRotation && key.rotationIntervalSeconds === seconds && key.nextRotationDate === next) return undefined
    return { ...key, automaticRotation: true, rotationIntervalSeconds: seconds, nextRotationDate: next }
  })
}

/**
 * The rotation step: a new version becomes primary, the schedule moves one interval on.
 * Returns undefined when the key is not (or no longer) due — e.g. another run rotated it first.
 */
export async function rotateIfDue(
  deps: Pick<KeyDeps, 'random' | 'rootKeys'>,
  key: KeyRecord,
  nowMs: number,
): Promise<KeyRecord | undefined> {
  if (!isRotationDue(key, nowMs)) return undefined
  const seconds = key.rotationIntervalSeconds ?? DEFAULT_ROTATION_SECONDS
  if (key.versions.length >= MAX_KEY_VERSIONS) {
    // Keep the key usable; stop the schedule rather than exceed the version limit.
    return { ...key, automaticRotation: false, nextRotationDate: undefined }
  }
  const version = await newSoftwareVersion(deps, key.keyId, nowMs, symmetricMaterialBytes(key.keySpec))
  const now = isoSeconds(nowMs)
  return {
    ...key,
    versions: [...key.versions, version],
    primaryVersionId: version.versionId,
    lastRotationDate: now,
    nextRotationDate: isoSeconds(nowMs + seconds * 1000),
  }
}
