/**
 * kill -9 under load: for each victim (dynalite — the table; workerd — the Worker; the
 * hsm-bridge) and each trial, W workers run a mix of state changes (CreateKey, CreateSecret) and
 * Encrypt→Decrypt round trips (on a software key and, with a bridge, an HSM key); after a warm-up
 * the victim gets SIGKILL, stays dead for a random 200–1000 ms, is restarted (same port, same
 * data), and the load runs on until the first success after the restart plus a little.
 *
 * Oracles: 0 wrong results (a 200 Decrypt returns the plaintext); during the outage only 503
 * (and connection errors while workerd itself is dead); outside it only 200; afterwards 0
 * acknowledged writes lost (every 200 CreateKey's key describes, every 200 CreateSecret's value
 * reads back) and every 200 has its audit record (`AUDIT#EVT#<replay id>`, or in an audit page until sealed: looked up in the
 * table). Recovery = restart call → first success of an op that needs the victim, sent after the
 * restarted process was up; reported as p50/p95 over the trials.
 */
import { randomBytes } from 'node:crypto'
import { b64, bump, call, outcomeOf, percentile, pool, sleep, type Called, type Target } from './client'
import { waitHealthy, type TortureStack, type Victim } from './harness'

export interface VictimFigures {
  victim: Victim
  trials: number
  workers: number
  requests: number
  ok: number
  wrongResults: number
  /** Non-200 answers during the outage window, by outcome. */
  duringOutage: Record<string, number>
  /** Answers that broke the rule: not 503 (or a connection error for workerd) in the outage, not 200 outside. */
  violations: number
  violationSamples: string[]
  acknowledgedWrites: number
  lostWrites: number
  lostSamples: string[]
  acknowledgedCalls: number
  missingAuditRecords: number
  missingAuditSamples: string[]
  restartMs: { p50: number | null; p95: number | null }
  recoveryMs: { p50: number | null; p95: number | null; max: number | null }
}

interface Ack {
  kind: 'key' | 'secret'
  id: string
  data?: string
}

