/**
 * @module functions/app
 *
 * The Hono application: one RPC endpoint (`GET|POST /`) speaking Alibaba's APIs, chosen by
 * `Version`: KMS (2016-01-20), RAM (2015-05-01) and ActionTrail (2020-07-06).
 * Flow: body limit (before anything is read, chunked bodies included) → parse → API by version,
 * action → authenticate (signature, timestamp) → authorize (functions/authorize.ts) →
 * audit + action handler (core/domain/audit/run-audited.ts; the first audit write of an
 * authenticated call also claims its nonce) → JSON with RequestId.
 * Every authenticated call leaves exactly one audit event, also when it is refused before the
 * handler (bad parameters, denied), plus a copy in the key owner's trail when it uses another
 * account's key; if an event cannot be written the call fails with 503. A call refused before
 * its sender is authenticated is recorded as unauthenticated, apart and bounded in number
 * (core/domain/audit/unauthenticated.ts). The source address is what functions/client-ip.ts
 * trusts, never a header the client set.
 * Every failure leaves through `onError` in Alibaba's error shape.
 */
import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { authenticate, type KnownCaller } from '../core/domain/authenticate'
import type { AuditEvent } from '../core/domain/audit/model'
import { redactParameters } from '../core/domain/audit/redact'
import { recordClaiming, runAudited, type FailureInfo } from '../core/domain/audit/run-audited'
import { recordUnauthenticated } from '../core/domain/audit/unauthenticated'
import { principalArn } from '../core/domain/principals/names'
import { KmsError } from '../core/errors'
import { runAction, type ActionDescriptor } from './alibaba/action'
import { alibabaError, errorBody } from './alibaba/errors'
import { localAccessRoutes } from './alibaba/ram/local-routes'
import { RAM_ACTIONS, RAM_VERSION } from './alibaba/ram/registry'
import { KMS_ACTIONS, KMS_VERSION } from './alibaba/registry'
import { MAX_BODY_BYTES, readRpcRequest } from './alibaba/request'
import { TRAIL_ACTIONS, TRAIL_VERSION } from './alibaba/trail/registry'
import { STS_ACTIONS, STS_VERSION } from './alibaba/sts/registry'
import { authorize, type Service } from './authorize'
import { clientIp } from './client-ip'
import { consoleRoutes } from './console'
import { getDeps } from './deps'
import type { Env } from './env'
import { localAdmin } from './local-admin'
import { admitRequest } from '../core/domain/instances/throttle'

/** KMS_THROTTLE_ISOLATES: isolates expected to share an instance's limit (default 1). */
function throttleIsolates(env: Env): number {
  const n = Number(env.KMS_THROTTLE_ISOLATES ?? 1)
  return Number.isInteger(n) && n >= 1 && n <= 10_000 ? n : 1
}

type AppEnv = { Bindings: Env; Variables: { requestId: string; action?: string } }

function newRequestId(): string {
  return crypto.randomUUID().toUpperCase()
}

function errorResponse(c: Context<AppEnv>, err: unknown): Response {
  const requestId = c.get('requestId') ?? newRequestId()
  const host = c.req.header('host') ?? 'kms'
  if (err instanceof KmsError) {
    const wire = alibabaError(err.code)
    if (wire.status >= 500) logFailure(requestId, c.get('action'), err)
    return c.json(errorBody(requestId, host, wire.code, err.message), wire.status, { 'x-acs-request-id': requestId })
  }
  logFailure(requestId, c.get('action'), err)
  const wire = alibabaError('internal')
  return c.json(errorBody(requestId, host, wire.code, 'The request processing has failed due to some unknown error.'), wire.status, {
    'x-acs-request-id': requestId,
  })
}

/** Logs what failed without values: error names and codes only, never messages of causes. */
function logFailure(requestId: string, action: string | undefined, err: unknown): void {
  const cause = err instanceof Error ? (err.cause as Error | undefined) : undefined
  console.error(
    JSON.stringify({
      level: 'error',
      requestId,
      action,
      error: err instanceof KmsError ? err.code : (err as Error)?.name ?? 'unknown',
      cause: cause?.name,
    }),
  )
}

export const app = new Hono<AppEnv>()

app.use('*', async (c, next) => {
  c.set('requestId', newRequestId())
  await next()
  // Clients correct clock skew from Date (the signature window is ±15 minutes).
  c.header('date', new Date().toUTCString())
})

/** Wire code and status of a failure, as the response will carry them. */
function wireFailure(err: unknown): FailureInfo {
  const wire = alibabaError(err instanceof KmsError ? err.code : 'internal')
  return { errorCode: wire.code, httpStatus: wire.status }
}

/** The audit event of this request as far as it is known before authentication. */
function baseEvent(c: Context<AppEnv>, nowMs: number): Omit<AuditEvent, 'outcome'> {
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

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 64)
}

app.use(
  '/',
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: async (c) => {
      const err = new KmsError('request.tooLarge', 'The request is too large.')
      const ctx = c as Context<AppEnv>
      try {
        const deps = getDeps(ctx.env)
        await recordUnauthenticated(deps, { ...baseEvent(ctx, deps.clock.now()), outcome: 'Failure', ...wireFailure(err) })
      } catch (auditErr) {
        return errorResponse(ctx, auditErr)
      }
      return errorResponse(ctx, err)
    },
  }),
)

