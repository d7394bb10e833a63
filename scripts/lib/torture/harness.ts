/**
 * A torture stack: the real local stack (startStack on a free port and a temp data dir) plus
 * what the scenarios need around it — workerd's stdout/stderr captured for echo scans, kill -9
 * and restart of each child (dynalite, workerd, the hsm-bridge), a second workerd isolate on the
 * same table, and a full table dump through @aws-sdk/client-dynamodb.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { DynamoDBClient, GetItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb'
import { Miniflare } from 'miniflare'
import { freePort, restartHsmBridge, ROOT, startStack, type RunningStack } from '../stack'
import { call, sleep, type Target } from './client'

const TSX = join(ROOT, 'node_modules/.bin/tsx')

export type Victim = 'dynalite' | 'workerd' | 'hsm-bridge'

export interface TortureStack {
  stack: RunningStack
  target: Target
  /** Everything workerd printed (the Worker's console output) and the restarted bridges' stdout. */
  logText(): string
  /** The pids serving `victim` now (the tsx wrapper and its node child for dynalite). */
  pids(victim: Victim): number[]
  kill(victim: Victim): number[]
  restart(victim: Victim): Promise<void>
  /** A second workerd (its own isolate) serving the same bundle, table and bindings. */
  secondIsolate(): Promise<{ endpoint: string; dispose(): Promise<void> }>
  /** Every item of the table, `pk|sk` → canonical JSON. */
  dumpTable(): Promise<Map<string, string>>
  /** True when the audit record `AUDIT#EVT#<eventId>` exists (consistent read). */
  hasAuditRecord(eventId: string): Promise<boolean>
  /**
   * The event ids the audit pages hold (a read-only call's record stays in its page until it is
   * sealed: core/store/SCHEMA.md (Audit pages)). Read it before {@link hasAuditRecord}: a record
   * sealed in between is then found as its own item.
   */
  pagedEventIds(): Promise<Set<string>>
  dynamo: DynamoDBClient
  stop(): Promise<void>
}

function procs(): Array<{ pid: number; cmdline: string }> {
  const out: Array<{ pid: number; cmdline: string }> = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      out.push({ pid: Number(entry), cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8') })
    } catch {
      // gone
    }
  }
  return out
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    )
  }
  return value
}

