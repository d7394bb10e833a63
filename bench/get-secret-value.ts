/**
 * GetSecretValue throughput and latency against a private local stack (dynalite + the bundled
 * Worker in workerd), as a client would see it: every request is a distinct V1-signed GET (own
 * nonce), so each one pays for authentication, the nonce claim, the head and version reads, the
 * CMK read and the envelope decryption.
 *
 *   node_modules/.bin/tsx bench/get-secret-value.ts [--seconds 10] [--concurrency 32]
 *     [--requests N] [--action DescribeSecret|DescribeRegions]   (baselines, see below)
 *
 * Requests are signed before the clock starts; the run stops when the time is up or the signed
 * requests run out (reported). Figures are only comparable on the same machine: the load
 * generator, workerd and dynalite share its cores.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { percentEncode } from '../core/auth/percent-encode'
import { signV1 } from '../core/auth/signature-v1'
import { freePort, startStack, type Credentials } from '../scripts/lib/stack'

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '32' },
    requests: { type: 'string', default: '60000' },
    // Baselines: `DescribeRegions` is the floor every call pays (signature, nonce, audit);
    // `DescribeSecret` adds the authorisation on the secret and the head read, not the decryption.
    action: { type: 'string', default: 'GetSecretValue' },
  },
})
const ACTIONS = ['GetSecretValue', 'DescribeSecret', 'DescribeRegions'] as const
const ACTION = ACTIONS.find((a) => a === args.action) ?? 'GetSecretValue'
const SECONDS = Number(args.seconds)
const CONCURRENCY = Number(args.concurrency)
const REQUESTS = Number(args.requests)

function timestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** One V1-signed request URL (HMAC-SHA1 over every parameter, as kms20160120 1.x signs). */
async function signedUrl(
  creds: Credentials,
  method: string,
  action: string,
  params: Record<string, string>,
  nonce: string,
): Promise<string> {
  const all: Record<string, string> = {
    Action: action,
    Version: '2016-01-20',
    Format: 'JSON',
    AccessKeyId: creds.accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: nonce,
    Timestamp: timestamp(),
    ...params,
  }
  all.Signature = await signV1(method, all, creds.accessKeySecret)
  const query = Object.entries(all)
    .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
    .join('&')
  return `${creds.endpoint}/?${query}`
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kms-bench-'))
  const port = await freePort()
  process.stderr.write(`starting the stack on 127.0.0.1:${port} (data in ${dataDir})…\n`)
  const stack = await startStack({ port, dataDir })
  try {
    const creds = stack.credentials
    const secretName = `bench-${Date.now()}`
    const secretData = JSON.stringify({ username: 'bench', password: 'x'.repeat(32) })
    const createParams = { SecretName: secretName, VersionId: 'v1', SecretData: secretData }
    const nonce = `create-${Date.now()}`
    const createUrl = await signedUrl(creds, 'POST', 'CreateSecret', createParams, nonce)
    const create = await fetch(createUrl, { method: 'POST' })
    if (create.status !== 200) {
      throw new Error(`CreateSecret failed: ${create.status} ${await create.text()}`)
    }

    process.stderr.write(`signing ${REQUESTS} ${ACTION} requests…\n`)
    const urls: string[] = []
    const run = Date.now().toString(36)
    for (let i = 0; i < REQUESTS; i++) {
      const params: Record<string, string> = ACTION === 'DescribeRegions' ? {} : { SecretName: secretName }
      urls.push(await signedUrl(creds, 'GET', ACTION, params, `bench-${run}-${i}`))
    }

    // Warm-up: the first requests pay for isolate start-up and connection set-up.
    for (let i = 0; i < CONCURRENCY; i++) await fetch(urls.pop()!).then((r) => r.arrayBuffer())

    const latencies: number[] = []
    const statuses = new Map<number, number>()
    let wrong = 0
    let next = 0
    const started = performance.now()
    const deadline = started + SECONDS * 1000
    async function worker(): Promise<void> {
      while (performance.now() < deadline && next < urls.length) {
        const url = urls[next++]!
        const t0 = performance.now()
        const res = await fetch(url)
        const body = await res.text()
        latencies.push(performance.now() - t0)
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
        if (res.status === 200 && ACTION === 'GetSecretValue') {
          if ((JSON.parse(body) as { SecretData?: string }).SecretData !== secretData) wrong++
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, () => worker()))
    const elapsed = (performance.now() - started) / 1000
    latencies.sort((a, b) => a - b)
    const ok = statuses.get(200) ?? 0
    const summary = {
      action: ACTION,
      concurrency: CONCURRENCY,
      seconds: Number(elapsed.toFixed(2)),
      requests: latencies.length,
      exhaustedSignedRequests: next >= urls.length,
      statuses: Object.fromEntries(statuses),
      wrongValues: wrong,
      requestsPerSecond: Number((latencies.length / elapsed).toFixed(1)),
      okPerSecond: Number((ok / elapsed).toFixed(1)),
      latencyMs: {
        p50: Number(percentile(latencies, 50).toFixed(2)),
        p90: Number(percentile(latencies, 90).toFixed(2)),
        p99: Number(percentile(latencies, 99).toFixed(2)),
        max: Number((latencies.at(-1) ?? NaN).toFixed(2)),
      },
    }
    console.log(JSON.stringify(summary, null, 2))
  } finally {
    await stack.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
