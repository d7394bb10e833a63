/**
 * @module functions/alibaba/ram/local-routes
 *
 * Local-stack-only routes of access control and the audit trail, behind the same three gates as
 * functions/local-admin.ts (KMS_LOCAL_MODE = "true", a loopback host, the per-start token in
 * `$KMS_DATA_DIR/local-admin-token`); anything else is a plain 404:
 *
 * - `POST /__local/accounts` creates another account with a root AccessKey and returns
 *   `{accountId, accessKeyId, accessKeySecret}` — how tests (and people) get a second tenant for
 *   cross-account checks. Deployed builds have no way to create accounts through the API.
 * - `GET /__local/audit/head`, `/__local/audit/chain?after=<seq>&limit=<n>`,
 *   `/__local/audit/digests?after=<n>&limit=<n>`, `/__local/audit/pending?limit=<n>` read the
 *   trail for `npm run audit:verify` and `npm run audit:export`, which verify it themselves
 *   with the root key ring of the data dir.
 */
import { Hono } from 'hono'
import { utf8 } from '../../../core/crypto/bytes'
import { wrapUnderRoot } from '../../../core/crypto/root-key'
import { accessKeySecretAad } from '../../../core/domain/authenticate'
import { recordEvent } from '../../../core/domain/audit/run-audited'
import { isoSeconds, randomString } from '../../../core/domain/principals/deps'
import { ROOT_PRINCIPAL } from '../../../core/domain/principals/model'
import { rootArn } from '../../../core/domain/principals/names'
import { clientIp } from '../../client-ip'
import { getDeps } from '../../deps'
import type { Env } from '../../env'
import { isLocalAdmin } from '../../local-admin'

export const localAccessRoutes = new Hono<{ Bindings: Env }>()

function bounded(value: string | undefined, fallback: number, max: number): number | undefined {
  if (value === undefined) return fallback
  if (!/^\d{1,9}$/.test(value)) return undefined
  return Math.min(Number(value), max)
}

localAccessRoutes.post('/accounts', async (c) => {
  if (!isLocalAdmin(c)) return c.notFound()
  const deps = getDeps(c.env)
  const now = deps.clock.now()
  const accountId = `1${randomString(deps.random, 15, '0123456789')}`
  const accessKeyId = `LTAI${randomString(deps.random, 20)}`
  const accessKeySecret = randomString(deps.random, 30)
  await recordEvent(deps, {
    v: 1,
    eventId: crypto.randomUUID(),
    time: new Date(now).toISOString(),
    requestId: crypto.randomUUID().toUpperCase(),
    service: 'local',
    action: 'CreateAccount',
    readOnly: false,
    accountId,
    principalType: 'root',
    principalArn: rootArn(accountId),
    accessKeyId,
    sourceIp: clientIp(c.req.raw.headers, c.env),
    resources: [rootArn(accountId)],
    decision: 'NotEvaluated',
    outcome: 'Success',
  })
  await deps.credentials.ensureAccount({ accountId, createdAt: isoSeconds(now) })
  await deps.credentials.createAccessKey({
    accessKeyId,
    accountId,
    principal: ROOT_PRINCIPAL,
    status: 'Active',
    wrappedSecret: await wrapUnderRoot(deps.rootKeys, utf8(accessKeySecret), accessKeySecretAad(accessKeyId)),
    createdAt: isoSeconds(now),
  })
  return c.json({ accountId, accessKeyId, accessKeySecret })
})

localAccessRoutes.get('/audit/head', async (c) => {
  if (!isLocalAdmin(c)) return c.notFound()
  return c.json({ head: (await getDeps(c.env).audit.getHead()) ?? null })
})

localAccessRoutes.get('/audit/chain', async (c) => {
  if (!isLocalAdmin(c)) return c.notFound()
  const after = bounded(c.req.query('after'), 0, Number.MAX_SAFE_INTEGER)
  const limit = bounded(c.req.query('limit'), 500, 1000)
  if (after === undefined || !limit) return c.json({ error: 'after and limit must be non-negative integers' }, 400)
  return c.json({ records: await getDeps(c.env).audit.listChain(after, limit) })
})

localAccessRoutes.get('/audit/digests', async (c) => {
  if (!isLocalAdmin(c)) return c.notFound()
  const after = bounded(c.req.query('after'), 0, Number.MAX_SAFE_INTEGER)
  const limit = bounded(c.req.query('limit'), 500, 1000)
  if (after === undefined || !limit) return c.json({ error: 'after and limit must be non-negative integers' }, 400)
  return c.json({ digests: await getDeps(c.env).audit.listDigests(after, limit) })
})

localAccessRoutes.get('/audit/pending', async (c) => {
  if (!isLocalAdmin(c)) return c.notFound()
  const limit = bounded(c.req.query('limit'), 1000, 10_000)
  if (!limit) return c.json({ error: 'limit must be a positive integer' }, 400)
  // Records still in an audit page come back with their page; the export and verify tools show records only.
  const records = await getDeps(c.env).audit.listPending('9999-12-31T23:59:59.999Z', limit)
  return c.json({ records: records.map(({ page: _page, ...r }) => r) })
})
