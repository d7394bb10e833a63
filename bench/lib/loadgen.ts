/**
 * The load process, forked by bench/run.ts (`node --import tsx bench/lib/loadgen.ts`, one
 * process). For each phase it asks for, it:
 * 1. opens `connections` keep-alive HTTP/1.1 connections to 127.0.0.1;
 * 2. pre-signs a warm-up batch (V1 GET, one SignatureNonce each) and runs the warm-up;
 * 3. pre-signs the measured batch (sized from the warm-up rate, or from the fixed rate) before
 *    the timer starts, so signing never competes with the measured window;
 * 4. runs the window (closed loop or fixed rate), records every latency and status, and reports.
 * Everything is bounded: phase durations, a per-request timeout, a drain deadline.
 * It exits when its parent goes away.
 */
import { HttpConn } from './http-conn'
import type { FromLoadgen, PhaseResult, PhaseSpec, ToLoadgen } from './protocol'
import { crossCheckSigner, requestParams, signedPathFast, type SigningCredentials } from './signing'
import { awsRequestBytes, crossCheckSigV4, sha256Hex, SigV4Signer } from './sigv4'
import { summarize } from './stats'

const send = (msg: FromLoadgen) => process.send?.(msg)
const DRAIN_MS = 10_000
const MAX_ERROR_BODIES = 2_000_000

process.on('disconnect', () => process.exit(0))

type Source = () => Buffer | undefined

class Recorder {
  latencies: Float64Array
  service: Float64Array | undefined
  n = 0
  inWindow = 0
  statuses: Record<string, number> = {}
  errorCodes: Record<string, number> = {}
  errors = 0
  parsedErrors = 0

  constructor(
    capacity: number,
    private readonly expect: Set<number>,
    private readonly windowEnd: number,
    withService: boolean,
  ) {
    this.latencies = new Float64Array(capacity)
    if (withService) this.service = new Float64Array(capacity)
  }

  record(origin: number, sentAt: number, doneAt: number, status: number, body: Buffer | undefined, err?: string): void {
    const key = err ? err : String(status)
    this.statuses[key] = (this.statuses[key] ?? 0) + 1
    const unexpected = err !== undefined || !this.expect.has(status)
    if (unexpected) this.errors++
    if (err || status >= 300) {
      let code = err ?? `HTTP ${status}`
      if (!err && body && this.parsedErrors < MAX_ERROR_BODIES) {
        this.parsedErrors++
        try {
          const parsed = JSON.parse(body.toString('utf8')) as { Code?: string; __type?: string }
          const name = parsed.Code ?? parsed.__type?.split('#').pop()
          if (name) code = `${status} ${name}`
        } catch {
          /* not JSON */
        }
      }
      this.errorCodes[code] = (this.errorCodes[code] ?? 0) + 1
    }
    if (doneAt <= this.windowEnd) this.inWindow++
    if (this.n < this.latencies.length) {
      this.latencies[this.n] = doneAt - origin
      if (this.service) this.service[this.n] = doneAt - sentAt
      this.n++
    }
  }
}

