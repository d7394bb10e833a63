/**
 * Turns a run into result.json, a Markdown report and an SVG chart (drawn here, no libraries).
 */
import { renderAwsSection, type AwsSideBySide } from './aws-report'
import { renderBaselineSection, type BaselineResult } from './baseline-report'
import type { MeasuredPhase } from './driver'
import type { MicroResult } from './micro'

export interface MachineInfo {
  cores: number
  model: string
  memoryGiB: number
  kernel: string
  node: string
  workerd: string
  wrangler: string
  miniflare: string
  loadAverage: number[]
}

export type Group = 'ceiling' | 'store' | 'decomposition' | 'product' | 'info'

export interface ScenarioRow {
  id: string
  label: string
  group: Group
  what: string
  phase: MeasuredPhase
  /** Ratio to the ceiling (req/s ÷ ceiling req/s). */
  ratio?: number
  /** DynamoDB calls per request, by operation, counted through a proxy (see run.ts). */
  storeOps?: Record<string, number>
}

export interface RatePhaseRow {
  id: string
  label: string
  peakRps: number
  phase: MeasuredPhase
}

export interface FlatnessPoint {
  /** Keys in the table. */
  keys: number
  /** Keys the requests name (at random). */
  named: number
  rate?: MeasuredPhase
  closed?: MeasuredPhase
}

export interface CronSlice {
  /** Number of job reports in this run (every scheduled job runs each time). */
  jobs: number
  ms: number
  processed: number
  skipped: number
  failed: number
  more: boolean
}

export interface CronPass {
  budget: number
  dueKeys: number
  at: string
  slices: CronSlice[]
  totalMs: number
  processed: number
  failed: number
  complete: boolean
  /** Runs that reported more=false while due keys remained (the harness went on). */
  falseStops: number
  /** What the other scheduled jobs did in the same runs. */
  otherJobs: Record<string, { processed: number; skipped: number; failed: number }>
  derivedOps: { queries: number; getItems: number; conditionalPutItems: number }
  procs: Record<string, { cpuSeconds: number; peakRssMb: number }>
}

export interface Target {
  name: string
  goal: string
  measured: string
  status: 'met' | 'missed' | 'n/a'
  note?: string
}

export interface RunResult {
  startedAt: string
  finishedAt: string
  wallSeconds: number
  mode: 'quick' | 'default' | 'full'
  runtime: string
  options: Record<string, unknown>
  machine: MachineInfo
  ceilingRps: number
  ceilingPhases: number[]
  scenarios: ScenarioRow[]
  halfRate: RatePhaseRow[]
  flatness: FlatnessPoint[]
  cron: CronPass[]
  micro: MicroResult[]
  skipped: Array<{ scenario: string; reason: string }>
  targets: Target[]
  notes: string[]
  profiles: Array<{
    label: string
    requests: number
    rps: number
    busyUsPerRequest: number
    cpuUsPerRequest: number
    buckets: Array<{ bucket: string; usPerRequest: number; share: number }>
    functions: Array<{ fn: string; bucket: string; usPerRequest: number }>
  }>
  setupSeconds: Record<string, number>
  /** The AWS-dialect Encrypt and moto_server rows (lib/aws-report.ts). */
  aws?: AwsSideBySide
  /** `--baseline <git-ref>`: the other commit's bundle against this one (lib/baseline.ts). */
  baseline?: BaselineResult
}

const f0 = (x: number) => Math.round(x).toLocaleString('en-US')
const f1 = (x: number) => (Math.round(x * 10) / 10).toFixed(1)
const f2 = (x: number) => (Math.round(x * 100) / 100).toFixed(2)

function perReq(cpu: number | undefined, n: number): string {
  if (cpu === undefined || n === 0) return '–'
  return f0((cpu * 1e6) / n)
}