const APIS: Readonly<Record<string, { service: Service; actions: ReadonlyMap<string, ActionDescriptor> }>> = {
  [KMS_VERSION]: { service: 'kms', actions: KMS_ACTIONS },
  [RAM_VERSION]: { service: 'ram', actions: RAM_ACTIONS },
  [TRAIL_VERSION]: { service: 'actiontrail', actions: TRAIL_ACTIONS },
  [STS_VERSION]: { service: 'sts', actions: STS_ACTIONS },
}

app.on(['GET', 'POST'], '/', async (c) => {
  const requestId = c.get('requestId')
  const deps = getDeps(c.env)
  const event = baseEvent(c, deps.clock.now())
  const known: KnownCaller = {}
  let handed = false
  let claiming = false
  try {
    const body = c.req.method === 'GET' ? new ArrayBuffer(0) : await c.req.arrayBuffer()
    const rpc = await readRpcRequest(c.req.raw, body)
    c.set('action', rpc.action.slice(0, 64))
    event.action = printable(rpc.action)
    event.version = printable(rpc.version)
    event.params = redactParameters(rpc.params.withPrefix(''))
    const api = Object.hasOwn(APIS, rpc.version) ? APIS[rpc.version] : undefined
    if (!api) throw new KmsError('request.unsupportedVersion', 'Specified parameter Version is not valid.')
    event.service = api.service
    const descriptor = api.actions.get(rpc.action)
    if (!descriptor) {
      throw new KmsError('request.unknownAction', 'Specified api is not found, please check your url and method.')
    }
    const { caller, replayId } = await authenticate(
      { credentials: deps.credentials, rootKeys: deps.rootKeys, clock: deps.clock },
      rpc.signed,
      deps.region,
      known,
    )
    // From here on the event's first write claims the request's nonce (run-audited.ts).
    event.eventId = replayId
    claiming = true
    event.accountId = caller.accountId
    event.principalType = caller.principalType
    event.principalArn = caller.principalArn
    event.accessKeyId = caller.accessKeyId
    const authz = await authorize({
      deps,
      service: api.service,
      action: rpc.action,
      permission: descriptor.permission,
      caller,
      params: rpc.params,
      sourceIp: event.sourceIp,
      secureTransport: new URL(c.req.url).protocol === 'https:',
    })
    event.readOnly = authz.permission.readOnly
    event.resources = authz.resources
    if (authz.keyVersionId) event.keyVersionId = authz.keyVersionId
    if (!authz.allowed) {
      event.decision = 'Deny'
      throw new KmsError('auth.forbidden', 'You are not authorized to perform this operation.')
    }
    event.decision = 'Allow'
    // KMS instances: a request naming a key of an instance takes a token of its per-second
    // limit (core/domain/instances/throttle.ts; in-isolate, no store write), or is refused 429.
    await admitRequest({ keys: deps.keys, instances: deps.store.instances, clock: deps.clock }, authz.keyIds, throttleIsolates(c.env))
    handed = true
    const result = await runAudited(deps, {
      event,
      run: async () => {
        const out = await runAction(descriptor, { deps, caller: authz.caller, params: authz.params, requestId, env: c.env })
        if (authz.unresolved) throw new KmsError('internal', 'A call authorised without its key succeeded.')
        return out
      },
      describe: (r) => {
        const facts: Pick<AuditEvent, 'keyVersionId' | 'resources'> = {}
        if (typeof r.KeyVersionId === 'string') facts.keyVersionId = r.KeyVersionId
        // A created key or secret is named in the response only.
        const meta = r.KeyMetadata as { Arn?: unknown } | undefined
        const created = typeof meta?.Arn === 'string' ? meta.Arn : typeof r.Arn === 'string' ? r.Arn : undefined
        if (created && !event.resources?.includes(created)) facts.resources = [...(event.resources ?? []), created]
        return facts
      },
      failure: wireFailure,
      // Cross-account use: authorize() hands the handler the key owner's account.
      ...(authz.caller.accountId !== caller.accountId ? { alsoIn: authz.caller.accountId } : {}),
    })
    if (!authz.permission.readOnly) {
      if (api.service === 'ram') deps.access.forgetAccount(caller.accountId)
      for (const keyId of authz.keyIds) deps.access.forgetKey(keyId)
    }
    return c.json({ RequestId: requestId, ...result }, 200, { 'x-acs-request-id': requestId })
  } catch (err) {
    if (!handed) {
      if (!event.accountId && known.accountId) {
        event.accountId = known.accountId
        event.principalType = known.principal === 'root' ? 'root' : 'user'
        event.principalArn = principalArn(known.accountId, known.principal ?? 'root')
      }
      if (!event.accessKeyId && known.accessKeyId) event.accessKeyId = known.accessKeyId
      const failed: AuditEvent = { ...event, outcome: 'Failure', ...wireFailure(err) }
      // A replayed request that is also refused answers SignatureNonceUsed (thrown from here).
      if (claiming) await recordClaiming(deps, failed, wireFailure)
      else await recordUnauthenticated(deps, failed)
    }
    throw err
  }
})

app.route('/__local', localAdmin)
app.route('/__local', localAccessRoutes)
app.route('/console', consoleRoutes)

app.notFound((c) =>
  errorResponse(c, new KmsError('request.unknownAction', 'Specified api is not found, please check your url and method.')),
)
app.onError((err, c) => errorResponse(c, err))
