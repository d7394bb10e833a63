/**
 * @module hsm-bridge/server
 *
 * The thin HTTP layer (node:http, JSON). Order of checks for every request except
 * `GET /v1/health`: body size (413, from Content-Length before reading, and while reading
 * for chunked bodies) → authentication (401) → route (404) → JSON body → operation. Nothing
 * reaches an operation, or the HSM, before authentication succeeds.
 *
 * Responses to authenticated requests carry `x-bridge-response-signature` (see auth.ts).
 * Error bodies are `{"error":{"code","message"}}`; native HSM detail goes to the log only.
 */

import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'

import { authenticate, HEADER_RESPONSE_SIGNATURE, NonceStore, signResponse, type AuthFailure } from './auth.js'
import { BridgeError, internalError } from './errors.js'
import type { Logger, LogLevel } from './log.js'
import { describe } from './pkcs11/errors.js'
import { readBody } from './read-body.js'
import { parseBody, type Body } from './validate.js'

export const MAX_BODY_BYTES = 256 * 1024

export type Route = (body: Body) => Promise<unknown>

/** What the unauthenticated health route reveals: the status only. */
export interface HealthReport {
  status: 'ok' | 'unavailable'
}

export interface ServerOptions {
  secret: string
  /** POST routes by exact path. */
  routes: ReadonlyMap<string, Route>
  health: () => HealthReport
  logger: Logger
  nonces?: NonceStore
  maxBodyBytes?: number
  now?: () => number
}

const UNAUTHORIZED_MESSAGE = 'Request authentication failed.'

/**
 * Builds the HTTP server (not yet listening).
 *
 * @throws never
 */
export function createServer(options: ServerOptions): Server {
  const now = options.now ?? Date.now
  // Its epoch is this server's start: requests dated earlier are refused (see NonceStore).
  const nonces = options.nonces ?? new NonceStore(undefined, undefined, now())
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES
  let counter = 0

  const server = createHttpServer((req, res) => {
    const ctx: RequestContext = {
      req,
      res,
      id: (++counter).toString(36),
      started: performance.now(),
      nonce: undefined,
    }
    handle(ctx).catch((err: unknown) => {
      // Only reached if writing the response itself failed (client gone).
      options.logger.log('debug', 'response not delivered', { req: ctx.id, ...describe(err) })
    })
  })
  server.headersTimeout = 10_000
  server.requestTimeout = 30_000
  server.keepAliveTimeout = 5_000
  return server

  async function handle(ctx: RequestContext): Promise<void> {
    const { req } = ctx
    const method = req.method ?? ''
    const path = req.url ?? ''

    if (path === '/v1/health' && method === 'GET') {
      const report = options.health()
      send(ctx, report.status === 'ok' ? 200 : 503, report)
      return
    }

    const declared = req.headers['content-length']
    if (declared !== undefined && Number(declared) > maxBody) {
      sendError(ctx, new BridgeError('PayloadTooLarge', `The body exceeds ${maxBody} bytes.`))
      return
    }
    const body = await readBody(req, maxBody)
    if (body === 'tooLarge') {
      sendError(ctx, new BridgeError('PayloadTooLarge', `The body exceeds ${maxBody} bytes.`))
      return
    }

    const auth = authenticate({
      method,
      path,
      headers: req.headers,
      body,
      secret: options.secret,
      nonces,
      now: now(),
    })
    if (!auth.ok) {
      logAuthFailure(ctx, auth.reason)
      sendError(
        ctx,
        auth.reason === 'nonceStoreFull'
          ? new BridgeError('Unavailable', 'The bridge is overloaded.')
          : auth.reason === 'predatesStart'
            ? // Signed correctly, but before this process started: it may have been seen by the
              // previous one. A genuine client retries with a fresh request.
              new BridgeError('Unavailable', 'The bridge has restarted; send a new request.')
            : new BridgeError('Unauthorized', UNAUTHORIZED_MESSAGE),
      )
      return
    }
    ctx.nonce = auth.nonce

    const route = method === 'POST' ? options.routes.get(path) : undefined
    if (route === undefined) {
      sendError(ctx, new BridgeError('NotFound', 'No such route.'))
      return
    }
    try {
      const result = await route(parseBody(body))
      send(ctx, 200, result)
    } catch (err) {
      sendError(ctx, err instanceof BridgeError ? err : internalError(err))
    }
  }

  function logAuthFailure(ctx: RequestContext, reason: AuthFailure): void {
    options.logger.log('warn', 'request rejected', { req: ctx.id, path: logPath(ctx), reason })
  }

  function sendError(ctx: RequestContext, err: BridgeError): void {
    const level: LogLevel = err.status >= 500 ? (err.code === 'Internal' ? 'error' : 'warn') : 'info'
    options.logger.log(level, 'request failed', {
      req: ctx.id,
      path: logPath(ctx),
      code: err.code,
      ...(err.cause === undefined ? {} : describe(err.cause)),
    })
    send(ctx, err.status, { error: { code: err.code, message: err.message } })
  }

  function send(ctx: RequestContext, status: number, payload: unknown): void {
    const { res } = ctx
    const body = Buffer.from(JSON.stringify(payload), 'utf8')
    res.statusCode = status
    res.setHeader('content-type', 'application/json; charset=utf-8')
    res.setHeader('content-length', body.length)
    res.setHeader('cache-control', 'no-store')
    if (status === 503) res.setHeader('retry-after', '1')
    if (status === 413) res.setHeader('connection', 'close')
    if (ctx.nonce !== undefined) {
      const signature = signResponse(options.secret, status, ctx.nonce, body)
      res.setHeader(HEADER_RESPONSE_SIGNATURE, signature)
    }
    res.end(body)
    options.logger.log('debug', 'request', {
      req: ctx.id,
      method: ctx.req.method,
      path: logPath(ctx),
      status,
      ms: Math.round(performance.now() - ctx.started),
    })
  }
}

/** The request target for logs: attacker-controlled, so bounded (JSON encoding escapes it). */
function logPath(ctx: RequestContext): string {
  return (ctx.req.url ?? '').slice(0, 128)
}

interface RequestContext {
  req: IncomingMessage
  res: ServerResponse
  id: string
  started: number
  nonce: string | undefined
}
