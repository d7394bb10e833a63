/**
 * @module functions/local-admin
 *
 * Local-stack-only routes, for people testing a local KMS: `POST /__local/scheduled?at=<ISO>`
 * runs every scheduled job once as if the clock read `at` (how `npm run cron -- --at` works).
 *
 * Never available in a deployed build: it answers only when all of these hold, else it is a
 * plain 404 indistinguishable from any unknown path:
 * - the binding KMS_LOCAL_MODE is "true" (set only by scripts/lib/stack.ts, never in wrangler.toml),
 * - the request was addressed to a loopback host,
 * - it carries the per-start token from `$KMS_DATA_DIR/local-admin-token` (constant-time check).
 */
import { Hono } from 'hono'
import { timingSafeEqual, utf8 } from '../core/crypto/bytes'
import { getDeps } from './deps'
import type { Env } from './env'
import { runScheduled } from './scheduled'

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])

export const localAdmin = new Hono<{ Bindings: Env }>()

localAdmin.post('/scheduled', async (c) => {
  const token = c.env.KMS_LOCAL_ADMIN_TOKEN
  const given = (c.req.header('authorization') ?? '').replace(/^Bearer /, '')
  const url = new URL(c.req.url)
  if (
    c.env.KMS_LOCAL_MODE !== 'true' ||
    !token ||
    !LOOPBACK.has(url.hostname) ||
    !timingSafeEqual(utf8(given), utf8(token))
  ) {
    return c.notFound()
  }
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
