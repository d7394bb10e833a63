/**
 * `node_modules/.bin/tsx scripts/audit-seal-bench.ts [--records 20000]`
 *
 * How fast the sealer (core/domain/audit/seal-audit-trail.ts) works through a backlog, measured
 * on a fresh local stack of its own (dynalite + the Worker bundle in workerd; its own port and
 * a temporary data dir): writes `--records` unsealed audit records straight into the table
 * (as many requests would), then fires the Worker's cron handler until none is pending, and
 * prints events sealed per second (wall clock, cron runs included) as one JSON line. The
 * verifier then re-checks the whole chain, so a fast but wrong sealer does not pass.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { canonicalBody } from '../core/domain/audit/chain'
import type { AuditEvent } from '../core/domain/audit/model'
import { verifyAuditTrail } from '../core/domain/audit/verify-audit-trail'
import { parseRootKeyRing } from '../core/crypto/root-key'
import { createStore } from '../core/store'
import { readFileSync } from 'node:fs'
import { freePort, startStack } from './lib/stack'

const { values } = parseArgs({ options: { records: { type: 'string', default: '20000' } } })
const total = Number(values.records)
const dataDir = mkdtempSync(join(tmpdir(), 'seal-bench-'))
const stack = await startStack({ port: await freePort(), dataDir, hsm: 'off' })
try {
  const client = new DynamoDBClient({
    endpoint: stack.dynamoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  const store = createStore(client, stack.tableName)
  // Seal what the stack's own start wrote, so the run measures only the backlog.
  await stack.runScheduled('* * * * *', Date.now())
  const before = (await store.audit.getHead())?.seq ?? 0
  const t0 = Date.now() - 10_000
  let next = 0
  const writeOne = async (): Promise<void> => {
    for (let i = next++; i < total; i = next++) {
      const event: AuditEvent = {
        v: 1,
        eventId: crypto.randomUUID(),
        time: new Date(t0 + (i % 5000)).toISOString(),
        requestId: crypto.randomUUID().toUpperCase(),
        service: 'kms',
        action: 'Encrypt',
        readOnly: true,
        accountId: stack.credentials.accountId,
        principalType: 'root',
        accessKeyId: stack.credentials.accessKeyId,
        decision: 'Allow',
        outcome: 'Success',
        params: { KeyId: 'k', Plaintext: 'redacted:small' },
      }
      await store.audit.put({ eventId: event.eventId, body: canonicalBody(event), accountId: event.accountId!, time: event.time })
    }
  }
  await Promise.all(Array.from({ length: 16 }, writeOne))
  await new Promise((r) => setTimeout(r, 1100))
  const started = performance.now()
  let runs = 0
  for (;;) {
    await stack.runScheduled('* * * * *', Date.now())
    runs++
    const seq = (await store.audit.getHead())?.seq ?? 0
    const pending = await store.audit.listPending(new Date().toISOString(), 1)
    if (seq - before >= total || pending.length === 0 || runs > 200) break
  }
  const seconds = (performance.now() - started) / 1000
  const sealed = ((await store.audit.getHead())?.seq ?? 0) - before
  const ring = parseRootKeyRing(readFileSync(join(dataDir, 'root-keys.json'), 'utf8'))
  const report = await verifyAuditTrail(
    { head: () => store.audit.getHead(), chain: (a, l) => store.audit.listChain(a, l), digests: (a, l) => store.audit.listDigests(a, l) },
    ring,
  )
  console.log(
    JSON.stringify({
      records: total,
      sealed,
      runs,
      seconds: Number(seconds.toFixed(1)),
      sealedPerSecond: Math.round(sealed / seconds),
      verified: report.ok,
    }),
  )
} finally {
  await stack.stop()
  rmSync(dataDir, { recursive: true, force: true })
}
