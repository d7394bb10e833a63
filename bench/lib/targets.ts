/**
 * @module bench/lib/targets
 * The issue's targets as met / missed with the figures of the run, and the notes the
 * decomposition rows, store-call counts and profile support (figures of this run only).
 */
import { EC_SIGN_CONCURRENT, EC_SIGN_SEQUENTIAL, type MicroResult } from './micro'
import type { ProfileResult } from './profile'
import type { CronPass, FlatnessPoint, RatePhaseRow, ScenarioRow, Target } from './report'

export interface TargetInputs {
  scenarios: ScenarioRow[]
  ceilingRps: number
  skipped: Array<{ scenario: string; reason: string }>
  halfRate: RatePhaseRow[]
  flatness: FlatnessPoint[]
  /** Keys named by the base Encrypt scenario (10). */
  baseKeys: number
  micro: MicroResult[]
  profiles: ProfileResult[]
  cron: CronPass[]
}

/** Targets (met / missed / n/a) and notes for the report. */
export function evaluateTargets(r: TargetInputs): { targets: Target[]; notes: string[] } {
  const { scenarios, ceilingRps, skipped, halfRate, flatness, micro, profiles, cron } = r
  const keyIds = { length: r.baseKeys }
  const byId = (id: string) => scenarios.find((s) => s.id === id)
  const targets: Target[] = []
  const enc = byId('encrypt')!
  targets.push({
    name: 'software Encrypt vs ceiling',
    goal: '≥ 0.6 × ceiling',
    measured: `${Math.round(enc.phase.rps)} req/s = ${enc.ratio!.toFixed(2)} × ${Math.round(ceilingRps)}`,
    status: enc.ratio! >= 0.6 ? 'met' : 'missed',
  })
  targets.push(
    ceilingRps >= 8000
      ? {
          name: 'software Encrypt absolute',
          goal: '≥ 8,000 req/s (the ceiling allows it)',
          measured: `${Math.round(enc.phase.rps)} req/s`,
          status: enc.phase.rps >= 8000 ? 'met' : 'missed',
        }
      : {
          name: 'software Encrypt absolute',
          goal: '≥ 8,000 req/s if the ceiling allows',
          measured: `${Math.round(enc.phase.rps)} req/s`,
          status: 'n/a',
          note: `ceiling only ${Math.round(ceilingRps)} req/s`,
        },
  )
  /** A scenario's req/s as a ratio to the ceiling, or n/a with why it did not run. */
  const ratioTarget = (id: string, scenario: string, name: string, goal: number): Target => {
    const s = byId(id)
    return s
      ? {
          name,
          goal: `≥ ${goal} × ceiling`,
          measured: `${Math.round(s.phase.rps)} req/s = ${s.ratio!.toFixed(2)} ×`,
          status: s.ratio! >= goal ? 'met' : 'missed',
        }
      : {
          name,
          goal: `≥ ${goal} × ceiling`,
          measured: 'not measured',
          status: 'n/a',
          note: skipped.find((k) => k.scenario === scenario)?.reason,
        }
  }
  targets.push(ratioTarget('get-secret-value', 'GetSecretValue', 'GetSecretValue vs ceiling', 0.6))
  targets.push(ratioTarget('hsm-encrypt', 'HSM Encrypt', 'HSM Encrypt vs ceiling', 0.4))
  targets.push(asymmetricSignTarget(byId('asymmetric-sign'), micro, skipped.find((s) => s.scenario === 'AsymmetricSign (EC_P256)')?.reason))
  for (const h of halfRate) {
    targets.push({
      name: `${h.label}: p99 at half the peak`,
      goal: 'p99 ≤ 20 ms',
      measured: `p99 ${h.phase.latency.p99.toFixed(2)} ms at ${h.phase.targetRate} req/s (p50 ${h.phase.latency.p50.toFixed(2)} ms)`,
      status: h.phase.latency.p99 <= 20 ? 'met' : 'missed',
    })
  }
  const widest = [...flatness].reverse().find((p) => p.named === p.keys && p.keys > keyIds.length)
  if (flatness[0]?.rate && widest?.rate) {
    const a = flatness[0].rate
    const b = widest.rate
    const delta = (b.latency.p50 - a.latency.p50) / a.latency.p50
    const n = widest.keys
    const noisy = a.foreignCores >= 0.3 || b.foreignCores >= 0.3
    targets.push({
      name: `Encrypt latency flat from 10 to ${n.toLocaleString('en-US')} keys`,
      goal: 'p50 within 20 % (goal stated to 100,000 keys)',
      measured: `p50 ${a.latency.p50.toFixed(2)} → ${b.latency.p50.toFixed(2)} ms (${(delta * 100).toFixed(1)} %), p99 ${a.latency.p99.toFixed(2)} → ${b.latency.p99.toFixed(2)} ms at ${b.targetRate} req/s`,
      status: Math.abs(delta) <= 0.2 ? 'met' : 'missed',
      note:
        [
          n < 100_000 ? 'measured below 100,000 keys; run --full for 100,000' : '',
          noisy ? `disturbed by other processes (${a.foreignCores.toFixed(2)} / ${b.foreignCores.toFixed(2)} cores): inconclusive` : '',
        ]
          .filter(Boolean)
          .join('; ') || undefined,
    })
  }
  const notes = buildNotes(scenarios, micro, ceilingRps, profiles)
  for (const c of cron) {
    if (c.falseStops > 0) {
      notes.push(
        `Cron, budget ${c.budget}: ${c.falseStops} run(s) answered more=false while due keys remained (the harness kept calling, as the next tick would). listDue reads a single Query page and sets more = (items > budget); DynamoDB (and dynalite) end a Query page after 1 MB of items read, before the keyId projection, so with ~0.9 KB key items (two versions) a page holds ~1,190 keys and a larger budget is silently cut — more must also be true when the Query returns a LastEvaluatedKey (or listDue must follow it).`,
      )
    }
  }
  return { targets, notes }
}

