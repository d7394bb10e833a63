/**
 * @module core/domain/audit/lookup-events
 *
 * ActionTrail-style event lookup over one account's records (sealed or not), newest first:
 * a time range, up to five attribute filters (all must hold), and a page size; continued with an
 * authenticated, tenant-bound token (core/domain/audit/page-token.ts). Filtering happens after
 * the range query, so a page may hold fewer events than asked while a token is still returned;
 * one call reads at most {@link MAX_SCANNED} records.
 *
 * Unauthenticated events (core/domain/audit/unauthenticated.ts) live in a trail of their own and
 * are returned only when asked for with `EventType` = {@link UNAUTHENTICATED_EVENT_TYPE}; every
 * other query reads the account's authenticated events (`ApiCall`), including the copies of
 * other accounts' calls on its keys.
 */
import { invalidParameter } from '../../errors'
import type { AuditRepository, Clock } from '../ports'
import type { RootKeyRing } from '../../crypto/root-key'
import { unauthenticatedTrail, type AuditEvent } from './model'
import { sha256Hex } from './keys'
import { openPageToken, sealPageToken } from './page-token'

export const LOOKUP_ATTRIBUTES = [
  'EventName',
  'ResourceName',
  'User',
  'EventAccessKeyId',
  'EventId',
  'EventRW',
  'ServiceName',
  'EventType',
] as const
export type LookupAttribute = (typeof LOOKUP_ATTRIBUTES)[number]

export const MAX_SCANNED = 2000
export const API_CALL_EVENT_TYPE = 'ApiCall'
export const UNAUTHENTICATED_EVENT_TYPE = 'UnauthenticatedApiCall'

/** ActionTrail's `eventType` of an event. */
export function eventTypeOf(event: Pick<AuditEvent, 'unauthenticated'>): string {
  return event.unauthenticated ? UNAUTHENTICATED_EVENT_TYPE : API_CALL_EVENT_TYPE
}
const PAGE = 200

export interface LookupEventsInput {
  accountId: string
  principalArn: string
  startMs: number
  endMs: number
  maxResults: number
  nextToken?: string
  filters: Array<{ key: LookupAttribute; value: string }>
  /**
   * The request's query as sent (filters and the time parameters it gave, not their defaults),
   * bound into tokens: a token continues only the query it came from.
   */
  query: string
}

export interface LookupEventsOutput {
  events: AuditEvent[]
  nextToken?: string
}

export interface LookupDeps {
  audit: AuditRepository
  rootKeys: RootKeyRing
  clock: Clock
}

function matches(event: AuditEvent, filter: { key: LookupAttribute; value: string }): boolean {
  const v = filter.value
  switch (filter.key) {
    case 'EventName':
      return event.action === v
    case 'ResourceName':
      return (event.resources ?? []).some((r) => r === v || r.endsWith(`/${v}`))
    case 'User': {
      const arn = event.principalArn ?? ''
      return arn === v || arn.endsWith(`:user/${v}`) || (v === 'root' && arn.endsWith(':root'))
    }
    case 'EventAccessKeyId':
      return event.accessKeyId === v
    case 'EventId':
      return event.eventId === v
    case 'EventRW':
      return v === 'All' || (v === 'Read') === event.readOnly
    case 'ServiceName':
      return event.service.toLowerCase() === v.toLowerCase()
    case 'EventType':
      return eventTypeOf(event) === v
  }
}

/**
 * @throws KmsError trail.invalidToken for a bad token; validation.invalidParameter for a range
 *   that ends before it starts.
 */
export async function lookupEvents(deps: LookupDeps, input: LookupEventsInput): Promise<LookupEventsOutput> {
  if (input.endMs < input.startMs) throw invalidParameter('EndTime', 'must not be before StartTime.')
  const scope = {
    purpose: 'actiontrail:LookupEvents',
    accountId: input.accountId,
    principalArn: input.principalArn,
    filter: sha256Hex(input.query),
  }
  const now = deps.clock.now()
  let fromKey = new Date(input.startMs).toISOString()
  // `~` sorts after every character of `<time>#<eventId>`, so the end time is inclusive.
  let toKey = `${new Date(input.endMs).toISOString()}~`
  if (input.nextToken) {
    // The range travels in the token, so defaults ("now", "7 days ago") do not move between pages.
    const position = openPageToken(deps.rootKeys, scope, input.nextToken, now).split('\n')
    if (position.length !== 2) throw invalidParameter('NextToken', 'is malformed.')
    ;[fromKey, toKey] = position as [string, string]
  }
  const unauthenticated = input.filters.some((f) => f.key === 'EventType' && f.value === UNAUTHENTICATED_EVENT_TYPE)
  const trail = unauthenticated ? unauthenticatedTrail(input.accountId) : input.accountId
  const events: AuditEvent[] = []
  let scanned = 0
  let exhausted = false
  while (events.length < input.maxResults && scanned < MAX_SCANNED) {
    const limit = Math.min(PAGE, MAX_SCANNED - scanned)
    const page = await deps.audit.listByAccount(trail, fromKey, toKey, limit)
    let consumed = 0
    for (const r of page) {
      consumed++
      scanned++
      toKey = `${r.time}#${r.eventId}`
      const event = JSON.parse(r.body) as AuditEvent
      if (input.filters.every((f) => matches(event, f))) events.push(event)
      if (events.length >= input.maxResults) break
    }
    if (page.length < limit && consumed === page.length) {
      exhausted = true
      break
    }
  }
  return exhausted ? { events } : { events, nextToken: sealPageToken(deps.rootKeys, scope, `${fromKey}\n${toKey}`, now) }
}