function requestBytes(path: string, hostHeader: string): Buffer {
  return Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: keep-alive\r\n\r\n`, 'latin1')
}

async function connectAll(conns: HttpConn[]): Promise<void> {
  await Promise.all(conns.map((c) => c.connect()))
}

function dynamoRequest(hostHeader: string, target: string, body: string): Buffer {
  // dynalite checks the shape of the SigV4 Authorization header, not the signature.
  const date = '20260101T000000Z'
  return Buffer.from(
    `POST / HTTP/1.1\r\nHost: ${hostHeader}\r\nContent-Type: application/x-amz-json-1.0\r\n` +
      `X-Amz-Target: DynamoDB_20120810.${target}\r\nX-Amz-Date: ${date}\r\n` +
      `Authorization: AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=${'0'.repeat(64)}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: keep-alive\r\n\r\n${body}`,
    'utf8',
  )
}

let nonceSeq = 0
const noncePrefix = `bench-${process.pid}-${Date.now().toString(36)}`

/** Builds `n` requests; static specs need none (see makeSource). */
function presign(spec: PhaseSpec, n: number, hostHeader: string): Buffer[] {
  const r = spec.request
  if (r.kind === 'dynamo' && r.op === 'PutNonce') {
    const out: Buffer[] = new Array(n)
    const expiresAt = Math.ceil(Date.now() / 1000) + 1000
    for (let i = 0; i < n; i++) {
      const nonce = `${noncePrefix}-${(nonceSeq++).toString(36)}`
      out[i] = dynamoRequest(
        hostHeader,
        'PutItem',
        JSON.stringify({
          TableName: r.table,
          Item: {
            pk: { S: `NONCE#${r.accessKeyId}#${nonce}` },
            sk: { S: 'NONCE' },
            _et: { S: 'Nonce' },
            accessKeyId: { S: r.accessKeyId },
            nonce: { S: nonce },
            expiresAt: { N: String(expiresAt) },
          },
          ConditionExpression: 'attribute_not_exists(#n) OR #e < :now',
          ExpressionAttributeNames: { '#n': 'nonce', '#e': 'expiresAt' },
          ExpressionAttributeValues: { ':now': { N: String(Math.floor(Date.now() / 1000)) } },
        }),
      )
    }
    return out
  }
  if (r.kind === 'aws') {
    // One body per key (and its hash) precomputed; per request: canonical request, SHA-256, HMAC.
    const signer = new SigV4Signer(r.creds, r.service)
    const bodies = (r.keyIds?.length ? r.keyIds.map((KeyId) => ({ ...r.body, KeyId })) : [r.body]).map((b) => {
      const body = JSON.stringify(b)
      return { body, bodySha256Hex: sha256Hex(body) }
    })
    const out: Buffer[] = new Array(n)
    for (let i = 0; i < n; i++) {
      const b = bodies.length === 1 ? bodies[0]! : bodies[Math.floor(Math.random() * bodies.length)]!
      out[i] = awsRequestBytes(signer, { host: hostHeader, target: r.target, ...b }) // x-amz-date per request, as V1's Timestamp
    }
    return out
  }
  if (r.kind !== 'signed') return []
  let creds: SigningCredentials = r.creds
  if (r.wrongSecret) creds = { ...creds, accessKeySecret: `${creds.accessKeySecret}-wrong` }
  if (r.unknownAccessKey) creds = { ...creds, accessKeyId: 'LTAIbenchNoSuchAccessKey0' }
  const out: Buffer[] = new Array(n)
  const ids = r.keyIds
  for (let i = 0; i < n; i++) {
    const business = ids && ids.length > 0 ? { ...r.business, KeyId: ids[Math.floor(Math.random() * ids.length)]! } : r.business
    out[i] = requestBytes(signedPathFast(creds, requestParams(creds, r.action, business)), hostHeader)
  }
  return out
}

function makeSource(spec: PhaseSpec, batch: Buffer[], hostHeader: string): Source {
  const r = spec.request
  if (r.kind === 'static' || (r.kind === 'dynamo' && r.op === 'GetItem')) {
    const fixed =
      r.kind === 'static'
        ? requestBytes(r.path, hostHeader)
        : dynamoRequest(
            hostHeader,
            'GetItem',
            JSON.stringify({ TableName: r.table, Key: { pk: { S: r.pk }, sk: { S: r.sk } }, ConsistentRead: true }),
          )
    return () => fixed
  }
  let i = 0
  return () => (i < batch.length ? batch[i++] : undefined)
}

/** Every connection sends its next request as soon as the previous one answered, until `until`. */
function closedLoop(conns: HttpConn[], source: Source, until: number, rec: Recorder, stats: { reconnects: number }): Promise<boolean> {
  return new Promise((resolve) => {
    let active = conns.length
    let exhausted = false
    const hardStop = until + DRAIN_MS
    const finish = () => {
      if (--active === 0) resolve(exhausted)
    }
    const step = (c: HttpConn): void => {
      const now = performance.now()
      if (now >= until) return finish()
      const req = source()
      if (!req) {
        exhausted = true
        return finish()
      }
      const go = () => {
        const t0 = performance.now()
        c.send(req, (status, body, err) => {
          rec.record(t0, t0, performance.now(), status, body, err)
          step(c)
        })
      }
      if (c.connected) go()
      else {
        stats.reconnects++
        c.connect().then(go, () => {
          rec.record(now, now, performance.now(), 0, undefined, 'connect-failed')
          if (performance.now() < hardStop) setTimeout(() => step(c), 20)
          else finish()
        })
      }
    }
    for (const c of conns) step(c)
  })
}

