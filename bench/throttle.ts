/**
 * `npm run bench:throttle [-- --rps 1000 --offered 3000 --duration 10 --warmup 2 --instances 1]`
 *
 * The per-instance request limit (core/domain/instances/throttle.ts) under overload. Starts its
 * own stack (scripts/lib/stack.ts), creates a software KMS instance with `Spec = --rps` through
 * the local admin route, a key in it, and offers `--offered` Encrypt requests per second on that
 * key, open loop (sent on a 5 ms clock whatever the answers, over keep-alive connections, each
 * signed with its own nonce). Answers received during the `--duration` window after `--warmup`
 * are counted by kind: 200 (served), 429 Rejected.Throttling, anything else — by arrival, since
 * the limit acts when the Worker processes a request, which under overload lags its sending
 * (counting by send time would credit the drain after the window to it). The offered rate
 * actually reached is reported too: when the machine cannot send or answer that fast the figure
 * says so (in-flight is capped at 4,000; requests beyond it count as "not sent").
 * Writes bench/results/throttle-latest.md and prints the same table.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createLocalInstance } from '../scripts/lib/instances'
import { freePort, ROOT, startStack } from '../scripts/lib/stack'
import { callApi, crossCheckSigner, requestParams, signedPathFast } from './lib/signing'

const { values: args } = parseArgs({
  options: {
    rps: { type: 'string', default: '1000' },
    offered: { type: 'string', default: '3000' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '64' },
  },
})
const RPS = Number(args.rps)
const OFFERED = Number(args.offered)
const DURATION_S = Number(args.duration)
const WARMUP_S = Number(args.warmup)
const TICK_MS = 5
const MAX_IN_FLIGHT = 4000

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kms-bench-throttle-'))
  const stack = await startStack({ port: await freePort(), httpsPort: await freePort(), dataDir })
  try {
    const creds = stack.credentials
    await crossCheckSigner(creds, requestParams(creds, 'Encrypt', { KeyId: 'x', Plaintext: 'eA==' }))
    const instance = await createLocalInstance(stack.endpoint, dataDir, {
      accountId: creds.accountId,
      type: 'software',
      keys: 10,
      secrets: 10,
      rps: RPS,
    })
    const created = await callApi(stack.endpoint, creds, 'CreateKey', { DKMSInstanceId: instance.instanceId })
    if (created.status !== 200) throw new Error(`CreateKey failed: ${JSON.stringify(created.body)}`)
    const keyId = created.body.KeyMetadata.KeyId as string
    const url = new URL(stack.endpoint)
    const agent = new Agent({ keepAlive: true, maxSockets: Number(args.connections) })

    const counts = { ok: 0, throttled: 0, other: 0, notSent: 0, sent: 0 }
    const otherCodes = new Map<string, number>()
    let inFlight = 0
    const start = performance.now()
    const windowStart = start + WARMUP_S * 1000
    const end = windowStart + DURATION_S * 1000
    let due = 0
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now()
        if (now >= end) {
          clearInterval(timer)
          resolve()
          return
        }
        const inWindow = now >= windowStart
        // Open loop: how many should have been sent by now, whatever was answered.
        const target = Math.floor(((now - start) / 1000) * OFFERED)
        for (; due < target; due++) {
          if (inFlight >= MAX_IN_FLIGHT) {
            if (inWindow) counts.notSent++
            continue
          }
          if (inWindow) counts.sent++
          inFlight++
          const path = signedPathFast(creds, requestParams(creds, 'Encrypt', { KeyId: keyId, Plaintext: 'aGVsbG8=' }))
          const req = request({ host: url.hostname, port: url.port, path, agent, method: 'GET' }, (res) => {
            const chunks: Buffer[] = []
            res.on('data', (c: Buffer) => chunks.push(c))
            res.on('end', () => {
              inFlight--
              const at = performance.now()
              if (at < windowStart || at >= end) return
              if (res.statusCode === 200) counts.ok++
              else {
                let code = String(res.statusCode)
                try {
                  code = `${res.statusCode} ${(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Code?: string }).Code}`
                } catch {}
                if (code === '429 Rejected.Throttling') counts.throttled++
                else {
                  counts.other++
                  otherCodes.set(code, (otherCodes.get(code) ?? 0) + 1)
                }
              }
            })
          })
          req.on('error', () => {
            inFlight--
            const at = performance.now()
            if (at >= windowStart && at < end) {
              counts.other++
              otherCodes.set('socket error', (otherCodes.get('socket error') ?? 0) + 1)
            }
          })
          req.end()
        }
      }, TICK_MS)
    })
    const backlog = inFlight
    agent.destroy()

    const served = counts.ok / DURATION_S
    const offeredReached = (counts.sent + counts.notSent) / DURATION_S
    const sentRate = counts.sent / DURATION_S
    const within = Math.abs(served - RPS) <= RPS * 0.1
    const lines = [
      `# Instance request limit under overload (bench/throttle.ts)`,
      '',
      `${new Date().toISOString()}; ${cpus().length} CPUs, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} at the end.`,
      `Command: \`npm run bench:throttle -- --rps ${RPS} --offered ${OFFERED} --duration ${DURATION_S} --warmup ${WARMUP_S}\``,
      '',
      '| Instance Spec | Offered (asked) | Offered (sent) | Served 200/s | Rejected.Throttling 429/s | Other/s | Not sent (client cap)/s | Served within ±10 % of Spec |',
      '|---|---|---|---|---|---|---|---|',
      `| ${RPS} | ${OFFERED} | ${sentRate.toFixed(0)} | ${served.toFixed(0)} | ${(counts.throttled / DURATION_S).toFixed(0)} | ${(counts.other / DURATION_S).toFixed(1)} | ${(counts.notSent / DURATION_S).toFixed(0)} | ${within ? 'yes' : 'no'} |`,
      '',
      `Requests still in flight at the end of the window: ${backlog}.`,
      otherCodes.size ? `Other answers: ${[...otherCodes].map(([c, n]) => `${c} × ${n}`).join(', ')}` : 'No other answers.',
      offeredReached > sentRate * 1.05
        ? `The machine did not send the offered rate (${sentRate.toFixed(0)}/s of ${OFFERED}/s): the figure is bounded by the stack's capacity, not by the limit.`
        : '',
    ]
    const text = lines.join('\n') + '\n'
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true })
    writeFileSync(join(ROOT, 'bench/results/throttle-latest.md'), text)
    console.log(text)
  } finally {
    await stack.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
