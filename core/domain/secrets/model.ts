/**
 * @module core/domain/secrets/model
 *
 * The records of the secrets manager and its limits. A secret is one head item plus one item per
 * version (layout in core/store/SCHEMA.md (Secrets)):
 *
 * - The head holds everything that must change atomically: the stage-label map, the ordered list
 *   of committed versions and the revision. Every label move, new version and state change is one
 *   conditional write on the head (`rev`), so two writers can never both win on the same base and
 *   there is never more than one holder of a label.
 * - A version item holds the envelope-encrypted value. It is written before the head that
 *   references it (conditional on not existing); a version item that no head references is
 *   invisible to every API and removed later by the sweep (core/domain/secrets/purge.ts).
 */

export type SecretState = 'Enabled' | 'PendingDeletion' | 'Deleted'
export type SecretDataType = 'text' | 'binary'

/** A committed version as the head lists it, oldest first. */
export interface SecretVersionRef {
  versionId: string
  /** ISO-8601 UTC, second precision. */
  createdAt: string
}

export interface SecretRecord {
  accountId: string
  region: string
  secretName: string
  /** `Generic` or a managed type (`RAMCredentials`); see ./rotation/. */
  secretType: SecretType
  description: string
  /** Key id (never an alias) of the symmetric CMK that wraps the data keys of new versions. */
  encryptionKeyId: string
  /** KMS instance; `shared` outside a dedicated instance. */
  instanceId: string
  creator: string
  createdAt: string
  updatedAt: string
  /**
   * `Deleted` is the tombstone of a secret that is being purged: every API treats it as absent,
   * and only the purge removes the items.
   */
  state: SecretState
  /** Set while PendingDeletion (end of the recovery window) and once Deleted (deletion time). */
  plannedDeleteTime?: string
  /** Stage label → version id; a label names exactly one version. */
  stages: Record<string, string>
  versions: SecretVersionRef[]
  tags: Record<string, string>
  /**
   * When the sweep should look for version items no longer referenced (evicted versions, writes
   * that lost a race). Unset when there is nothing to sweep.
   */
  sweepAt?: string
  /** Optimistic-concurrency revision; +1 on every write. */
  rev: number
  /**
   * Random per creation of the name (absent on heads created before 2026-11-23): tells a
   * re-created secret from the force-deleted one before it, for the version cache.
   */
  uid?: string
  /**
   * `ExtendedConfig` as given at creation (JSON text, ≤ 1,024 characters; never holds a secret
   * value). Managed types and generic secrets with a rotation function only.
   */
  extendedConfig?: string
  /** Rotation policy and progress (./rotation/engine.ts); absent on plain generic secrets. */
  rotation?: RotationState
}

export type SecretType = 'Generic' | 'RAMCredentials' | 'Rds' | 'ECS'

/**
 * The rotation state machine on the head (./rotation/engine.ts). Every change is one conditional
 * write on the head's `rev`.
 */
export interface RotationState {
  /** Automatic rotation on a schedule. */
  enabled: boolean
  /** Seconds between automatic rotations (while enabled). */
  intervalSeconds?: number
  /** ISO-8601 UTC: when the next automatic rotation is due (while enabled). */
  nextRotationDate?: string
  /** ISO-8601 UTC of the last completed rotation. */
  lastRotationDate?: string
  /** The rotation in flight: its version holds `ACSPending`. */
  pending?: PendingRotation
  /** `Succeeded` / `Failed` / `InProgress` (DescribeSecret `RotationStatus`). */
  status?: 'Succeeded' | 'Failed' | 'InProgress'
  /** Error code of the last failed step (never a value); cleared by a success. */
  lastError?: string
  /** ISO-8601 UTC of the last failure. */
  lastErrorDate?: string
  /** Work left after a completed rotation (RAM: delete the replaced AccessKey at `due`). */
  cleanup?: { due: string; ref: string; versionId: string }
}

export type RotationStep = 'create' | 'set' | 'test' | 'commit' | 'finish'