/** Open loop: request i is due at start + i/rate; latency counts from that time. */
function rateLoop(
  conns: HttpConn[],
  source: Source,
  start: number,
  durationMs: number,
  rate: number,
  rec: Recorder,
  stats: { reconnects: number; maxBacklog: number },
): Promise<boolean> {
  return new Promise((resolve) => {
    const total = Math.floor((rate * durationMs) / 1000)
    const interval = 1000 / rate
    const idle = [...conns]
    const queue: number[] = []
    let head = 0
    let scheduled = 0
    let finished = 0
    let exhausted = false
    let resolved = false
    const hardStop = start + durationMs + DRAIN_MS
    const end = () => {
      if (resolved) return
      resolved = true
      clearTimeout(watchdog)
      resolve(exhausted)
    }
    const watchdog = setTimeout(
      () => {
        for (const c of conns) if (c.busy) c.abort('drain-timeout')
        end()
      },
      Math.max(0, hardStop - performance.now()),
    )
    const complete = () => {
      finished++
      if (scheduled === total && finished === total) end()
    }
    const dispatch = () => {
      while (head < queue.length && idle.length > 0) {
        // Round robin over idle connections, so none sits idle long enough for the server's
        // keep-alive timeout to race with a write.
        const c = idle.shift()!
        const intended = queue[head++]!
        const req = source()
        if (!req) {
          exhausted = true
          idle.push(c)
          complete()
          continue
        }
        const go = () => {
          const sentAt = performance.now()
          c.send(req, (status, body, err) => {
            rec.record(intended, sentAt, performance.now(), status, body, err)
            idle.push(c)
            complete()
            dispatch()
          })
        }
        if (c.connected) go()
        else {
          stats.reconnects++
          c.connect().then(go, () => {
            rec.record(intended, intended, performance.now(), 0, undefined, 'connect-failed')
            setTimeout(() => {
              idle.push(c)
              complete()
              dispatch()
            }, 20)
          })
        }
      }
      if (head > 4096 && head === queue.length) {
        queue.length = 0
        head = 0
      }
    }
    const tick = () => {
      const now = performance.now()
      while (scheduled < total && start + scheduled * interval <= now) {
        queue.push(start + scheduled * interval)
        scheduled++
      }
      stats.maxBacklog = Math.max(stats.maxBacklog, queue.length - head - idle.length)
      dispatch()
      if (scheduled < total && now < hardStop) setTimeout(tick, 1)
      else if (total === 0) end()
    }
    tick()
  })
}

