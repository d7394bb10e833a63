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
 * - Cross-account calls (`alsoIn`: the key owner's account): every write above is also made
 *   for a copy filed in the owner's trail (`recipientAccountId`), under an id derived from the
 *   event's, so a retried write never makes a second copy. A read-only call writes the copy
 *   before its own event (a copy that cannot be written withholds the result, and a replay's
 *   copy conflicts harmlessly before its own event refuses it); a state-changing call writes
 *   the copy's intent right after its own, and does not start its work unless both are written.
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
import { groupCommitOf, type Submission } from './group-commit'
import { claimName, isReplayId, ledgerOf } from './nonce-claims'
import { trailAccountOf, type AuditEvent, type AuditRecord } from './model'

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
  return { eventId: event.eventId, body: canonicalBody(event), accountId: trailAccountOf(event), time: event.time }
}

/**
 * Claims the event id when it is a replay id (in the nonce ledger item of its AccessKey and
 * signed second: core/domain/audit/nonce-claims.ts) and then writes `records`, together with
 * concurrent calls (core/domain/audit/group-commit.ts); resolves once every record is durable.
 * @throws ConditionFailed when the replay id is claimed already (nothing written);
 *   KmsError store.unavailable when the claim or a record cannot be written, or when a replay id
 *   comes without its AccessKeyId (it is never written unclaimed).
 */
async function commit(
  deps: AuditSinkDeps,
  event: Pick<AuditEvent, 'eventId' | 'accessKeyId' | 'outcome'>,
  records: AuditRecord[],
): Promise<void> {
  let claim: Submission['claim']
  if (isReplayId(event.eventId)) {
    if (!event.accessKeyId) throw unavailable(new Error('a replay id without its AccessKeyId cannot be claimed'))
    claim = { ledger: ledgerOf(event.eventId, event.accessKeyId), name: claimName(event.eventId) }
  }
  try {
    // An intent is completed later (replaceUnsealed): it needs an item of its own. Every other
    // record is final and goes to an audit page.
    await groupCommitOf(deps.audit).submit({ claim, records, final: event.outcome !== 'Pending' })
  } catch (err) {
    if (err instanceof ConditionFailed) throw err
    throw unavailable(err)
  }
}

/**
 * Writes one event (a replay id among them is claimed first).
 * @throws KmsError store.unavailable when the record cannot be written (or its id is claimed).
 */
export async function recordEvent(deps: AuditSinkDeps, event: AuditEvent): Promise<AuditRecord> {
  const record = toRecord(event)
  try {
    await commit(deps, event, [record])
  } catch (err) {
    throw err instanceof ConditionFailed ? unavailable(err) : err
  }
  return record
}

/** Records the refusal of a replayed call under a fresh id, and returns the error to throw. */
async function refuseReplay(deps: AuditSinkDeps, event: AuditEvent, failure: (err: unknown) => FailureInfo): Promise<KmsError> {
  const replay = nonceUsedError()
  const { keyVersionId: _k, errorCode: _e, httpStatus: _h, ...rest } = event
  await recordEvent(deps, { ...rest, eventId: crypto.randomUUID(), outcome: 'Failure', ...failure(replay) })
  return replay
}

/**
 * Writes the first event of an authenticated call, whose `eventId` is its replay id: its claim
 * is made first (the nonce ledger), then the record is written.
 * @throws KmsError auth.nonceUsed when the id is claimed (a replay; that refusal is recorded under
 *   a fresh id first), store.unavailable when the claim or the trail cannot be written.
 */
export async function recordClaiming(
  deps: AuditSinkDeps,
  event: AuditEvent,
  failure: (err: unknown) => FailureInfo,
  also: AuditRecord[] = [],
): Promise<AuditRecord> {
  const record = toRecord(event)
  try {
    await commit(deps, event, [...also, record])
    return record
  } catch (err) {
    if (!(err instanceof ConditionFailed)) throw err
  }
  throw await refuseReplay(deps, event, failure)
}

/** The copy of `event` filed in `recipient`'s trail. */
export function copyFor<E extends Pick<AuditEvent, 'eventId'>>(event: E, recipient: string): E & { recipientAccountId: string } {
  return { ...event, eventId: `${event.eventId}.${recipient}`, recipientAccountId: recipient }
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
  /** The key owner's account, when it is not the caller's: the call is also recorded there. */
  alsoIn?: string
}

/**
 * Runs `call.run` with its audit event (see the module comment for the order of writes).
 * @throws whatever `run` throws; KmsError auth.nonceUsed for a replayed request (before a state
 *   change, or instead of a read-only result); KmsError store.unavailable when the trail cannot be
 *   written (before a state change, or before a read-only result is released).
 */
export async function runAudited<T>(deps: AuditSinkDeps, call: AuditedCall<T>): Promise<T> {
  const base = call.event
  const owner = call.alsoIn && call.alsoIn !== base.accountId ? call.alsoIn : undefined
  if (!base.readOnly) {
    const intentEvent: AuditEvent = { ...base, outcome: 'Pending' }
    // The intent and its copy in the owner's trail are written together, after the claim.
    const copyIntent = owner ? toRecord(copyFor(intentEvent, owner)) : undefined
    const intent = await recordClaiming(deps, intentEvent, call.failure, copyIntent ? [copyIntent] : [])
    const complete = async (event: AuditEvent): Promise<void> => {
      await completeIntent(deps, intent, event)
      if (copyIntent && owner) await completeIntent(deps, copyIntent, copyFor(event, owner))
    }
    let result: T
    try {
      result = await call.run()
    } catch (err) {
      await complete({ ...base, outcome: 'Failure', ...call.failure(err) })
      throw err
    }
    await complete({ ...base, ...call.describe?.(result), outcome: 'Success' })
    return result
  }
  const record = async (event: AuditEvent): Promise<void> => {
    await recordClaiming(deps, event, call.failure, owner ? [toRecord(copyFor(event, owner))] : [])
  }
  let result: T
  try {
    result = await call.run()
  } catch (err) {
    await record({ ...base, outcome: 'Failure', ...call.failure(err) })
    throw err
  }
  await record({ ...base, ...call.describe?.(result), outcome: 'Success' })
  return result
}