/**
 * AsymmetricSign (EC P-256) through the API against in-process WebCrypto ECDSA P-256 signing in
 * the bench's Node process: the baseline is the faster of the sequential and the concurrent
 * measurement (the stricter comparison).
 */
export function asymmetricSignTarget(sign: ScenarioRow | undefined, micro: MicroResult[], skippedReason?: string): Target {
  const name = 'AsymmetricSign vs in-process WebCrypto'
  const goal = '≥ 0.5 × in-process WebCrypto EC P-256 signing'
  const seq = micro.find((m) => m.name === EC_SIGN_SEQUENTIAL)
  const conc = micro.find((m) => m.name === EC_SIGN_CONCURRENT)
  const base = [seq, conc].filter((m): m is MicroResult => m !== undefined).sort((a, b) => b.opsPerSec - a.opsPerSec)[0]
  if (!sign) return { name, goal, measured: 'not measured', status: 'n/a', note: skippedReason ?? 'no AsymmetricSign scenario in this run' }
  if (!base) return { name, goal, measured: `${Math.round(sign.phase.rps)} req/s; no in-process baseline`, status: 'n/a' }
  const ratio = sign.phase.rps / base.opsPerSec
  const which = (m: MicroResult) =>
    `${m.opsPerSec.toLocaleString('en-US')} ops/s ${m.concurrency && m.concurrency > 1 ? `with ${m.concurrency} in flight` : 'one at a time'}`
  const other = base === seq ? conc : seq
  return {
    name,
    goal,
    measured: `${name}: ${Math.round(sign.phase.rps).toLocaleString('en-US')} req/s / ${base.opsPerSec.toLocaleString('en-US')} ops/s = ${ratio.toFixed(2)}×`,
    status: ratio >= 0.5 ? 'met' : 'missed',
    note: `baseline: the faster of Node WebCrypto ${which(base)}${other ? ` and ${which(other)}` : ''} (in the bench process, before the phases)`,
  }
}