async function runPhase(spec: PhaseSpec): Promise<PhaseResult> {
  const hostHeader = `${spec.host}:${spec.port}`
  const expect = new Set(spec.expectStatus ?? [200])
  const conns = Array.from({ length: spec.connections }, () => new HttpConn(spec.host, spec.port))
  const stats = { reconnects: 0, maxBacklog: 0 }
  const sweep = setInterval(() => {
    const now = performance.now()
    for (const c of conns) if (c.busy && now - c.sentAt > spec.requestTimeoutMs) c.abort('timeout')
  }, 200)
  try {
    await connectAll(conns)
    if (spec.request.kind === 'signed') {
      const r = spec.request
      await crossCheckSigner(r.creds, requestParams(r.creds, r.action, r.keyIds ? { ...r.business, KeyId: r.keyIds[0]! } : r.business))
    }
    if (spec.request.kind === 'aws' && spec.request.verify !== false) {
      const r = spec.request
      await crossCheckSigV4(
        new SigV4Signer(r.creds, r.service),
        hostHeader,
        r.target,
        JSON.stringify(r.keyIds?.length ? { ...r.body, KeyId: r.keyIds[0]! } : r.body),
      )
    }
    const signed =
      spec.request.kind === 'signed' || spec.request.kind === 'aws' || (spec.request.kind === 'dynamo' && spec.request.op === 'PutNonce')
    let presignMs = 0
    let presignCount = 0
    const timedPresign = (n: number) => {
      const t = performance.now()
      const batch = presign(spec, n, hostHeader)
      if (signed) {
        presignMs += performance.now() - t
        presignCount += n
      }
      return batch
    }

    // Warm-up.
    const warmRate = spec.mode === 'rate' ? spec.rate! : spec.rateHint
    const warmN = Math.min(spec.maxPresign, Math.ceil(((warmRate * spec.warmupMs) / 1000) * 1.3) + 4 * spec.connections)
    const warmBatch = timedPresign(warmN)
    const warmRec = new Recorder(warmN + 4 * spec.connections, expect, Infinity, spec.mode === 'rate')
    const warmStart = performance.now()
    if (spec.warmupMs > 0) {
      if (spec.mode === 'rate')
        await rateLoop(conns, makeSource(spec, warmBatch, hostHeader), warmStart, spec.warmupMs, spec.rate!, warmRec, {
          reconnects: 0,
          maxBacklog: 0,
        })
      else await closedLoop(conns, makeSource(spec, warmBatch, hostHeader), warmStart + spec.warmupMs, warmRec, stats)
    }
    const warmMs = performance.now() - warmStart
    // With no warm-up, size the batch from the caller's hint instead.
    const warmRps = spec.warmupMs > 0 ? warmRec.n / Math.max(0.001, warmMs / 1000) : spec.rateHint

    // Pre-sign the measured window before its timer starts.
    const expected = spec.mode === 'rate' ? spec.rate! : Math.max(warmRps, 50)
    // Closed loop: the window may run faster than a (disturbed, cold) warm-up; running out ends
    // the window early and is reported, so size generously (unsigned bodies cost ~nothing).
    const margin = spec.mode === 'rate' ? 1.02 : spec.request.kind === 'dynamo' ? 5 : 3
    const n = Math.min(spec.maxPresign, Math.ceil(((expected * spec.durationMs) / 1000) * margin) + 4 * spec.connections)
    const batch = timedPresign(n)
    const isStatic = spec.request.kind === 'static' || (spec.request.kind === 'dynamo' && spec.request.op === 'GetItem')
    const capacity = isStatic
      ? Math.ceil(((Math.max(spec.rateHint, warmRps) * spec.durationMs) / 1000) * 3) + 10_000
      : n + 4 * spec.connections

    send({ type: 'window-start' })
    const start = performance.now()
    const until = start + spec.durationMs
    const endTimer = setTimeout(() => send({ type: 'window-end' }), spec.durationMs)
    const rec = new Recorder(capacity, expect, until, spec.mode === 'rate')
    const source = makeSource(spec, batch, hostHeader)
    const exhausted =
      spec.mode === 'rate'
        ? await rateLoop(conns, source, start, spec.durationMs, spec.rate!, rec, stats)
        : await closedLoop(conns, source, until, rec, stats)
    clearTimeout(endTimer)
    const stoppedAt = performance.now()
    if (stoppedAt < until) send({ type: 'window-end' })
    // Closed loop: throughput over the window (or until the batch ran out); rate: what completed.
    const windowMs = spec.mode === 'rate' ? spec.durationMs : Math.min(spec.durationMs, stoppedAt - start)
    const completed = spec.mode === 'rate' ? rec.n : rec.inWindow
    return {
      name: spec.name,
      mode: spec.mode,
      connections: spec.connections,
      targetRate: spec.rate,
      windowMs: Math.round(windowMs),
      completed,
      rps: Math.round((completed / windowMs) * 1000 * 10) / 10,
      latency: summarize(rec.latencies, rec.n),
      serviceLatency: rec.service ? summarize(rec.service, rec.n) : undefined,
      maxBacklog: spec.mode === 'rate' ? stats.maxBacklog : undefined,
      statuses: rec.statuses,
      errorCodes: rec.errorCodes,
      errors: rec.errors,
      warmup: { requests: warmRec.n, rps: Math.round(warmRps), ms: Math.round(warmMs) },
      presign: {
        count: presignCount,
        ms: Math.round(presignMs),
        usPerRequest: presignCount ? Math.round(((presignMs * 1000) / presignCount) * 10) / 10 : 0,
        signer:
          spec.request.kind === 'signed'
            ? 'core stringToSignV1 + node:crypto HMAC-SHA1 (cross-checked against core signV1)'
            : spec.request.kind === 'aws'
              ? `bench/lib/sigv4.ts SigV4 (node:crypto, cached signing key, fresh signed amz-sdk-invocation-id)${spec.request.verify === false ? '' : ' cross-checked against core parseSigV4Signature'}`
              : signed
                ? 'unsigned DynamoDB PutItem bodies (one new nonce each)'
                : 'none (the same request every time)',
      },
      exhausted,
      reconnects: stats.reconnects,
    }
  } finally {
    clearInterval(sweep)
    for (const c of conns) c.close()
  }
}

process.on('message', (msg: ToLoadgen) => {
  if (msg.type === 'exit') process.exit(0)
  if (msg.type === 'run') {
    runPhase(msg.phase).then(
      (result) => send({ type: 'result', result }),
      (err: unknown) => send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    )
  }
})
send({ type: 'ready' })
