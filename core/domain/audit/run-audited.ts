/**
 * @module core/domain/audit/run-audited
 *
 * Writes the audit event of one call around its work, so that no acknowledged call goes
 * unrecorded and no state changes without a record:
 *
 * - State-changing calls (`readOnly: false`): the event is written first with outcome `Pending`
 *   (an intent). If that write fails, the call fails with `store.unavailable` and its work never
 *   starts. After the work, the outcome replaces the intent (one more conditional write; if it
 *   fails, the intent stays and the sealer records the outcome as `Unknown`).
 * - Read-only calls (data plane: Encrypt, Decrypt, Get*, List*, ...): the work runs first, then
 *   the event with its outcome is written — one write per call. If that write fails the call
 *   fails with `store.unavailable` and its result (plaintext, secret value) is never returned.
 * - Calls refused before any work (bad request, failed authentication, denied by policy): one
 *   event with the error, through {@link recordEvent} (or {@link recordClaiming} once the caller
 *   is authenticated).
 *
 * Replay protection rides on the first write of an authenticated call: its event id is the
 * request's replay id (core/domain/authenticate.ts `replayEventId`), and the conditional put
 * fails for a replayed nonce. That write is {@link recordClaiming}; on a conflict the call fails
 * with `auth.nonceUsed` (recorded as its own event under a fresh id) and nothing is released.
 */
import type { RootKeyRing } from '../../crypto/root-key'
import { KmsError } from '../../errors'
import { nonceUsedError } from '../authenticate'
import { ConditionFailed, type AuditRepository } from '../ports'
import { canonicalBody } from './chain'
import { NO_ACCOUNT, type AuditEvent, type AuditRecord } from './model'

export interface AuditSinkDeps {
  audit: AuditRepository
  rootKeys: RootKeyRing
}

/** How a failure appears in the trail. */
export interface FailureInfo {
  errorCode: string
  httpStatus: number
}

function unavailable(cause: unknown): KmsError {
  return new KmsError('store.unavailable', 'The audit trail is temporarily unavailable; the request was not processed.', { cause })
}

function toRecord(event: AuditEvent): AuditRecord {
  return { eventId: event.eventId, body: canonicalBody(event), accountId: event.accountId ?? NO_ACCOUNT, time: event.time }
}

/**
 * Writes one event.
 * @throws KmsError store.unavailable when the record cannot be written.
 */
export async function recordEvent(deps: AuditSinkDeps, event: AuditEvent): Promise<AuditRecord> {
  const record = toRecord(event)
  try {
    await deps.audit.put(record)
  } catch (err) {
    throw unavailable(err)
  }
  return record
}

/**
 * Writes the first event of an authenticated call, whose `eventId` is its replay id: the write
 * claims the request's nonce.
 * @throws KmsError auth.nonceUsed when the id exists (a replay; that refusal is recorded under a
 *   fresh id first), store.unavailable when the trail cannot be written.
 */
export async function recordClaiming(
  deps: AuditSinkDeps,
  event: AuditEvent,
  failure: (err: unknown) => FailureInfo,
): Promise<AuditRecord> {
  const record = toRecord(event)
  try {
    await deps.audit.put(record)
    return record
  } catch (err) {
    if (!(err instanceof ConditionFailed)) throw unavailable(err)
  }
  // A store client that retried a put which had landed sees its own record: not a replay. Bodies
  // hold the request id (random per request), so only this very write can match.
  try {
    if ((await deps.audit.get(record.eventId))?.body === record.body) return record
  } catch (err) {
    throw unavailable(err)
  }
  const replay = nonceUsedError()
  const { keyVersionId: _k, errorCode: _e, httpStatus: _h, ...rest } = event
  await recordEvent(deps, { ...rest, eventId: crypto.randomUUID(), outcome: 'Failure', ...failure(replay) })
  throw replay
}

async function completeIntent(deps: AuditSinkDeps, intent: AuditRecord, event: AuditEvent): Promise<void> {
  const next = toRecord(event)
  try {
    await deps.audit.replaceUnsealed(next, intent.body)
  } catch (err) {
    if (!(err instanceof ConditionFailed)) {
      console.error(JSON.stringify({ level: 'error', event: 'audit-outcome-lost', eventId: event.eventId, error: (err as Error)?.name }))
      return
    }
    // Already sealed as Unknown (the call outlived the grace period): record the outcome apart.
    try {
      await recordEvent(deps, { ...event, eventId: crypto.randomUUID(), refEventId: event.eventId })
    } catch (e) {
      console.error(JSON.stringify({ level: 'error', event: 'audit-outcome-lost', eventId: event.eventId, error: (e as Error)?.name }))
    }
  }
}

export interface AuditedCall<T> {
  /** The event, without its outcome; `eventId` is the request's replay id (claimed by the first write). */
  event: Omit<AuditEvent, 'outcome'>
  run: () => Promise<T>
  /** Facts of a successful result worth recording (never values). */
  describe?: (result: T) => Pick<AuditEvent, 'keyVersionId' | 'resources'>
  failure: (err: unknown) => FailureInfo
}

/**
 * Runs `call.run` with its audit event (see the module comment for the order of writes).
 * @throws whatever `run` throws; KmsError auth.nonceUsed for a replayed request (before a state
 *   change, or instead of a read-only result); KmsError store.unavailable when the trail cannot be
 *   written (before a state change, or before a read-only result is released).
 */
export async function runAudited<T>(deps: AuditSinkDeps, call: AuditedCall<T>): Promise<T> {
  const base = call.event
  if (!base.readOnly) {
    const intentEvent: AuditEvent = { ...base, outcome: 'Pending' }
    const intent = await recordClaiming(deps, intentEvent, call.failure)
    let result: T
    try {
      result = await call.run()
    } catch (err) {
      await completeIntent(deps, intent, { ...base, outcome: 'Failure', ...call.failure(err) })
      throw err
    }
    await completeIntent(deps, intent, { ...base, ...call.describe?.(result), outcome: 'Success' })
    return result
  }
  let result: T
  try {
    result = await call.run()
  } catch (err) {
    await recordClaiming(deps, { ...base, outcome: 'Failure', ...call.failure(err) }, call.failure)
    throw err
  }
  await recordClaiming(deps, { ...base, ...call.describe?.(result), outcome: 'Success' }, call.failure)
  return result
}
