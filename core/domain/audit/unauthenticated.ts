/**
 * @module core/domain/audit/unauthenticated
 *
 * Records requests refused before their sender was authenticated (bad or missing signature,
 * unknown or inactive AccessKey, stale timestamp, malformed request, unknown action, too
 * large). What such a record says — action, parameters, user agent — is whatever the sender
 * chose, and anyone who knows an AccessKeyId (not a secret) can send them. So they are:
 *
 * - marked `unauthenticated: true` and filed apart from the account's authenticated events,
 *   in the trail `<account>/unauthenticated` of the named AccessKey's owner, or `-` when no
 *   existing AccessKey was named (core/domain/audit/model.ts `trailAccountOf`); LookupEvents
 *   shows them only when asked (`EventType=UnauthenticatedApiCall`);
 * - bounded: at most {@link UNAUTHENTICATED_PER_KEY_PER_MINUTE} records per existing AccessKeyId
 *   per minute, and {@link UNAUTHENTICATED_ANONYMOUS_PER_MINUTE} per minute for all requests
 *   that named none. The bound holds across isolates: each record takes one of a fixed set of
 *   event ids per (AccessKeyId, minute) — `u.<minute>.<AccessKeyId or ->.<slot>` — with an
 *   absent-only put, so no more than that many can ever exist. An isolate remembers the next
 *   slot to try, so once a minute's slots are taken it stops writing for the rest of the minute.
 *   Requests beyond the bound are not recorded (one log line per AccessKeyId and minute says so)
 *   and still get their 4xx.
 */
import { ExpiringMap } from '../../expiring-map'
import { KmsError } from '../../errors'
import { ConditionFailed } from '../ports'
import { canonicalBody } from './chain'
import { trailAccountOf, type AuditEvent, type AuditRecord } from './model'
import type { AuditSinkDeps } from './run-audited'

export const UNAUTHENTICATED_PER_KEY_PER_MINUTE = 20
export const UNAUTHENTICATED_ANONYMOUS_PER_MINUTE = 100

/** (minute, AccessKeyId) → the next slot worth trying; `limit` or more once all are known taken. */
const nextSlot = new ExpiringMap<number>(120_000, 10_000)

/** Forgets what this isolate knows of taken slots (tests). */
export function resetUnauthenticatedSlots(): void {
  nextSlot.clear()
}

/**
 * Writes the event of an unauthenticated request, unless its bucket is full.
 * @returns the record, or undefined when the bound was reached (nothing written).
 * @throws KmsError store.unavailable when the record cannot be written.
 */
export async function recordUnauthenticated(
  deps: AuditSinkDeps & { clock: { now(): number } },
  event: AuditEvent,
): Promise<AuditRecord | undefined> {
  const named = event.accountId && event.accessKeyId ? event.accessKeyId : undefined
  const limit = named ? UNAUTHENTICATED_PER_KEY_PER_MINUTE : UNAUTHENTICATED_ANONYMOUS_PER_MINUTE
  const minute = Math.floor(Date.parse(event.time) / 60_000)
  const bucket = `${minute}.${named ?? '-'}`
  const now = deps.clock.now()
  let slot = nextSlot.get(bucket, now) ?? 0
  const marked: AuditEvent = { ...event, unauthenticated: true }
  if (!named) delete marked.accountId
  while (slot < limit) {
    const e: AuditEvent = { ...marked, eventId: `u.${bucket}.${slot}` }
    const record: AuditRecord = { eventId: e.eventId, body: canonicalBody(e), accountId: trailAccountOf(e), time: e.time }
    try {
      await deps.audit.put(record)
      nextSlot.set(bucket, slot + 1, now)
      return record
    } catch (err) {
      if (!(err instanceof ConditionFailed)) {
        throw new KmsError('store.unavailable', 'The audit trail is temporarily unavailable; the request was not processed.', {
          cause: err,
        })
      }
      slot++
    }
  }
  if (slot === limit) {
    // Past `limit`: this isolate has said so once for the bucket.
    nextSlot.set(bucket, limit + 1, now)
    console.warn(
      JSON.stringify({
        level: 'warn',
        event: 'audit-unauthenticated-limited',
        accessKeyId: named ?? null,
        minute: new Date(minute * 60_000).toISOString(),
        limit,
      }),
    )
  }
  return undefined
}
