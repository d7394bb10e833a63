/**
 * @module functions/app
 *
 * The Hono application: one RPC endpoint (`GET|POST /`) speaking Alibaba's APIs, chosen by
 * `Version`: KMS (2016-01-20), RAM (2015-05-01) and ActionTrail (2020-07-06).
 * Flow, one step per file under functions/pipeline/ (per-request state in context variables,
 * pipeline/env.ts): request id + Date header (request-id.ts) → body limit, before anything is
 * read, chunked bodies included (body-limit.ts) → deps → audit of refusals (audit.ts) → parse,
 * API by version, action descriptor (parse.ts) → authenticate, signature and timestamp
 * (authenticate.ts) → authorise (authorise.ts, functions/authorize.ts) → throttle/admit
 * (admit.ts) → audited dispatch (dispatch.ts: core/domain/audit/run-audited.ts; the first audit
 * write of an authenticated call also claims its nonce) → JSON with RequestId.
 * Every authenticated call leaves exactly one audit event, also when it is refused before the
 * handler (bad parameters, denied), plus a copy in the key owner's trail when it uses another
 * account's key; if an event cannot be written the call fails with 503. A call refused before
 * its sender is authenticated is recorded as unauthenticated, apart and bounded in number
 * (core/domain/audit/unauthenticated.ts). The source address is what functions/client-ip.ts
 * trusts, never a header the client set.
 * Every failure leaves through `onError` in Alibaba's error shape.
 *
 * The app is built from a deps factory (`createApp`), so tests run the whole pipeline with
 * `app.request(...)` on in-memory fakes (test/fakes/deps.ts); functions/index.ts builds it on
 * `getDeps`. The local-only routes (/__local) and the console still read `getDeps` themselves.
 */
import { Hono } from 'hono'
import { createMiddleware } from 'hono/factory'
import { KmsError } from '../core/errors'
import { localAccessRoutes } from './alibaba/ram/local-routes'
import { consoleRoutes } from './console'
import type { Deps } from './deps'
import type { Env } from './env'
import { localAdmin } from './local-admin'
import { admitCall } from './pipeline/admit'
import { auditRefusals } from './pipeline/audit'
import { authenticateCaller } from './pipeline/authenticate'
import { authoriseCall } from './pipeline/authorise'
import { limitBody } from './pipeline/body-limit'
import { dispatch } from './pipeline/dispatch'
import type { Apis, AppEnv } from './pipeline/env'
import { errorResponse } from './pipeline/errors'
import { APIS, parseRpc } from './pipeline/parse'
import { requestId } from './pipeline/request-id'

export type { Apis, AppEnv } from './pipeline/env'
export { APIS } from './pipeline/parse'

export interface AppOptions {
  /** The core's ports for a request's bindings (functions/deps.ts `getDeps`, or test fakes). */
  deps: (env: Env) => Deps
  /** The APIs by `Version` (default {@link APIS}); tests inject spy registries. */
  apis?: Apis
}

export function createApp(options: AppOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const withDeps = createMiddleware<AppEnv>(async (c, next) => {
    c.set('deps', options.deps(c.env))
    await next()
  })

  app.use('*', requestId)
  app.use('/', limitBody(options.deps))
  app.on(
    ['GET', 'POST'],
    '/',
    withDeps,
    auditRefusals,
    parseRpc(options.apis ?? APIS),
    authenticateCaller,
    authoriseCall,
    admitCall,
    dispatch,
  )

  app.route('/__local', localAdmin)
  app.route('/__local', localAccessRoutes)
  app.route('/console', consoleRoutes)

  app.notFound((c) =>
    errorResponse(c, new KmsError('request.unknownAction', 'Specified api is not found, please check your url and method.')),
  )
  app.onError((err, c) => errorResponse(c, err))
  return app
}