export async function startTortureStack(opts: { hsm?: 'auto' | 'off'; verbose?: boolean } = {}): Promise<TortureStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kms-torture-'))
  const port = await freePort()
  const logs: string[] = []
  let logBytes = 0
  const capture = (chunk: Buffer | string) => {
    const text = String(chunk)
    if (logBytes < 64 * 1024 * 1024) {
      logs.push(text)
      logBytes += text.length
    }
    if (opts.verbose) process.stderr.write(text)
  }
  const stack = await startStack({
    port,
    dataDir,
    hsm: opts.hsm ?? 'auto',
    workerStdio: (stdout, stderr) => {
      stdout.on('data', capture)
      stderr.on('data', capture)
    },
  })
  const target: Target = { ...stack.credentials }
  const dynamoPort = new URL(stack.dynamoEndpoint).port
  const extraChildren: ChildProcess[] = []
  const extraWorkers: Miniflare[] = []
  let bridgePid = stack.hsm?.pid
  const dynamo = new DynamoDBClient({
    endpoint: stack.dynamoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  })

  const pids = (victim: Victim): number[] => {
    if (victim === 'hsm-bridge') return bridgePid ? [bridgePid] : []
    const needle = victim === 'dynalite' ? `dynalite-server.ts\u0000${dynamoPort}\u0000` : `--socket-addr=entry=127.0.0.1:${port}\u0000`
    return procs()
      .filter((p) => p.cmdline.includes(needle))
      .filter((p) => victim !== 'workerd' || /(^|\/)workerd\u0000/.test(p.cmdline))
      .map((p) => p.pid)
  }

  const waitUntil = async (what: string, ok: () => Promise<boolean>, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (await ok()) return
      await sleep(50)
    }
    throw new Error(`${what} did not come back within ${timeoutMs} ms`)
  }

  const ts: TortureStack = {
    stack,
    target,
    dynamo,
    logText: () => logs.join(''),
    pids,
    kill(victim) {
      const killed = pids(victim)
      for (const pid of killed) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // gone already
        }
      }
      return killed
    },
    async restart(victim) {
      if (victim === 'dynalite') {
        const child = spawn(TSX, [join(ROOT, 'scripts/lib/dynalite-server.ts'), dynamoPort, join(dataDir, 'dynalite')], {
          cwd: ROOT,
          stdio: ['pipe', 'ignore', 'pipe'],
        })
        child.stderr!.on('data', capture)
        child.once('exit', (code, signal) => capture(`[torture] restarted dynalite ${child.pid} exited (code ${code}, signal ${signal})\n`))
        extraChildren.push(child)
        await waitUntil('dynalite', async () => {
          try {
            await dynamo.send(new GetItemCommand({ TableName: stack.tableName, Key: { pk: { S: 'PING' }, sk: { S: 'PING' } } }))
            return true
          } catch {
            return child.exitCode !== null ? Promise.reject(new Error(`dynalite exited (${child.exitCode})`)) : false
          }
        })
      } else if (victim === 'workerd') {
        await stack.miniflare.setOptions(stack.miniflareOptions)
        await stack.miniflare.ready
      } else {
        if (!stack.hsm) throw new Error('no hsm-bridge in this stack')
        const { child, pid } = await restartHsmBridge(dataDir, stack.hsm)
        child.stdout!.on('data', capture)
        extraChildren.push(child)
        bridgePid = pid
      }
    },
    async secondIsolate() {
      const p2 = await freePort()
      const mf = new Miniflare({
        ...stack.miniflareOptions,
        port: p2,
        handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
          stdout.on('data', capture)
          stderr.on('data', capture)
        },
      })
      await mf.ready
      extraWorkers.push(mf)
      return { endpoint: `http://127.0.0.1:${p2}`, dispose: () => mf.dispose() }
    },
    async dumpTable() {
      const out = new Map<string, string>()
      let start: Record<string, AttributeValue> | undefined
      do {
        const page = await dynamo.send(new ScanCommand({ TableName: stack.tableName, ConsistentRead: true, ExclusiveStartKey: start }))
        for (const item of page.Items ?? []) out.set(`${item.pk?.S}|${item.sk?.S}`, JSON.stringify(sortKeys(item)))
        start = page.LastEvaluatedKey
      } while (start)
      return out
    },
    async hasAuditRecord(eventId) {
      const res = await dynamo.send(
        new GetItemCommand({
          TableName: stack.tableName,
          Key: { pk: { S: `AUDIT#EVT#${eventId}` }, sk: { S: 'EVENT' } },
          ConsistentRead: true,
        }),
      )
      return res.Item !== undefined
    },
    async pagedEventIds() {
      const ids = new Set<string>()
      let start: Record<string, AttributeValue> | undefined
      do {
        const page = await dynamo.send(
          new ScanCommand({
            TableName: stack.tableName,
            ConsistentRead: true,
            FilterExpression: 'begins_with(pk, :p)',
            ExpressionAttributeValues: { ':p': { S: 'AUDIT#PAGE#' } },
            ExclusiveStartKey: start,
          }),
        )
        for (const item of page.Items ?? []) for (const [id] of JSON.parse(item.records?.S ?? '[]') as string[][]) ids.add(id!)
        start = page.LastEvaluatedKey
      } while (start)
      return ids
    },
    async stop() {
      for (const mf of extraWorkers) await mf.dispose().catch(() => {})
      await stack.stop()
      for (const child of extraChildren) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      }
      dynamo.destroy()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
  return ts
}

/** Waits until a signed DescribeRegions answers 200; returns the ms it took. */
export async function waitHealthy(target: Target, timeoutMs = 30_000): Promise<number> {
  const t0 = Date.now()
  let last = ''
  while (Date.now() - t0 < timeoutMs) {
    const r = await call(target, 'DescribeRegions')
    if (r.status === 200) return Date.now() - t0
    last = `${r.status || r.error} ${r.text.slice(0, 200)}`
    await sleep(25)
  }
  throw new Error(`the stack did not answer 200 within ${timeoutMs} ms; last answer: ${last}`)
}
