/**
 * `tsx bench/wire-client.ts [--calls N] [--rounds R] [--child]` — per-call CPU of the two
 * DynamoDB document clients: the AWS SDK's `DynamoDBDocumentClient` (what the Worker used) and
 * `WireDocumentClient` (core/store/wire/client.ts, what it uses now), for GetItem and a
 * conditional PutItem of a realistic Key item, against dynalite on 127.0.0.1.
 *
 * CPU is `process.cpuUsage()` (user + system) over `--calls` sequential calls, per round; rounds
 * alternate between the clients and the median round is reported. By default dynalite runs in
 * this process (as the task asked), so every figure includes dynalite's own CPU; the "raw fetch"
 * row — the same request pre-signed, sent with bare fetch — measures that floor, and "client"
 * is the figure minus the floor. `--child` runs dynalite as a child process instead, so the
 * figures are the client process alone (then the floor is Node's fetch).
 *
 * Node's fetch (undici) is not workerd's, so absolute numbers differ from the Worker's; the
 * difference between the clients is the middleware and marshalling work the Worker saves.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import { FetchHttpHandler } from '@smithy/fetch-http-handler'
import { freePort } from '../scripts/lib/free-port'
import dynalite from 'dynalite'
import { ensureTable } from '../scripts/lib/create-table'
import { WireDocumentClient } from '../core/store/wire/client'
import { signRequest } from '../core/store/wire/sigv4'

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '5' },
    child: { type: 'boolean', default: false },
  },
})
const CALLS = Number(args.calls)
const ROUNDS = Number(args.rounds)
const TABLE = 'bench-wire'
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' }

// ---------------------------------------------------------------------------------------------
// dynalite (not through scripts/lib/stack.ts: importing it loads Miniflare, which replaces the
// global fetch dispatcher with its own undici and would change what is measured)

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

async function startDynalite(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const port = await freePort()
  if (!args.child) {
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()))
    return { endpoint: `http://127.0.0.1:${port}`, stop: () => new Promise((resolve) => server.close(() => resolve())) }
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-wire-'))
  const child: ChildProcess = spawn(
    join(ROOT, 'node_modules/.bin/tsx'),
    [join(ROOT, 'scripts/lib/dynalite-server.ts'), String(port), dir],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  )
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve()
    })
    child.on('exit', (code) => reject(new Error(`dynalite exited (${code})`)))
  })
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGTERM')
      await new Promise((resolve) => child.once('exit', resolve))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Workload

/** A Key item as the store writes it (two versions, tags, gsi attributes). */
function keyItem(rev: number) {
  return {
    pk: 'KEY#5f0c1e0b-0000-4000-8000-000000000001',
    sk: 'META',
    _et: 'Key',
    keyId: '5f0c1e0b-0000-4000-8000-000000000001',
    accountId: '1234567890',
    region: 'cn-hangzhou',
    instanceId: 'shared',
    keySpec: 'Aliyun_AES_256',
    keyUsage: 'ENCRYPT/DECRYPT',
    origin: 'Aliyun_KMS',
    protectionLevel: 'SOFTWARE',
    creatorType: 'User',
    keyState: 'Enabled',
    description: 'benchmark key',
    creator: '1234567890',
    createdAt: '2026-01-01T00:00:00Z',
    deletionProtection: false,
    primaryVersionId: 'v-2',
    versions: [
      { versionId: 'v-1', createdAt: '2025-01-01T00:00:00Z', wrappedMaterial: `rk1.root-1.${'A'.repeat(80)}` },
      { versionId: 'v-2', createdAt: '2026-01-01T00:00:00Z', wrappedMaterial: `rk1.root-1.${'B'.repeat(80)}` },
    ],
    automaticRotation: true,
    rotationIntervalSeconds: 31_536_000,
    nextRotationDate: '2027-01-01T00:00:00Z',
    tags: [
      { k: 'env', v: 'prod' },
      { k: 'team', v: 'payments' },
    ],
    rev,
    gsi1pk: 'ACCOUNT#1234567890#cn-hangzhou#KEYS',
    gsi1sk: '2026-01-01T00:00:00Z#5f0c1e0b-0000-4000-8000-000000000001',
    gsi2pk: 'DUE#KEY_ROTATION',
    gsi2sk: '2027-01-01T00:00:00Z#5f0c1e0b-0000-4000-8000-000000000001',
  }
}

const KEY = { pk: 'KEY#5f0c1e0b-0000-4000-8000-000000000001', sk: 'META' }

type Send = (command: GetCommand | PutCommand) => Promise<unknown>

interface Workload {
  name: string
  /** One call; `i` is the call's sequence number (the conditional put bumps `rev`). */
  run(send: Send, i: number): Promise<unknown>
}

let rev = 0
const workloads: Workload[] = [
  { name: 'GetItem', run: (send) => send(new GetCommand({ TableName: TABLE, Key: KEY, ConsistentRead: true })) },
  {
    name: 'conditional PutItem',
    run: async (send) => {
      const current = rev
      await send(
        new PutCommand({
          TableName: TABLE,
          Item: keyItem(current + 1),
          ConditionExpression: '#rev = :rev',
          ExpressionAttributeNames: { '#rev': 'rev' },
          ExpressionAttributeValues: { ':rev': current },
        }),
      )
      rev = current + 1
    },
  },
]