export interface PendingRotation {
  versionId: string
  /** The next step to run; every step is idempotent, so a crashed step is simply run again. */
  step: RotationStep
  startedAt: string
  /** Failed attempts of this rotation so far. */
  failures: number
  /** ISO-8601 UTC before which the job does not retry (backoff after a failure). */
  retryAt?: string
  /** Whether it came from RotateSecret (`manual`) or the schedule. */
  trigger: 'manual' | 'schedule'
  /** The driver running the step now (random owner, epoch ms); others wait for it to expire. */
  lease?: { owner: string; until: number }
}

/** One stored version. Only `wrappedDataKey` and `ciphertext` are secret; both are encrypted. */
export interface SecretVersionRecord {
  accountId: string
  region: string
  secretName: string
  versionId: string
  createdAt: string
  secretDataType: SecretDataType
  /** The CMK named in the wrapped data key (for inspection; the blob header is authoritative). */
  keyId: string
  /** Base64 of the envelope blob (core/crypto/envelope.ts) sealing the 32-byte data key. */
  wrappedDataKey: string
  /** Base64 of the 12-byte AES-GCM IV. */
  iv: string
  /** Base64 of `ciphertext || tag` of the value under the data key. */
  ciphertext: string
  /** Random per write; conditional replaces and deletes name the token they read. */
  token: string
  /** Epoch milliseconds of the last (re)write; the sweep only removes old unreferenced items. */
  writtenAt: number
}

/**
 * A null-prototype copy of a string map whose keys are user data (stage labels, tag keys), so
 * that `__proto__`, `constructor` and the like are plain keys on reads and writes alike.
 */
export function plainMap(map: Readonly<Record<string, string>> = {}): Record<string, string> {
  const out = Object.create(null) as Record<string, string>
  for (const [k, v] of Object.entries(map)) out[k] = v
  return out
}

/** The value of `key` in a user-keyed map, never an inherited property. */
export function lookup(map: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined
}

/** A value as the API carries it: text (UTF-8) or binary. */
export interface SecretValue {
  type: SecretDataType
  bytes: Uint8Array
}

export const SECRET_TYPE_GENERIC = 'Generic'
export const SECRET_TYPE_RAM = 'RAMCredentials'
export const STAGE_CURRENT = 'ACSCurrent'
export const STAGE_PREVIOUS = 'ACSPrevious'
export const STAGE_PENDING = 'ACSPending'

/** Alibaba: SecretData is at most 30,720 bytes (checked on the stored bytes). */
export const MAX_SECRET_VALUE_BYTES = 30_720
export const MAX_SECRET_NAME_LENGTH = 192
export const MAX_VERSION_ID_LENGTH = 64
export const MAX_STAGE_LENGTH = 64
/** Alibaba: at most 8 stage labels per secret, in total. */
export const MAX_STAGES_PER_SECRET = 8
/** Alibaba: a generic secret keeps at most 10 versions; the oldest unlabeled one goes first. */
export const MAX_VERSIONS_PER_SECRET = 10
export const MAX_DESCRIPTION_LENGTH = 8192
export const MIN_RECOVERY_WINDOW_DAYS = 7
export const MAX_RECOVERY_WINDOW_DAYS = 30
export const DEFAULT_RECOVERY_WINDOW_DAYS = 30

/**
 * An unreferenced version item younger than this is presumed to belong to a write still in
 * flight and is left alone by the sweep and the purge. Assumes Worker clocks agree within a few
 * minutes and no request runs for longer than a third of this.
 */
export const ORPHAN_GRACE_MS = 15 * 60_000
/** A writer re-using an item older than this re-stamps it first, so no sweep removes it. */
export const ADOPT_REFRESH_MS = ORPHAN_GRACE_MS / 3

/**
 * When the scheduled job must next look at a secret (the due-time index `DUE#SECRET`), if ever:
 * the end of the recovery window, the pending purge of a tombstone, or a pending sweep.
 */
export function secretDueTime(head: Pick<SecretRecord, 'state' | 'plannedDeleteTime' | 'sweepAt'>): string | undefined {
  if (head.state === 'PendingDeletion') return head.plannedDeleteTime
  if (head.state === 'Deleted') return head.sweepAt ?? head.plannedDeleteTime
  return head.sweepAt
}
