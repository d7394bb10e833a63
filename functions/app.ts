/**
 * @module functions/app
 *
 * The Hono application: one RPC endpoint (`GET|POST /`) speaking Alibaba's KMS API.
 * Flow: body limit (before anything is read, chunked bodies included) → parse → action and
 * version → authenticate (signature, timestamp, nonce) → action handler → JSON with RequestId.
 * Every failure leaves through `onError` in Alibaba's error shape.
 */
import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { authenticate } from '../core/domain/authenticate'
import { KmsError } from '../core/errors'
import { alibabaError, errorBody } from './alibaba/errors'
import { KMS_ACTIONS, KMS_VERSION } from './alibaba/registry'
import { MAX_BODY_BYTES, readRpcRequest } from './alibaba/request'
import { getDeps } from './deps'
import type { Env } from './env'
import { localAdmin } from './local-admin'

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

app.use(
  '/',
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => errorResponse(c as Context<AppEnv>, new KmsError('request.tooLarge', 'The request is too large.')),
  }),
)

app.on(['GET', 'POST'], '/', async (c) => {
  const requestId = c.get('requestId')
  const body = c.req.method === 'GET' ? new ArrayBuffer(0) : await c.req.arrayBuffer()
  const rpc = await readRpcRequest(c.req.raw, body)
  c.set('action', rpc.action.slice(0, 64))
  if (rpc.version !== KMS_VERSION) {
    throw new KmsError('request.unsupportedVersion', 'Specified parameter Version is not valid.')
  }
  const handler = Object.hasOwn(KMS_ACTIONS, rpc.action) ? KMS_ACTIONS[rpc.action] : undefined
  if (!handler) {
    throw new KmsError('request.unknownAction', 'Specified api is not found, please check your url and method.')
  }
  const deps = getDeps(c.env)
  const caller = await authenticate(
    { credentials: deps.store.credentials, nonces: deps.store.nonces, rootKeys: deps.rootKeys, clock: deps.clock },
    rpc.signed,
    deps.region,
  )
  const result = await handler({ deps, caller, params: rpc.params, requestId, env: c.env })
  return c.json({ RequestId: requestId, ...result }, 200, { 'x-acs-request-id': requestId })
})

app.route('/__local', localAdmin)

app.notFound((c) =>
  errorResponse(c, new KmsError('request.unknownAction', 'Specified api is not found, please check your url and method.')),
)
app.onError((err, c) => errorResponse(c, err))
