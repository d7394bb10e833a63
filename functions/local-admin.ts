/**
 * @module functions/local-admin
 *
 * Local-stack-only routes, for people testing a local KMS: `POST /__local/scheduled?at=<ISO>`
 * runs every scheduled job once as if the clock read `at` (how `npm run cron -- --at` works);
 * `POST /__local/instances` creates a KMS instance for an account and `GET /__local/instances?accountId=`
 * lists them (how `npm run instance` works: instances are bought at Alibaba, so only the
 * operator makes them here).
 *
 * Never available in a deployed build: it answers only when all of these hold, else it is a
 * plain 404 indistinguishable from any unknown path:
 * - the binding KMS_LOCAL_MODE is "true" (set only by scripts/lib/stack.ts, never in wrangler.toml),
 * - the request was addressed to a loopback host,
 * - it carries the per-start token from `$KMS_DATA_DIR/local-admin-token` (constant-time check).
 */
import { Hono, type Context } from 'hono'
import { timingSafeEqual, utf8 } from '../core/crypto/bytes'
import { getDeps } from './deps'
import type { Env } from './env'
import { runScheduled } from './scheduled'
import { createInstance, listInstances } from '../core/domain/instances/instances'
import { isLoopbackName } from '../core/domain/loopback'
import { KmsError } from '../core/errors'

export const localAdmin = new Hono<{ Bindings: Env }>()

/** Local mode, a loopback host and the per-start token: else the route is a plain 404. */
export function isLocalAdmin(c: Context<{ Bindings: Env }>): boolean {
  const token = c.env.KMS_LOCAL_ADMIN_TOKEN
  const given = (c.req.header('authorization') ?? '').replace(/^Bearer /, '')
  const url = new URL(c.req.url)
  return c.env.KMS_LOCAL_MODE === 'true' && !!token && isLoopbackName(url.hostname) && timingSafeEqual(utf8(given), utf8(token))
}

localAdmin.post('/scheduled', async (c) => {
  if (!isLocalAdmin(c)) return c.notFound()
  const atParam = c.req.query('at')
  const at = atParam === undefined ? Date.now() : Date.parse(atParam)
  if (Number.isNaN(at)) return c.json({ error: 'at must be an ISO-8601 time' }, 400)
  const budgetParam = c.req.query('budget')
  const budget = budgetParam === undefined ? undefined : Number(budgetParam)
  if (budget !== undefined && (!Number.isInteger(budget) || budget < 1 || budget > 10_000)) {
    return c.json({ error: 'budget must be an integer from 1 to 10000' }, 400)
  }
  const reports = await runScheduled(getDeps(c.env), at, budget)
  return c.json({ at: new Date(at).toISOString(), reports })
})

const ACCOUNT_ID = /^\d{1,32}$/

/**
 * Creates a KMS instance. JSON body: `accountId` (required), `type` (software | hsm | external),
 * `keys`, `secrets`, `rps` (the instance's Spec), optional `vpcs`, `name`. Answers the instance.
 */
localAdmin.post('/instances', async (c) => {
  if (!isLocalAdmin(c)) return c.notFound()
  let body: Record<string, unknown>
  try {
    const parsed: unknown = await c.req.json()
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object')
    body = parsed as Record<string, unknown>
  } catch {
    return c.json({ error: 'the body must be a JSON object' }, 400)
  }
  const accountId = body.accountId
  if (typeof accountId !== 'string' || !ACCOUNT_ID.test(accountId)) return c.json({ error: 'accountId must be a numeric account id' }, 400)
  const deps = getDeps(c.env)
  try {
    const instance = await createInstance(
      { instances: deps.store.instances, clock: deps.clock, random: deps.random },
      accountId,
      deps.region,
      {
        type: String(body.type ?? 'software'),
        keyNum: Number(body.keys ?? 1000),
        secretNum: Number(body.secrets ?? 100),
        spec: Number(body.rps ?? 1000),
        vpcNum: Number(body.vpcs ?? 1),
        ...(typeof body.name === 'string' ? { instanceName: body.name } : {}),
      },
    )
    return c.json({ instance })
  } catch (err) {
    if (err instanceof KmsError && err.code.startsWith('validation.')) return c.json({ error: err.message }, 400)
    throw err
  }
})

localAdmin.get('/instances', async (c) => {
  if (!isLocalAdmin(c)) return c.notFound()
  const accountId = c.req.query('accountId') ?? ''
  if (!ACCOUNT_ID.test(accountId)) return c.json({ error: 'accountId must be a numeric account id' }, 400)
  const deps = getDeps(c.env)
  return c.json({ instances: await listInstances(deps.store, { accountId, region: deps.region }) })
})
