/**
 * @module bench/lib/baseline-report
 * The pure half of `--baseline <git-ref>` (the orchestration is lib/baseline.ts): checking the
 * ref, the alternating before/after schedule, summing a side's phases, and the "Before / after" section of the report. Data in,
 * data or Markdown lines out; no processes, no files.
 */
import type { MeasuredPhase } from './driver'

export type Side = 'before' | 'after'

/** Why `ref` cannot be handed to git as a revision, or undefined when it can. */
export function baselineRefError(ref: string): string | undefined {
  if (ref.trim() === '') return '--baseline needs a git ref (a commit, tag or branch)'
  if (ref.startsWith('-')) return `--baseline ${ref}: a git ref may not start with "-"`
  if (/[\s\u0000-\u001f\u007f]/.test(ref)) return `--baseline ${JSON.stringify(ref)}: no whitespace or control characters in a git ref`
  if (ref.length > 200) return '--baseline: the ref is longer than 200 characters'
  return undefined
}

/**
 * The order of the measured phases: every round goes through the scenarios once, each scenario
 * measured on both sides back to back; even rounds before → after, odd rounds after → before
 * (ABBA), so that a slow drift of the machine or the table (every request leaves an audit record)
 * does not favour one side.
 */
export function baselineSchedule(ids: string[], rounds: number): Array<{ id: string; side: Side; round: number }> {
  const out: Array<{ id: string; side: Side; round: number }> = []
  for (let round = 0; round < rounds; round++)
    for (const id of ids)
      for (const side of round % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const)) out.push({ id, side, round })
  return out
}

/** One side of one scenario over all its rounds. */
export interface SideSummary {
  /** Requests completed in all the windows ÷ their total length. */
  rps: number
  rpsPerRound: number[]
  completed: number
  /** CPU of the process over all the windows ÷ requests completed in them (µs). */
  workerdCpuUs?: number
  dynaliteCpuUs?: number
  errors: number
  /** Highest other load (cores) of its windows. */
  foreignCoresMax: number
}

export function summarizeSide(phases: MeasuredPhase[]): SideSummary {
  const completed = phases.reduce((a, p) => a + p.completed, 0)
  const windowMs = phases.reduce((a, p) => a + p.windowMs, 0)
  const cpu = (name: string): number | undefined => {
    if (completed === 0 || !phases.some((p) => p.procs[name])) return undefined
    return (phases.reduce((a, p) => a + (p.procs[name]?.cpuSeconds ?? 0), 0) * 1e6) / completed
  }
  return {
    rps: windowMs > 0 ? completed / (windowMs / 1000) : 0,
    rpsPerRound: phases.map((p) => p.rps),
    completed,
    workerdCpuUs: cpu('workerd'),
    dynaliteCpuUs: cpu('dynalite'),
    errors: phases.reduce((a, p) => a + p.errors, 0),
    foreignCoresMax: phases.reduce((a, p) => Math.max(a, p.foreignCores), 0),
  }
}

/** The profile figures the section reads (lib/profile.ts ProfileResult). */
export interface ProfileLike {
  label: string
  cpuUsPerRequest: number
  buckets: Array<{ bucket: string; usPerRequest: number; share: number }>
}

export interface BaselineScenario {
  id: string
  label: string
  before: MeasuredPhase[]
  after: MeasuredPhase[]
  summary: { before: SideSummary; after: SideSummary }
}

/** `result.json`'s `baseline` key. */
export interface BaselineResult {
  ref: string
  sha: string
  shortSha: string
  subject: string
  /** Seconds to build the baseline bundle (0 when it came from the cache). */
  buildSeconds: number
  cached: boolean
  compat: { compatibilityDate: string; compatibilityFlags: string[] }
  /** Whether the baseline's compatibility settings differ from the working tree's. */
  compatDiffers: boolean
  rounds: number
  order: Array<{ id: string; side: Side; round: number }>
  scenarios: BaselineScenario[]
  skipped: Array<{ scenario: string; reason: string }>
  profiles?: { before: ProfileLike[]; after: ProfileLike[] }
  profileError?: string
}

const f0 = (x: number) => Math.round(x).toLocaleString('en-US')
const f2 = (x: number) => (Math.round(x * 100) / 100).toFixed(2)
const us = (x: number | undefined) => (x === undefined ? '–' : f0(x))
const pct = (before: number | undefined, after: number | undefined): string => {
  if (before === undefined || after === undefined || before <= 0) return '–'
  const d = Math.round(((after - before) / before) * 100)
  return d === 0 ? '0 %' : `${d > 0 ? '+' : '−'}${Math.abs(d)} %`
}

/**
 * Buckets of the before and after profiles side by side, for the cases both have: one row per
 * bucket (union of the top buckets, biggest after-or-before first), µs/req per case and side.
 */
