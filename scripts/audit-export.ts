/**
 * `npm run audit:export [-- --account <id>] [--since <ISO>] [--until <ISO>] [--digests]`
 *
 * Writes the audit trail of the running local stack (KMS_PORT / KMS_DATA_DIR) to stdout as JSON
 * lines: first every sealed event in chain order, then the events not sealed yet (oldest first),
 * each as `{"type":"event","seq":…,"hash":…,"sealed":true|false,"event":{…}}`; with `--digests`
 * also every signed digest as `{"type":"digest",…}` — keep those elsewhere to detect a rewound
 * trail later. Events never contain secret values or plaintext (see docs/access-control.md).
 */
import { parseArgs } from 'node:util'
import type { AuditEvent, AuditRecord } from '../core/domain/audit/model'
import { localTrail } from './audit-verify'
import { StackError } from './lib/stack'

function line(r: AuditRecord, sealed: boolean): string {
  const event = JSON.parse(r.body) as AuditEvent
  return JSON.stringify({ type: 'event', seq: r.seq, hash: r.hash, sealed, event })
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      account: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      digests: { type: 'boolean', default: false },
    },
  })
  for (const name of ['since', 'until'] as const) {
    if (values[name] !== undefined && Number.isNaN(Date.parse(values[name]!))) {
      throw new StackError(`--${name} must be an ISO-8601 time (got "${values[name]}")`)
    }
  }
  const since = values.since ? new Date(values.since).toISOString() : ''
  const until = values.until ? new Date(values.until).toISOString() : '~'
  const keep = (r: AuditRecord) => (values.account === undefined || r.accountId === values.account) && r.time >= since && r.time <= until
  const trail = localTrail()
  const out = process.stdout
  // The unsealed records are read before the chain, and those met in the chain are dropped: a
  // record the sealer seals meanwhile, or one sealed while its audit page is not retired yet
  // (the pending list still shows the page), is written once, as sealed.
  const unsealed = new Map((await trail.pending(10_000)).filter(keep).map((r) => [r.eventId, r]))
  for (let after = 0; ;) {
    const page = await trail.source.chain(after, 500)
    for (const r of page) {
      unsealed.delete(r.eventId)
      if (keep(r)) out.write(`${line(r, true)}\n`)
    }
    if (page.length < 500) break
    after = page[page.length - 1]!.seq!
  }
  const rest = [...unsealed.values()].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0))
  for (const r of rest) out.write(`${line(r, false)}\n`)
  if (values.digests) {
    for (let after = 0; ;) {
      const page = await trail.source.digests(after, 500)
      for (const d of page) out.write(`${JSON.stringify({ type: 'digest', ...d })}\n`)
      if (page.length < 500) break
      after = page[page.length - 1]!.digestSeq
    }
  }
}

main().catch((err) => {
  console.error(err instanceof StackError ? `error: ${err.message}` : err)
  process.exit(2)
})