/** The same request as the GetItem / PutItem above, pre-marshalled and pre-signed: dynalite + fetch only. */
function rawFetch(endpoint: string, workload: Workload): () => Promise<unknown> {
  const url = new URL(endpoint)
  return async () => {
    const target = workload.name === 'GetItem' ? 'GetItem' : 'PutItem'
    const body =
      target === 'GetItem'
        ? `{"TableName":"${TABLE}","Key":{"pk":{"S":"${KEY.pk}"},"sk":{"S":"META"}},"ConsistentRead":true}`
        : JSON.stringify({
            TableName: TABLE,
            Item: marshalledItem,
            ConditionExpression: 'attribute_not_exists(#n)',
            ExpressionAttributeNames: { '#n': 'nothing' },
          })
    const bytes = rawBodies.get(body) ?? new TextEncoder().encode(body)
    rawBodies.set(body, bytes)
    const headers =
      rawHeaders.get(target) ??
      signRequest(
        {
          method: 'POST',
          host: url.host,
          path: '/',
          headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${target}` },
          body: bytes,
        },
        { credentials, region: 'us-east-1', service: 'dynamodb' },
      )
    rawHeaders.set(target, headers)
    const res = await fetch(`${endpoint}/`, { method: 'POST', headers, body: bytes })
    const text = await res.text()
    if (res.status !== 200) throw new Error(`raw ${target}: HTTP ${res.status}`)
    return text
  }
}
const rawBodies = new Map<string, Uint8Array>()
const rawHeaders = new Map<string, Record<string, string>>()
let marshalledItem: unknown

// ---------------------------------------------------------------------------------------------
// Measurement

async function measure(fn: (i: number) => Promise<unknown>, calls: number): Promise<{ cpuUs: number; wallUs: number }> {
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  for (let i = 0; i < calls; i++) await fn(i)
  const c = process.cpuUsage(c0)
  const wall = performance.now() - t0
  return { cpuUs: (c.user + c.system) / calls, wallUs: (wall * 1000) / calls }
}

const SDK_FETCH = 'DynamoDBDocumentClient on FetchHttpHandler (the Worker until now)'
const WIRE = 'WireDocumentClient'

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] as number
}

async function main(): Promise<void> {
  const ddb = await startDynalite()
  try {
    const sdkBase = new DynamoDBClient({ endpoint: ddb.endpoint, region: 'us-east-1', credentials, maxAttempts: 2 })
    await ensureTable(sdkBase, TABLE)
    const translate = { marshallOptions: { removeUndefinedValues: true } }
    // What the Worker used until now: the SDK on its fetch handler.
    const sdkFetch = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: ddb.endpoint,
        region: 'us-east-1',
        credentials,
        maxAttempts: 2,
        requestHandler: new FetchHttpHandler({ requestTimeout: 5000 }),
      }),
      translate,
    )
    // What Node scripts use: the SDK on node:http (a different transport, so only for reference).
    const sdkNode = DynamoDBDocumentClient.from(sdkBase, translate)
    const wire = new WireDocumentClient({ endpoint: ddb.endpoint, region: 'us-east-1', credentials })
    await sdkNode.send(new PutCommand({ TableName: TABLE, Item: keyItem(0) }))
    const { toWireMap } = await import('../core/store/wire/codec')
    // The raw put writes its own item, so the conditional put's `rev` chain stays intact.
    marshalledItem = toWireMap({ ...keyItem(0), pk: 'KEY#raw-floor' })

    const clients: Array<[string, (w: Workload) => (i: number) => Promise<unknown>]> = [
      ['raw fetch (floor)', (w) => rawFetch(ddb.endpoint, w)],
      [SDK_FETCH, (w) => (i) => w.run((c) => sdkFetch.send(c as GetCommand), i)],
      [WIRE, (w) => (i) => w.run((c) => wire.send(c), i)],
      ['SDK on node:http (reference)', (w) => (i) => w.run((c) => sdkNode.send(c as GetCommand), i)],
    ]

    console.log(
      `dynalite ${args.child ? 'in a child process' : 'in this process'}; ${CALLS} calls × ${ROUNDS} rounds; Node ${process.version}`,
    )
    const rows: string[] = []
    for (const workload of workloads) {
      const results = new Map<string, { cpu: number[]; wall: number[] }>()
      // Warm-up: JIT, keep-alive sockets, signing-key cache.
      for (const [name, make] of clients) {
        await measure(make(workload), Math.min(1000, CALLS))
        results.set(name, { cpu: [], wall: [] })
      }
      for (let round = 0; round < ROUNDS; round++) {
        for (const [name, make] of round % 2 === 0 ? clients : [...clients].reverse()) {
          const r = await measure(make(workload), CALLS)
          results.get(name)!.cpu.push(r.cpuUs)
          results.get(name)!.wall.push(r.wallUs)
        }
      }
      const floor = median(results.get('raw fetch (floor)')!.cpu)
      const sdkCpu = median(results.get(SDK_FETCH)!.cpu)
      const wireCpu = median(results.get(WIRE)!.cpu)
      for (const [name] of clients) {
        const { cpu, wall } = results.get(name)!
        const m = median(cpu)
        rows.push(
          `| ${workload.name} | ${name} | ${m.toFixed(0)} | ${name.startsWith('raw') ? '—' : (m - floor).toFixed(0)} | ${median(wall).toFixed(0)} |`,
        )
      }
      rows.push(
        `| ${workload.name} | **ratio SDK on fetch / wire** | ${(sdkCpu / wireCpu).toFixed(2)}× | ${((sdkCpu - floor) / Math.max(1, wireCpu - floor)).toFixed(1)}× | |`,
      )
    }
    console.log('\n| call | client | CPU µs/call | client CPU µs/call (minus floor) | wall µs/call |')
    console.log('|---|---|---|---|---|')
    for (const row of rows) console.log(row)
  } finally {
    await ddb.stop()
  }
}

await main()
