/**
 * @module functions/pipeline/audit
 *
 * The audit step, around everything from parsing to authorisation: it starts the request's
 * event, and when a later step refuses the call before it is handed to the audited handler
 * (dispatch.ts) it records that refusal — with the nonce claim once the caller is authenticated
 * (`recordClaiming`; a replayed request that is also refused answers SignatureNonceUsed), else
 * as unauthenticated, apart and bounded in number (core/domain/audit/unauthenticated.ts).
 * A refusal whose event cannot be written fails with 503 instead.
 */
import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { AuditEvent } from '../../core/domain/audit/model'
import { recordClaiming } from '../../core/domain/audit/run-audited'
import { recordUnauthenticated } from '../../core/domain/audit/unauthenticated'
import { principalArn } from '../../core/domain/principals/names'
import { clientIp } from '../client-ip'
import type { AppEnv, PendingEvent } from './env'
import { wireFailure } from './errors'

/** The audit event of this request as far as it is known before authentication. */
export function baseEvent(c: Context<AppEnv>, nowMs: number): PendingEvent {
  const ip = clientIp(c.req.raw.headers, c.env)
  const userAgent = c.req.header('user-agent')
  return {
    v: 1,
    eventId: crypto.randomUUID(),
    time: new Date(nowMs).toISOString(),
    requestId: c.get('requestId'),
    service: 'unknown',
    action: '-',
    readOnly: true,
    decision: 'NotEvaluated',
    ...(ip ? { sourceIp: ip } : {}),
    ...(userAgent ? { userAgent: userAgent.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 256) } : {}),
  }
}

export const auditRefusals = createMiddleware<AppEnv>(async (c, next) => {
  c.set('event', baseEvent(c, c.get('deps').clock.now()))
  c.set('known', {})
  c.set('claiming', false)
  c.set('handed', false)
  // A later step that throws an Error is answered by onError, which Hono keeps in `c.error`;
  // anything else thrown passes through here, and is recorded all the same.
  let thrown: { value: unknown } | undefined
  try {
    await next()
  } catch (value) {
    thrown = { value }
  }
  if ((thrown || c.error) && !c.get('handed')) await recordRefusal(c, thrown ? thrown.value : c.error)
  if (thrown) throw thrown.value
})

/** The one event of a call refused before the handler. */
async function recordRefusal(c: Context<AppEnv>, err: unknown): Promise<void> {
  const deps = c.get('deps')
  const event = c.get('event')
  const known = c.get('known')
  if (!event.accountId && known.accountId) {
    event.accountId = known.accountId
    event.principalType = known.principal === 'root' ? 'root' : 'user'
    event.principalArn = principalArn(known.accountId, known.principal ?? 'root')
  }
  if (!event.accessKeyId && known.accessKeyId) event.accessKeyId = known.accessKeyId
  const failed: AuditEvent = { ...event, outcome: 'Failure', ...wireFailure(err) }
  // A replayed request that is also refused answers SignatureNonceUsed (thrown from here).
  if (c.get('claiming')) await recordClaiming(deps, failed, wireFailure)
  else await recordUnauthenticated(deps, failed)
}