function errorsCell(p: MeasuredPhase): string {
  if (p.errors === 0) {
    const codes = Object.keys(p.errorCodes)
    return codes.length ? `0 (expected: ${codes.join(', ')})` : '0'
  }
  return `**${f0(p.errors)}**: ${Object.entries(p.errorCodes)
    .map(([k, v]) => `${k} ×${v}`)
    .join(', ')}`
}

function opsCell(ops: Record<string, number> | undefined): string {
  if (!ops) return '–'
  const entries = Object.entries(ops)
  if (entries.length === 0) return '0'
  const total = entries.reduce((a, [, c]) => a + c, 0)
  return `${Number.isInteger(total) ? total : total.toFixed(1)}: ${entries.map(([op, c]) => `${op.replace(/Item$/, '')}×${c}`).join(' ')}`
}

function disturbed(p: MeasuredPhase): string {
  return p.foreignCores >= 0.3 ? ` ⚠${f1(p.foreignCores)}` : ''
}

export function renderMarkdown(r: RunResult): string {
  const m = r.machine
  const L: string[] = []
  L.push(`# edge-kms benchmark — ${r.startedAt} (${r.mode})`)
  L.push('')
  L.push(
    `Machine: **${m.cores} cores** (${m.model}), ${f1(m.memoryGiB)} GiB, Linux ${m.kernel}; Node ${m.node}; workerd ${m.workerd}; wrangler ${m.wrangler}; miniflare ${m.miniflare}.`,
  )
  L.push(
    `Runtime under test: ${r.runtime}. Load: ${r.options.connections} keep-alive HTTP/1.1 connections from one separate Node process, ${Number(r.options.durationMs) / 1000} s per phase after ${Number(r.options.warmupMs) / 1000} s warm-up; every KMS request V1-signed (GET, unique SignatureNonce), pre-signed before each window.`,
  )
  L.push(
    `**The load generator, workerd and dynalite (and the HSM bridge) share these ${m.cores} cores**, so every figure includes the load generator's own CPU; ratios to the hello-world ceiling (measured in the same run, same runtime, same load generator) are the comparable figures. Run wall time: ${f0(r.wallSeconds)} s.`,
  )
  L.push('')
  L.push(
    `Ceiling (hello-world Worker, same runtime): **${f0(r.ceilingRps)} req/s**${r.ceilingPhases.length > 1 ? ` (max of ${r.ceilingPhases.map(f0).join(' and ')}, measured at the start and at the end)` : ''}.`,
  )
  L.push('')
  L.push(
    '| Scenario | req/s | × ceiling | p50 ms | p99 ms | errors | store calls / req | CPU µs/req workerd | dynalite | load gen | peak RSS MB workerd | dynalite | other load (cores) |',
  )
  L.push('|---|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|')
  for (const s of r.scenarios) {
    const p = s.phase
    const n = p.completed
    const w = p.procs.workerd
    const d = p.procs.dynalite
    const lg = p.procs.loadgen
    const label = s.group === 'product' ? `**${s.label}**` : s.label
    L.push(
      `| ${label} | ${f0(p.rps)}${p.exhausted ? ' (ran out of pre-signed requests)' : ''} | ${s.ratio !== undefined ? f2(s.ratio) : '–'} | ${f2(p.latency.p50)} | ${f2(p.latency.p99)} | ${errorsCell(p)} | ${opsCell(s.storeOps)} | ${perReq(w?.cpuSeconds, n)} | ${perReq(d?.cpuSeconds, n)} | ${perReq(lg?.cpuSeconds, n)} | ${w ? f0(w.peakRssMb) : '–'} | ${d ? f0(d.peakRssMb) : '–'} | ${f2(p.foreignCores)}${disturbed(p)} |`,
    )
  }
  L.push('')
  L.push(
    '"other load" = CPU used by processes outside this benchmark during the window (other people\'s tests on a shared machine); ⚠ marks windows where it reached 0.3 cores or more — treat those rows as disturbed.',
  )
  if (r.aws) {
    L.push('')
    L.push(
      ...renderAwsSection(r.aws, r.scenarios, { connections: Number(r.options.connections), durationMs: Number(r.options.durationMs) }),
    )
  }
  if (r.skipped.length) {
    L.push('')
    L.push('Skipped:')
    for (const s of r.skipped) L.push(`- ${s.scenario}: ${s.reason}`)
  }
  if (r.baseline) {
    L.push('')
    L.push(...renderBaselineSection(r.baseline, r.ceilingRps, { durationMs: Number(r.options.durationMs) }))
  }

  if (r.halfRate.length) {
    L.push('')
    L.push('## Latency at half the peak rate (fixed-rate, open loop)')
    L.push('')
    L.push(
      "Requests are sent on a fixed schedule at 50 % of the scenario's measured peak; latency counts from the scheduled send time (no coordinated omission). Target: p99 ≤ 20 ms.",
    )
    L.push('')
    L.push('| Scenario | rate req/s | achieved | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | p99 ≤ 20 ms | other load |')
    L.push('|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|')
    for (const h of r.halfRate) {
      const p = h.phase
      L.push(
        `| ${h.label} | ${f0(p.targetRate ?? 0)} | ${f0(p.rps)} | ${f2(p.latency.p50)} | ${f2(p.latency.p90)} | ${f2(p.latency.p99)} | ${f2(p.latency.p999)} | ${f2(p.latency.max)} | ${errorsCell(p)} | ${p.latency.p99 <= 20 ? 'met' : '**missed**'} | ${f2(p.foreignCores)}${disturbed(p)} |`,
      )
    }
  }

  if (r.flatness.length) {
    L.push('')
    L.push('## Latency flatness with the number of keys (Encrypt)')
    L.push('')
    L.push(
      'Encrypt at one fixed rate (a quarter of its closed-loop peak: latency, not queueing). Keys beyond the first 10 are seeded straight into the table (core createStore + createKey); "keys named" is how many of them the requests pick from at random (10 of N separates the table size from the working set).',
    )
    L.push('')
    L.push(
      '| keys in table | keys named | fixed rate req/s | p50 ms | p90 ms | p99 ms | Δp50 vs first row | closed-loop req/s | closed p50 ms | closed p99 ms | other load |',
    )
    L.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
    const base = r.flatness[0]?.rate?.latency.p50
    for (const pt of r.flatness) {
      const rp = pt.rate
      const cp = pt.closed
      const delta = base && rp ? `${(((rp.latency.p50 - base) / base) * 100).toFixed(1)} %` : '–'
      L.push(
        `| ${f0(pt.keys)} | ${f0(pt.named)} | ${rp ? f0(rp.targetRate ?? 0) : '–'} | ${rp ? f2(rp.latency.p50) : '–'} | ${rp ? f2(rp.latency.p90) : '–'} | ${rp ? f2(rp.latency.p99) : '–'} | ${delta} | ${cp ? f0(cp.rps) : '–'} | ${cp ? f2(cp.latency.p50) : '–'} | ${cp ? f2(cp.latency.p99) : '–'} | ${rp ? f2(rp.foreignCores) + disturbed(rp) : '–'} |`,
      )
    }
  }

  if (r.cron.length) {
    L.push('')
    L.push('## Cron: rotating due keys')
    L.push('')
    L.push(
      'On a second, fresh stack served the same way (so that the audit backlog of the load phases does not feed the other jobs): keys seeded with automatic rotation every 7 d; `runCronOnce(endpoint, dataDir, {at, budget})` called until no job report has `more` (and, when a report says `more: false` while keys are still due, on until they are done, counting those runs). Every run also runs the other scheduled jobs (their work is listed below the table). Table operations of the rotation job are **derived** from its code — per run 1 Query on the due index, per key 1 GetItem + 1 conditional PutItem — not counted on the wire.',
    )
    L.push('')
    L.push(
      '| budget | due keys | runs (slices) | total s | run ms (min / median / max) | keys/s | Queries | GetItems | cond. PutItems | failed | workerd CPU s | dynalite CPU s |',
    )
    L.push('|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|')
    for (const c of r.cron) {
      const ms = c.slices.map((s) => s.ms).sort((a, b) => a - b)
      const med = ms.length ? ms[Math.floor(ms.length / 2)]! : 0
      L.push(
        `| ${f0(c.budget)} | ${f0(c.dueKeys)} | ${c.slices.length}${c.complete ? '' : ' (incomplete)'}${c.falseStops ? ` (${c.falseStops}× more=false too early)` : ''} | ${f1(c.totalMs / 1000)} | ${f0(ms[0] ?? 0)} / ${f0(med)} / ${f0(ms[ms.length - 1] ?? 0)} | ${f0(c.processed / Math.max(0.001, c.totalMs / 1000))} | ${f0(c.derivedOps.queries)} | ${f0(c.derivedOps.getItems)} | ${f0(c.derivedOps.conditionalPutItems)} | ${c.failed} | ${f1(c.procs.workerd?.cpuSeconds ?? 0)} | ${f1(c.procs.dynalite?.cpuSeconds ?? 0)} |`,
      )
    }
    const others = r.cron.map(
      (c) =>
        `budget ${c.budget}: ${
          Object.entries(c.otherJobs)
            .map(([job, o]) => `${job} ${o.processed} processed${o.failed ? `, ${o.failed} failed` : ''}`)
            .join('; ') || 'none'
        }`,
    )
    L.push('')
    L.push(`Other scheduled jobs in the same runs (${r.cron[0]?.slices[0]?.jobs ?? '?'} jobs per run): ${others.join(' — ')}.`)
  }

  L.push('')
  L.push('## Targets')
  L.push('')
  L.push('| Target | Goal | Measured | Status |')
  L.push('|---|---|---|---|')
  for (const t of r.targets)
    L.push(`| ${t.name} | ${t.goal} | ${t.measured}${t.note ? ` — ${t.note}` : ''} | ${t.status === 'missed' ? '**missed**' : t.status} |`)

  if (r.micro.length) {
    L.push('')
    L.push('## In-process baselines (Node WebCrypto in the bench process; one at a time unless the row says otherwise)')
    L.push('')
    L.push('| Operation | ops/s | µs/op | what |')
    L.push('|---|---:|---:|---|')
    for (const x of r.micro) L.push(`| ${x.name} | ${f0(x.opsPerSec)} | ${f1(x.usPerOp)} | ${x.what} |`)
  }

  if (r.profiles.length) {
    L.push('')
    L.push('## Worker CPU profile inside workerd (source-mapped self time per request)')
    L.push('')
    L.push(
      'A separate workerd instance with the inspector attached (V8 sampling profiler, 100 µs), same bundle and bindings, same closed-loop load; self time of each sample is attributed to the original source file through `index.js.map`. The sampler sees wall time on the isolate thread (a thread preempted by another process still shows the function it was in), so read the shares; the µs columns are the shares applied to the workerd CPU per request that /proc measured in the same window.',
    )
    L.push('')
    const labels = r.profiles.map((p) => p.label)
    const buckets = [...new Set(r.profiles.flatMap((p) => p.buckets.map((b) => b.bucket)))]
    L.push(`| where | ${labels.map((l) => `${l} µs/req`).join(' | ')} |`)
    L.push(`|---|${labels.map(() => '---:').join('|')}|`)
    L.push(`| **workerd CPU per request (/proc)** | ${r.profiles.map((p) => `**${f0(p.cpuUsPerRequest)}**`).join(' | ')} |`)
    for (const b of buckets) {
      L.push(
        `| ${b} | ${r.profiles
          .map((p) => {
            const x = p.buckets.find((y) => y.bucket === b)
            return x ? `${f0(x.usPerRequest)} (${x.share.toFixed(0)} %)` : '–'
          })
          .join(' | ')} |`,
      )
    }
    const last = r.profiles[r.profiles.length - 1]!
    L.push('')
    L.push(`Top functions (${last.label}):`)
    L.push('')
    L.push('| function | where | µs/req |')
    L.push('|---|---|---:|')
    for (const fn of last.functions) L.push(`| ${esc(fn.fn || '(anonymous)')} | ${fn.bucket} | ${f1(fn.usPerRequest)} |`)
  }

  if (r.notes.length) {
    L.push('')
    L.push('## Where the time goes')
    L.push('')
    for (const n of r.notes) L.push(`- ${n}`)
  }
  L.push('')
  return L.join('\n')
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/**
 * Horizontal bars of req/s per scenario on a log scale (the product rows are orders of magnitude
 * below the ceiling), each labelled with req/s and the ratio to the ceiling.
 */
export function renderSvg(r: RunResult): string {
  const rows = r.scenarios
  const width = 980
  const left = 300
  const right = 190
  const barH = 22
  const gap = 8
  const top = 64
  const height = top + rows.length * (barH + gap) + 44
  const max = Math.max(10, ...rows.map((s) => s.phase.rps))
  const lo = 1
  const hi = 10 ** Math.ceil(Math.log10(max))
  const span = width - left - right
  const x = (v: number) => left + (Math.log10(Math.max(lo, v)) / Math.log10(hi)) * span
  const color: Record<Group, string> = {
    ceiling: '#888888',
    store: '#b07aa1',
    decomposition: '#9cc3e6',
    product: '#2f6db3',
    info: '#c9c9c9',
  }
  const out: string[] = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  )
  out.push(`<rect width="100%" height="100%" fill="white"/>`)
  out.push(
    `<text x="12" y="22" font-size="15" font-weight="bold">edge-kms: requests/s per scenario (${esc(r.mode)}, ${esc(r.startedAt)})</text>`,
  )
  out.push(
    `<text x="12" y="42" fill="#555">${esc(r.runtime)}; ${r.machine.cores} cores shared by load generator, workerd and dynalite. Log scale; label = req/s and × ceiling (${f0(r.ceilingRps)} req/s).</text>`,
  )
  for (let p = 1; p <= hi; p *= 10) {
    const gx = x(p).toFixed(1)
    out.push(`<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${height - 34}" stroke="#e4e4e4"/>`)
    out.push(`<text x="${gx}" y="${height - 20}" fill="#777" text-anchor="middle">${f0(p)}</text>`)
  }
  rows.forEach((s, i) => {
    const y = top + i * (barH + gap)
    const w = Math.max(1, x(s.phase.rps) - left)
    out.push(`<text x="${left - 8}" y="${y + barH * 0.7}" text-anchor="end">${esc(s.label)}</text>`)
    out.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${color[s.group]}"/>`)
    const label = `${f0(s.phase.rps)} req/s${s.ratio !== undefined ? `  ×${f2(s.ratio)}` : ''}${s.phase.errors ? `  (${s.phase.errors} errors)` : ''}${s.phase.foreignCores >= 0.3 ? '  ⚠' : ''}`
    out.push(`<text x="${left + w + 6}" y="${y + barH * 0.7}">${esc(label)}</text>`)
  })
  const x06 = x(0.6 * r.ceilingRps)
  out.push(
    `<line x1="${x06.toFixed(1)}" y1="${top - 6}" x2="${x06.toFixed(1)}" y2="${height - 34}" stroke="#d62728" stroke-dasharray="4 3"/>`,
  )
  out.push(`<text x="${x06.toFixed(1)}" y="${height - 6}" fill="#d62728" text-anchor="middle">0.6 × ceiling</text>`)
  out.push('</svg>')
  return out.join('\n')
}
