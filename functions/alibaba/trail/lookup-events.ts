/**
 * @module functions/alibaba/trail/lookup-events
 *
 * ActionTrail's `LookupEvents` (Version 2020-07-06) over the caller's own account:
 * `StartTime`/`EndTime` (ISO-8601; default the last 7 days), `MaxResults` (1–50, default 20),
 * `LookupAttribute.N.Key`/`.Value` (N = 1..5; keys EventName, ResourceName, User,
 * EventAccessKeyId, EventId, EventRW, ServiceName, EventType; all must hold) and `NextToken`.
 * Unauthenticated requests that named the account's AccessKeys are returned only for
 * `EventType=UnauthenticatedApiCall` (eventType `UnauthenticatedApiCall`, userIdentity type
 * `unauthenticated`: their action, parameters and user agent are what the sender chose).
 * Calls of other accounts on the account's keys appear with the caller's identity and
 * `additionalEventData.recipientAccountId`.
 * Events come newest first in ActionTrail's shape; a token is bound to the account, the
 * principal and the query (forged or other-tenant tokens → 400 InvalidNextToken).
 */
import { eventTypeOf, LOOKUP_ATTRIBUTES, lookupEvents, type LookupAttribute } from '../../../core/domain/audit/lookup-events'
import type { AuditEvent } from '../../../core/domain/audit/model'
import { invalidParameter } from '../../../core/errors'
import { action } from '../action'
import { custom, optionalText } from '../fields'
import { on } from '../permission'

const DEFAULT_WINDOW_MS = 7 * 86_400_000
const SERVICE_NAMES = { kms: 'Kms', ram: 'Ram', sts: 'Sts', actiontrail: 'Actiontrail', local: 'Local', unknown: 'Unknown' } as const

/** An ISO-8601 time, as sent (`''` and absent mean the default). */
const TIME = custom('optional ISO-8601 time', (params, name) => {
  const value = params.optionalString(name, { max: 64 })
  if (value === undefined || value === '') return value
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(Date.parse(value))) throw invalidParameter(name, 'must be an ISO-8601 time.')
  return value
})

/** `LookupAttribute.N.Key` / `.Value`, N = 1..5. */
const LOOKUP_ATTRIBUTE = custom('LookupAttribute.N.Key/Value, N = 1..5', (params, name) => {
  const out: Array<{ key: LookupAttribute; value: string }> = []
  for (let n = 1; n <= 5; n++) {
    const key = params.optionalString(`${name}.${n}.Key`, { max: 64 })
    const value = params.optionalString(`${name}.${n}.Value`, { max: 512 })
    if (key === undefined && value === undefined) continue
    if (!key || !(LOOKUP_ATTRIBUTES as readonly string[]).includes(key)) {
      throw invalidParameter(`${name}.${n}.Key`, `must be one of ${LOOKUP_ATTRIBUTES.join(', ')}.`)
    }
    out.push({ key: key as LookupAttribute, value: value ?? '' })
  }
  return out
})

const time = (value: string | undefined, fallback: number): number => (value ? Date.parse(value) : fallback)

/** An event in ActionTrail's shape (never more than the record holds). */
export function trailEvent(e: AuditEvent, region: string): Record<string, unknown> {
  const user = e.principalArn?.match(/:user\/(.+)$/)?.[1]
  return {
    eventId: e.eventId,
    eventVersion: '1',
    eventType: eventTypeOf(e),
    eventName: e.action,
    eventTime: e.time,
    eventRW: e.readOnly ? 'Read' : 'Write',
    eventSource: `${e.service}.edge-kms`,
    serviceName: SERVICE_NAMES[e.service],
    acsRegion: region,
    apiVersion: e.version,
    requestId: e.requestId,
    sourceIpAddress: e.sourceIp,
    userAgent: e.userAgent,
    userIdentity: {
      type: e.unauthenticated
        ? 'unauthenticated'
        : e.principalType === 'root'
          ? 'root-account'
          : e.principalType === 'user'
            ? 'ram-user'
            : e.principalType === 'AssumedRoleUser'
              ? 'assumed-role'
              : 'unknown',
      accountId: e.accountId,
      principalId: e.principalArn,
      accessKeyId: e.accessKeyId,
      ...(user ? { userName: user } : {}),
    },
    resourceName: (e.resources ?? []).join(';'),
    requestParameters: e.params ?? {},
    errorCode: e.errorCode,
    additionalEventData: {
      decision: e.decision,
      outcome: e.outcome,
      httpStatus: e.httpStatus,
      keyVersionId: e.keyVersionId,
      refEventId: e.refEventId,
      recipientAccountId: e.recipientAccountId,
    },
  }
}

export const LookupEvents = action({
  name: 'LookupEvents',
  // Read in this order: EndTime before StartTime (whose default follows EndTime).
  params: {
    EndTime: TIME,
    StartTime: TIME,
    LookupAttribute: LOOKUP_ATTRIBUTE,
    MaxResults: custom('optional integer 1..50, default 20', (p, n) => p.optionalInteger(n, 1, 50) ?? 20),
    NextToken: optionalText({ max: 2048 }),
  },
  permission: on({ kind: 'trail' }, true),
  handler: async ({ deps, caller }, input) => {
    const now = deps.clock.now()
    const endMs = time(input.EndTime, now)
    const startMs = time(input.StartTime, endMs - DEFAULT_WINDOW_MS)
    const query = input.LookupAttribute
    const out = await lookupEvents(deps, {
      accountId: caller.accountId,
      principalArn: caller.principalArn ?? '',
      startMs,
      endMs,
      maxResults: input.MaxResults,
      nextToken: input.NextToken || undefined,
      filters: query,
      query: JSON.stringify([input.StartTime ?? null, input.EndTime ?? null, query]),
    })
    return {
      StartTime: new Date(startMs).toISOString(),
      EndTime: new Date(endMs).toISOString(),
      ...(out.nextToken ? { NextToken: out.nextToken } : {}),
      Events: out.events.map((e) => trailEvent(e, deps.region)),
    }
  },
})
