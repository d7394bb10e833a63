/**
 * `node_modules/.bin/tsx bench/dynalite-ops.ts [--rounds 3]`
 *
 * dynalite's CPU per audit write, for the writes the group commit makes
 * (core/domain/audit/group-commit.ts), through the very repository methods the Worker calls
 * (core/store/audit.ts) on a dynalite of its own (scripts/lib/dynalite-server.ts, a temporary
 * data dir): record items (`putMany`, 25 per BatchWriteItem) against audit pages (`putPage`, 25
 * and 100 records per PutItem), and nonce claims of 16 names per write conditional on each name
 * (`claimNonces`) against conditional on the ledger item's version (`ifVersion`), the latter on
 * an item growing to 704 claims as in one busy second. CPU is the dynalite process's, from
 * /proc (10 ms ticks: every figure sums ≥ 1 s of CPU over `--rounds` rounds); the client runs in
 * this process. Prints one line per case and a JSON summary.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { AuditRecord } from '../core/domain/audit/model'
import { createStore } from '../core/store'
import { ensureTable } from '../scripts/lib/create-table'
import { freePort } from '../scripts/lib/stack'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } })
const rounds = Math.max(1, Number(values.rounds) || 3)
const dir = mkdtempSync(join(tmpdir(), 'dynalite-ops-'))
const port = await freePort()
const tsx = join(process.cwd(), 'node_modules/.bin/tsx')
const server = spawn(tsx, [join(process.cwd(), 'scripts/lib/dynalite-server.ts'), String(port), dir], {
  stdio: ['pipe', 'pipe', 'inherit'],
})
await new Promise<void>((resolve, reject) => {
  server.stdout!.on('data', (d) => String(d).includes('listening') && resolve())
  server.once('exit', (code) => reject(new Error(`dynalite exited (${code})`)))
})

/** The process that serves dynalite: the tsx wrapper's node child (or the wrapper itself). */
function serverPid(): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === server.pid) return Number(entry)
    } catch {
      // gone
    }
  }
  return server.pid!
}
const pid = serverPid()
const ticks = 100 // USER_HZ on Linux
function cpuUs(): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(f[11]) + Number(f[12])) * 1e6) / ticks
}

try {
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  await ensureTable(client, 'dynalite-ops')
  const { audit } = createStore(client, 'dynalite-ops')

  const body = JSON.stringify({ padding: 'x'.repeat(640) }) // ≈ an Encrypt event's canonical body
  let n = 0
  const record = (): AuditRecord => {
    const eventId = crypto.randomUUID()
    return { eventId, body, accountId: '1234567890123456', time: new Date(Date.now() + n++).toISOString() }
  }
  const many = (k: number) => Array.from({ length: k }, record)
  const names = (k: number) => Array.from({ length: k }, () => `c${crypto.randomUUID().replace(/-/g, '')}`)
  let second = 1_800_000_000

  const cases: Array<{ name: string; per: number; calls: number; op: (i: number) => Promise<unknown> }> = [
    { name: 'putMany: 25 record items (BatchWriteItem)', per: 25, calls: 40, op: () => audit.putMany(many(25)) },
    { name: 'putPage: 25 records in one page (PutItem)', per: 25, calls: 120, op: () => audit.putPage(many(25)) },
    { name: 'putPage: 100 records in one page (PutItem)', per: 100, calls: 60, op: () => audit.putPage(many(100)) },
    {
      name: 'claimNonces: 16 per write, a condition per claim (fresh item each write)',
      per: 16,
      calls: 132,
      op: () => audit.claimNonces({ accessKeyId: 'AK', second: second++, expiresAt: 0 }, names(16), 'tok'),
    },
  ]
  // Versioned: 44 writes of 16 to one item (704 claims, about a busy second), then a new item.
  let version = 0
  let ledger = { accessKeyId: 'AKV', second: second++, expiresAt: 0 }
  cases.push({
    name: 'claimNonces: 16 per write, conditional on the version (item grows to 704 claims)',
    per: 16,
    calls: 132,
    op: async (i) => {
      if (i % 44 === 0) {
        ledger = { accessKeyId: 'AKV', second: second++, expiresAt: 0 }
        version = (await audit.claimNonces(ledger, names(16), 'tok')).version
        return
      }
      version = (await audit.claimNonces(ledger, names(16), 'tok', { ifVersion: version })).version
    },
  })

  const summary: Record<string, { dynaliteUsPerCall: number; dynaliteUsPerRecord: number; wallMsPerCall: number }> = {}
  for (const c of cases) await c.op(0) // warm-up (JIT, the table's first writes)
  for (const c of cases) {
    let cpu = 0
    let wall = 0
    let calls = 0
    for (let r = 0; r < rounds; r++) {
      const c0 = cpuUs()
      const t0 = performance.now()
      for (let i = 0; i < c.calls; i++) await c.op(i)
      wall += performance.now() - t0
      cpu += cpuUs() - c0
      calls += c.calls
    }
    const perCall = cpu / calls
    summary[c.name] = {
      dynaliteUsPerCall: Math.round(perCall),
      dynaliteUsPerRecord: Math.round(perCall / c.per),
      wallMsPerCall: +(wall / calls).toFixed(2),
    }
    console.log(
      `${c.name}: ${Math.round(perCall)} µs dynalite CPU per call = ${Math.round(perCall / c.per)} per record/claim; ${(wall / calls).toFixed(2)} ms per call`,
    )
  }
  console.log(JSON.stringify({ rounds, summary }))
  client.destroy()
} finally {
  server.stdin!.end()
  server.kill('SIGTERM')
  await new Promise((r) => setTimeout(r, 300))
  rmSync(dir, { recursive: true, force: true })
}