/** What the decomposition rows, the store-call counts and the profile say (figures of this run). */
function buildNotes(scenarios: ScenarioRow[], micro: MicroResult[], ceiling: number, profiles: ProfileResult[]): string[] {
  const notes: string[] = []
  const cpu = (s: ScenarioRow, proc: string) => {
    const c = s.phase.procs[proc]?.cpuSeconds
    return c !== undefined && s.phase.completed > 0 ? (c * 1e6) / s.phase.completed : undefined
  }
  const totalOps = (s: ScenarioRow) => Object.values(s.storeOps ?? {}).reduce((a, b) => a + b, 0)
  const fmt = (x: number | undefined) => (x === undefined ? '?' : `${Math.round(x).toLocaleString('en-US')} µs`)
  const rows = scenarios.filter(
    (s) => (s.group === 'decomposition' || s.group === 'product') && s.storeOps && cpu(s, 'workerd') !== undefined,
  )
  const hello = scenarios.find((s) => s.id === 'ceiling')
  if (rows.length) {
    notes.push(
      'Per request, CPU of workerd / dynalite and the store calls made: ' +
        [
          hello ? `hello-world ${fmt(cpu(hello, 'workerd'))} / 0 µs, 0 calls` : '',
          ...rows.map(
            (s) =>
              `${s.label} ${fmt(cpu(s, 'workerd'))} / ${fmt(cpu(s, 'dynalite'))}, ${totalOps(s)} call${totalOps(s) === 1 ? '' : 's'} (${
                Object.entries(s.storeOps!)
                  .map(([o, c]) => `${o}×${c}`)
                  .join(', ') || '–'
              })`,
          ),
        ]
          .filter(Boolean)
          .join('; ') +
        '.',
    )
  }
  // Least squares: Worker CPU per request against store calls per request.
  const pts = rows.map((s) => [totalOps(s), cpu(s, 'workerd')!, cpu(s, 'dynalite') ?? 0] as const)
  if (new Set(pts.map((p) => p[0])).size >= 3) {
    const fit = (k: 1 | 2) => {
      const n = pts.length
      const mx = pts.reduce((a, p) => a + p[0], 0) / n
      const my = pts.reduce((a, p) => a + p[k], 0) / n
      const sxy = pts.reduce((a, p) => a + (p[0] - mx) * (p[k] - my), 0)
      const sxx = pts.reduce((a, p) => a + (p[0] - mx) ** 2, 0)
      const slope = sxy / sxx
      const ss = pts.reduce((a, p) => a + (p[k] - my) ** 2, 0)
      const res = pts.reduce((a, p) => a + (p[k] - (my + slope * (p[0] - mx))) ** 2, 0)
      return { slope, intercept: my - slope * mx, r2: ss > 0 ? 1 - res / ss : 1 }
    }
    const w = fit(1)
    const perCallDynalite = pts.filter((p) => p[0] > 0).map((p) => p[2] / p[0])
    const dyn = perCallDynalite.reduce((a, b) => a + b, 0) / Math.max(1, perCallDynalite.length)
    notes.push(
      `Least-squares fit over these ${pts.length} request types: each store call costs ≈ ${fmt(w.slope)} of Worker CPU (core/store/wire client: SigV4 + JSON + fetch, plus dynamodb-toolbox), the rest of a request ≈ ${fmt(w.intercept)} (R² ${w.r2.toFixed(2)}); dynalite spends ≈ ${fmt(dyn)} per call made by the Worker.${w.slope + dyn > w.intercept ? ' A store call (Worker + dynalite) costs more than the whole rest of a request: the number of store calls per request sets its cost more than its crypto does.' : ''}`,
    )
  }
  const get = scenarios.find((s) => s.id === 'dynamo-get')
  const put = scenarios.find((s) => s.id === 'dynamo-put')
  if (get && put) {
    notes.push(
      `dynalite alone (load generator straight to dynalite): GetItem ${Math.round(get.phase.rps).toLocaleString('en-US')} req/s at ${fmt(cpu(get, 'dynalite'))} dynalite CPU each; conditional PutItem ${Math.round(put.phase.rps).toLocaleString('en-US')} req/s at ${fmt(cpu(put, 'dynalite'))} each.`,
    )
  }
  const enc = profiles.find((p) => p.label === 'Encrypt')
  if (enc) {
    const share = (pred: (b: string) => boolean) => enc.buckets.filter((b) => pred(b.bucket)).reduce((a, b) => a + b.share, 0)
    const sdk = share((b) => b.startsWith('AWS SDK'))
    const store = share((b) => b === 'core/store')
    const toolbox = share((b) => b === 'dynamodb-toolbox')
    const fetchShare = share((b) => /native: (fetch|Request|Headers|read)/.test(b))
    const crypto = share(
      (b) => b === 'core/crypto' || b.startsWith('@noble') || /native: (importKey|encrypt|decrypt|sign|digest|deriveBits)/.test(b),
    )
    notes.push(
      `Encrypt CPU profile inside workerd (top buckets only): AWS SDK ${sdk.toFixed(0)} %, core/store (wire client, repositories) ${store.toFixed(0)} %, dynamodb-toolbox ${toolbox.toFixed(0)} %, fetch/Request/Headers ${fetchShare.toFixed(0)} %, crypto (core/crypto, @noble, WebCrypto calls) ${crypto.toFixed(0)} % of ${Math.round(enc.cpuUsPerRequest).toLocaleString('en-US')} µs per request.`,
    )
  }
  const m = (name: string) => micro.find((x) => x.name === name)
  if (m('core-unwrapUnderRoot') && m('core-sealBlob-32B') && m('core-signV1')) {
    notes.push(
      `In-process crypto per Encrypt (Node WebCrypto, estimates): signature verify ≈ ${m('core-signV1')!.usPerOp} µs, 2 root-key unwraps ≈ ${(2 * m('core-unwrapUnderRoot')!.usPerOp).toFixed(0)} µs, sealBlob ≈ ${m('core-sealBlob-32B')!.usPerOp} µs.`,
    )
  }
  const noble = m('core-ecdsaSignDigest-p256')
  const webEc = m(EC_SIGN_SEQUENTIAL)
  if (noble && webEc) {
    notes.push(
      `EC P-256 signing in-process (Node): core ecdsaSignDigest (@noble/curves over the digest, what AsymmetricSign runs) ${noble.usPerOp} µs per signature (${noble.opsPerSec.toLocaleString('en-US')}/s on one core) against WebCrypto's ${webEc.usPerOp} µs: the signature alone caps AsymmetricSign at ${noble.opsPerSec.toLocaleString('en-US')} per core-second.`,
    )
  }
  const e = scenarios.find((s) => s.id === 'encrypt')
  if (e) notes.push(`Encrypt reaches ${((e.phase.rps / ceiling) * 100).toFixed(1)} % of the ceiling.`)
  return notes
}