export async function runKill(
  ts: TortureStack,
  opts: { victims?: Victim[]; trials: number; workers: number; warmMs?: number },
): Promise<VictimFigures[]> {
  const target: Target = ts.target
  const softKey = (await call(target, 'CreateKey', { Description: 'torture kill soft' })).json.KeyMetadata.KeyId as string
  const hsmKeyReply = ts.stack.hsm
    ? await call(target, 'CreateKey', { Description: 'torture kill hsm', ProtectionLevel: 'HSM' })
    : undefined
  const hsmKey = hsmKeyReply?.status === 200 ? (hsmKeyReply.json.KeyMetadata.KeyId as string) : undefined
  const victims = (opts.victims ?? ['dynalite', 'workerd', 'hsm-bridge']).filter((v) => v !== 'hsm-bridge' || hsmKey)
  const out: VictimFigures[] = []
  for (const victim of victims) {
    const acks: Ack[] = []
    const acked: Called[] = []
    const duringOutage: Record<string, number> = {}
    const violationSamples: string[] = []
    const restartTimes: number[] = []
    const recoveries: number[] = []
    let violations = 0
    let wrong = 0
    let requests = 0
    let ok = 0
    for (let trial = 0; trial < opts.trials; trial++) {
      let stop = false
      let killAt = Infinity
      let restartAt = Infinity
      // Miniflare's respawned workerd answers briefly, then refuses again, before setOptions
      // resolves: the outage ends with the first success of a call sent after the restart resolved.
      let restartedAt = Infinity
      let recoveredAt = Infinity
      const needsVictim = (op: string) => victim !== 'hsm-bridge' || op === 'hsm'
      const record = (op: string, r: Called, sentAt: number, doneAt: number) => {
        requests++
        if (r.status === 200) {
          ok++
          acked.push(r)
          if (needsVictim(op) && sentAt >= restartedAt && doneAt < recoveredAt) recoveredAt = doneAt
          return
        }
        const inOutage = doneAt >= killAt && sentAt <= recoveredAt
        const allowed = inOutage && (r.status === 503 || (r.status === 0 && victim === 'workerd'))
        if (inOutage) bump(duringOutage, outcomeOf(r))
        if (!allowed) {
          violations++
          if (violationSamples.length < 10)
            violationSamples.push(`trial ${trial} ${op}: ${outcomeOf(r)} ${inOutage ? 'in' : 'outside'} the outage ${r.text.slice(0, 160)}`)
        }
      }
      const timed = async (op: string, action: string, params: Record<string, string>) => {
        const sentAt = Date.now()
        const r = await call(target, action, params)
        record(op, r, sentAt, Date.now())
        return r
      }
      const roundTrip = async (op: 'soft' | 'hsm', keyId: string) => {
        const plaintext = b64(randomBytes(24))
        const enc = await timed(op, 'Encrypt', { KeyId: keyId, Plaintext: plaintext })
        if (enc.status !== 200) return
        const dec = await timed(op, 'Decrypt', { CiphertextBlob: enc.json.CiphertextBlob })
        if (dec.status === 200 && dec.json.Plaintext !== plaintext) wrong++
      }
      const worker = async () => {
        while (!stop) {
          const x = Math.random()
          if (x < 0.15) {
            const r = await timed('write', 'CreateKey', { Description: `torture kill ${victim}` })
            if (r.status === 200) acks.push({ kind: 'key', id: r.json.KeyMetadata.KeyId })
          } else if (x < 0.3) {
            const name = `torture-kill-${randomBytes(6).toString('hex')}`
            const data = randomBytes(12).toString('hex')
            const r = await timed('write', 'CreateSecret', { SecretName: name, VersionId: 'v1', SecretData: data })
            if (r.status === 200) acks.push({ kind: 'secret', id: name, data })
          } else if (x < 0.7 || !hsmKey) await roundTrip('soft', softKey)
          else await roundTrip('hsm', hsmKey)
          // An answer without a server (refused connection) comes back at once: do not spin.
          if (killAt !== Infinity && recoveredAt === Infinity) await sleep(10)
        }
      }
      const workers = Array.from({ length: opts.workers }, worker)
      await sleep(opts.warmMs ?? 700)
      killAt = Date.now()
      ts.kill(victim)
      await sleep(200 + Math.floor(Math.random() * 800))
      restartAt = Date.now()
      await ts.restart(victim)
      restartedAt = Date.now()
      restartTimes.push(restartedAt - restartAt)
      const deadline = Date.now() + 30_000
      while (recoveredAt === Infinity && Date.now() < deadline) await sleep(20)
      await sleep(300)
      stop = true
      await Promise.all(workers)
      recoveries.push(recoveredAt === Infinity ? Number.NaN : recoveredAt - restartAt)
      try {
        await waitHealthy(target)
      } catch (err) {
        throw new Error(`after kill -9 of ${victim} (trial ${trial}): ${(err as Error).message}; ${await probe(ts)}`)
      }
    }

    // Afterwards: every acknowledged write is visible, every acknowledged call has its audit record.
    let lost = 0
    const lostSamples: string[] = []
    await pool(acks, 16, async (a) => {
      const r =
        a.kind === 'key' ? await call(target, 'DescribeKey', { KeyId: a.id }) : await call(target, 'GetSecretValue', { SecretName: a.id })
      const fine = r.status === 200 && (a.kind === 'key' ? r.json.KeyMetadata?.KeyId === a.id : r.json.SecretData === a.data)
      if (!fine) {
        lost++
        if (lostSamples.length < 10) lostSamples.push(`${a.kind} ${a.id}: ${outcomeOf(r)}`)
      }
    })
    let missing = 0
    const missingAuditSamples: string[] = []
    const paged = await ts.pagedEventIds()
    await pool(acked, 16, async (r) => {
      if (!paged.has(r.eventId) && !(await ts.hasAuditRecord(r.eventId))) {
        missing++
        if (missingAuditSamples.length < 10) missingAuditSamples.push(`${r.json?.RequestId} (event ${r.eventId})`)
      }
    })
    const finite = recoveries.filter((x) => Number.isFinite(x))
    out.push({
      victim,
      trials: opts.trials,
      workers: opts.workers,
      requests,
      ok,
      wrongResults: wrong,
      duringOutage,
      violations: violations + (recoveries.length - finite.length),
      violationSamples: [
        ...violationSamples,
        ...(recoveries.length > finite.length ? [`${recoveries.length - finite.length} trials did not recover within 30 s`] : []),
      ],
      acknowledgedWrites: acks.length,
      lostWrites: lost,
      lostSamples,
      acknowledgedCalls: acked.length,
      missingAuditRecords: missing,
      missingAuditSamples,
      restartMs: { p50: percentile(restartTimes, 50), p95: percentile(restartTimes, 95) },
      recoveryMs: { p50: percentile(finite, 50), p95: percentile(finite, 95), max: finite.length ? Math.max(...finite) : null },
    })
  }
  return out
}

/** What the table says when the stack does not come back (for the error message). */
async function probe(ts: TortureStack): Promise<string> {
  const { PutItemCommand } = await import('@aws-sdk/client-dynamodb')
  try {
    await ts.dynamo.send(new PutItemCommand({ TableName: ts.stack.tableName, Item: { pk: { S: 'TORTURE#probe' }, sk: { S: 'PROBE' } } }))
    return `a direct PutItem to dynalite works (pids ${ts.pids('dynalite').join(',')}; workerd ${ts.pids('workerd').join(',')})`
  } catch (err) {
    const tail = ts
      .logText()
      .split('\n')
      .filter((l) => !l.startsWith('{'))
      .slice(-15)
      .join('\n')
    return `a direct PutItem to dynalite fails: ${String(err).slice(0, 200)} (pids ${ts.pids('dynalite').join(',')}); log tail:\n${tail}`
  }
}
