/**
 * @module core/domain/secrets/rotation/schedule
 *
 * The rotation job's due-time pointer: one small item per secret in the secret's partition
 * (`sk = ROTATION`, gsi2 `DUE#SECRET_ROTATION` / `<due>#<account>#<region>#<name>`). It holds no
 * state, only "look at this head at or after `due`"; the head is the truth. The invariant is
 * "pointer due ≤ head due": a write that makes a head due earlier puts the pointer first, a write
 * that makes it due later (or never) moves the pointer after; the job re-reads the head and
 * repairs (or deletes) a pointer that is early, so a crash between the two writes only costs one
 * extra look.
 */
import type { DueSecretRef, SecretRepository } from '../../ports'
import type { SecretRecord } from '../model'

type SecretRef = Pick<SecretRecord, 'accountId' | 'region' | 'secretName'>

export interface RotationScheduleStore {
  /** Unconditional put (idempotent). */
  putRotationSchedule(ref: SecretRef, due: string): Promise<void>
  /** ConditionFailed unless the pointer still says `expectedDue`. */
  deleteRotationSchedule(ref: SecretRef, expectedDue: string): Promise<void>
  listDueRotations(nowIso: string, limit: number): Promise<{ items: DueSecretRef[]; more: boolean }>
}

export function scheduleStore(secrets: SecretRepository): RotationScheduleStore | undefined {
  const s = secrets as SecretRepository & Partial<RotationScheduleStore>
  return typeof s.putRotationSchedule === 'function' ? (s as unknown as RotationScheduleStore) : undefined
}

/** When the job must next look at a head for rotation, if ever. */
export function rotationDueTime(head: SecretRecord): string | undefined {
  if (head.state === 'Deleted') return undefined
  const r = head.rotation
  if (!r) return undefined
  const times: string[] = []
  if (r.pending) times.push(r.pending.retryAt ?? r.pending.startedAt)
  if (r.cleanup) times.push(r.cleanup.due)
  if (r.enabled && r.nextRotationDate && !r.pending && head.state === 'Enabled') times.push(r.nextRotationDate)
  return times.length === 0 ? undefined : times.sort()[0]
}