export function profileSideBySide(
  before: ProfileLike[],
  after: ProfileLike[],
): { labels: string[]; rows: Array<{ bucket: string; cells: Array<{ before?: number; after?: number }> }> } {
  const labels = before.map((p) => p.label).filter((l) => after.some((a) => a.label === l))
  const pair = labels.map((l) => ({ b: before.find((p) => p.label === l)!, a: after.find((p) => p.label === l)! }))
  const size = new Map<string, number>()
  for (const { b, a } of pair)
    for (const x of [...b.buckets, ...a.buckets]) size.set(x.bucket, Math.max(size.get(x.bucket) ?? 0, x.usPerRequest))
  const buckets = [...size].sort((x, y) => y[1] - x[1]).map(([k]) => k)
  const rows = [
    {
      bucket: '**workerd CPU per request (/proc)**',
      cells: pair.map(({ b, a }) => ({ before: b.cpuUsPerRequest, after: a.cpuUsPerRequest })),
    },
    ...buckets.map((bucket) => ({
      bucket,
      cells: pair.map(({ b, a }) => ({
        before: b.buckets.find((x) => x.bucket === bucket)?.usPerRequest,
        after: a.buckets.find((x) => x.bucket === bucket)?.usPerRequest,
      })),
    })),
  ]
  return { labels, rows }
}

/** The "Before / after" section: Markdown lines. */
export function renderBaselineSection(b: BaselineResult, ceilingRps: number, opts: { durationMs: number }): string[] {
  const L: string[] = []
  L.push(`## Before / after (baseline \`${b.ref}\` = ${b.shortSha})`)
  L.push('')
  L.push(
    `"Before" is the Worker bundle of commit ${b.shortSha} (${b.subject.replace(/\|/g, '\\|')}), built from \`git archive\` with this checkout's node_modules by the same \`wrangler deploy --dry-run\`${b.cached ? ' (bundle from the cache)' : `, ${b.buildSeconds.toFixed(1)} s`}; "after" is the working tree's bundle (the product workerd of the rows above). Both are served by workerd directly with the same bindings, the same dynalite table, keys and secrets${b.compatDiffers ? ` (the baseline with its own compatibility settings: ${b.compat.compatibilityDate} [${b.compat.compatibilityFlags.join(', ')}])` : ''}, and measured in this run alternately: ${b.rounds} rounds of ${opts.durationMs / 1000} s closed-loop windows per side and scenario, before → after in even rounds and after → before in odd ones. Figures sum every round (req/s = requests ÷ window time; CPU = process CPU ÷ requests); × ceiling is to this run's ceiling (${f0(ceilingRps)} req/s).`,
  )
  L.push('')
  L.push(
    '| Scenario | req/s before | after | Δ | × ceiling before | after | workerd CPU µs/req before | after | Δ | dynalite CPU µs/req before | after | Δ | req/s per round (before; after) | errors | other load (max) |',
  )
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|')
  for (const s of b.scenarios) {
    const x = s.summary.before
    const y = s.summary.after
    const other = Math.max(x.foreignCoresMax, y.foreignCoresMax)
    L.push(
      `| ${s.label} | ${f0(x.rps)} | ${f0(y.rps)} | ${pct(x.rps, y.rps)} | ${f2(x.rps / ceilingRps)} | ${f2(y.rps / ceilingRps)} | ${us(x.workerdCpuUs)} | ${us(y.workerdCpuUs)} | ${pct(x.workerdCpuUs, y.workerdCpuUs)} | ${us(x.dynaliteCpuUs)} | ${us(y.dynaliteCpuUs)} | ${pct(x.dynaliteCpuUs, y.dynaliteCpuUs)} | ${x.rpsPerRound.map(f0).join(', ')}; ${y.rpsPerRound.map(f0).join(', ')} | ${x.errors || y.errors ? `**${x.errors} / ${y.errors}**` : '0'} | ${f2(other)}${other >= 0.3 ? ' ⚠' : ''} |`,
    )
  }
  if (b.skipped.length) {
    L.push('')
    L.push('Not compared:')
    for (const s of b.skipped) L.push(`- ${s.scenario}: ${s.reason}`)
  }
  if (b.profiles) {
    const t = profileSideBySide(b.profiles.before, b.profiles.after)
    if (t.labels.length) {
      L.push('')
      L.push(
        `CPU profile, before / after (V8 sampler in a separate inspector-enabled workerd per bundle, one window per case; µs/req = the bucket's share of samples × the workerd CPU per request /proc measured in that window; read the shares, the sampler sees wall time):`,
      )
      L.push('')
      L.push(`| bucket | ${t.labels.map((l) => `${l} before µs/req | after`).join(' | ')} |`)
      L.push(`|---|${t.labels.map(() => '---:|---:').join('|')}|`)
      for (const r of t.rows) L.push(`| ${r.bucket} | ${r.cells.map((c) => `${us(c.before)} | ${us(c.after)}`).join(' | ')} |`)
    }
  } else if (b.profileError) {
    L.push('')
    L.push(`CPU profile before / after: not taken (${b.profileError}).`)
  }
  return L
}
