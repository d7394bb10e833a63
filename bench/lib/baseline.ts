/**
 * @module bench/lib/baseline
 * `--baseline <git-ref>`: the Worker bundle of another commit ("before") measured against the
 * working tree's bundle ("after") in the same run, on the same machine, alternately.
 *
 * - {@link resolveBaseline}: the ref → full and short sha and subject (`git rev-parse`).
 * - {@link buildBaselineBundle}: `git archive <sha> | tar -x` into a temporary dir, this
 *   checkout's node_modules symlinked into it, then the same `wrangler deploy --dry-run` that
 *   scripts/lib/stack.ts `buildWorker` runs for the working tree; the bundle is kept under
 *   bench/results/.cache/baseline/ (keyed by sha, package-lock.json and the wrangler version) and
 *   the temporary dir removed at once, and by the run's cleanup on error, signal or deadline.
 * - {@link measureBaseline}: a second workerd serving that bundle exactly like the product one
 *   (same bindings, dynalite table and options), every scenario checked once on it, then the
 *   alternating phases (lib/baseline-report.ts `baselineSchedule`).
 *
 * Nothing here touches the repository: `git archive` reads it, no worktree is registered.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, ROOT } from '../../scripts/lib/stack'
import { baselineSchedule, summarizeSide, type BaselineScenario, type Side } from './baseline-report'
import { parseWranglerCompat } from '../../scripts/lib/wrangler-compat'
import type { MeasuredPhase } from './driver'
import type { PhaseTarget, RunPhase } from './phases'
import type { RequestSpec } from './protocol'
import { sendOnce } from './workloads'
import { startRawWorkerd } from './workerd'

type OnCleanup = (name: string, fn: () => Promise<void> | void) => void
type Compat = { compatibilityDate: string; compatibilityFlags: string[] }

const WRANGLER = join(ROOT, 'node_modules/.bin/wrangler')

/**
 * Runs a command, resolves with its stdout; rejects with its output on a non-zero exit. With
 * `track`, the command gets a process group of its own (`node_modules/.bin/wrangler` is a wrapper
 * that spawns the real CLI), so that the cleanup can kill the whole group.
 */
function run(cmd: string, args: string[], cwd: string, track?: (c: ChildProcess | undefined) => void): Promise<string> {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: process.env.CI ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: track !== undefined,
    })
    track?.(child)
    let out = ''
    let err = ''
    child.stdout!.on('data', (d) => (out += d))
    child.stderr!.on('data', (d) => (err += d))
    child.once('error', fail)
    child.once('exit', (code, signal) => {
      track?.(undefined)
      if (code === 0) ok(out)
      else fail(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${(err || out).slice(-3000)}`))
    })
  })
}

export interface ResolvedBaseline {
  ref: string
  sha: string
  shortSha: string
  subject: string
}

/** @throws Error when `ref` names no commit of this repository. */
export async function resolveBaseline(ref: string): Promise<ResolvedBaseline> {
  let sha: string
  try {
    sha = (await run('git', ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], ROOT)).trim()
  } catch {
    throw new Error(`--baseline ${ref}: no such commit in ${ROOT}`)
  }
  const shortSha = (await run('git', ['rev-parse', '--short', sha], ROOT)).trim()
  const subject = (await run('git', ['log', '-1', '--format=%s', sha], ROOT)).trim()
  return { ref, sha, shortSha, subject }
}

export interface BaselineBundle {
  /** Directory with index.js and index.js.map. */
  dir: string
  compat: Compat
  seconds: number
  cached: boolean
}

/**
 * Builds (or takes from the cache) the bundle of commit `sha` and copies it to `outDir`.
 * @throws Error when the archive, the symlink or wrangler fail.
 */
export async function buildBaselineBundle(o: {
  sha: string
  outDir: string
  onCleanup: OnCleanup
  log: (msg: string) => void
}): Promise<BaselineBundle> {
  const t0 = Date.now()
  const wranglerVersion = (() => {
    try {
      return (JSON.parse(readFileSync(join(ROOT, 'node_modules/wrangler/package.json'), 'utf8')) as { version: string }).version
    } catch {
      return 'unknown'
    }
  })()
  const lock = existsSync(join(ROOT, 'package-lock.json')) ? readFileSync(join(ROOT, 'package-lock.json')) : Buffer.alloc(0)
  const key = createHash('sha256').update(`${o.sha}\n${wranglerVersion}\n`).update(lock).digest('hex').slice(0, 16)
  const cacheDir = join(ROOT, 'bench/results/.cache/baseline', `${o.sha.slice(0, 12)}-${key}`)
  const cachedCompat = join(cacheDir, 'compat.json')
  if (existsSync(join(cacheDir, 'index.js')) && existsSync(cachedCompat)) {
    cpSync(cacheDir, o.outDir, { recursive: true })
    o.log(`baseline: bundle of ${o.sha.slice(0, 12)} from the cache (${cacheDir})`)
    return { dir: o.outDir, compat: JSON.parse(readFileSync(cachedCompat, 'utf8')) as Compat, seconds: 0, cached: true }
  }

  const tmp = mkdtempSync(join(tmpdir(), 'kms-bench-baseline-'))
  let child: ChildProcess | undefined
  let removed = false
  const removeTmp = () => {
    if (child?.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL') // its process group: the wrapper and the CLI under it
      } catch {
        /* already gone */
      }
    }
    if (removed) return
    removed = true
    rmSync(tmp, { recursive: true, force: true })
  }
  o.onCleanup('baseline source tree', removeTmp)
  try {
    const src = join(tmp, 'src')
    mkdirSync(src)
    await new Promise<void>((ok, fail) => {
      const git = spawn('git', ['archive', '--format=tar', o.sha], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
      const tar = spawn('tar', ['-x', '-C', src], { stdio: ['pipe', 'ignore', 'pipe'] })
      let err = ''
      git.stderr!.on('data', (d) => (err += d))
      tar.stderr!.on('data', (d) => (err += d))
      git.stdout!.pipe(tar.stdin!)
      let left = 2
      let failed = false
      const done = (what: string) => (code: number | null) => {
        if (code !== 0 && !failed) {
          failed = true
          fail(new Error(`baseline: ${what} exited ${code}: ${err.slice(-2000)}`))
        }
        if (--left === 0 && !failed) ok()
      }
      git.once('error', fail)
      tar.once('error', fail)
      git.once('exit', done('git archive'))
      tar.once('exit', done('tar -x'))
    })
    symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'), 'dir')
    const compat = parseWranglerCompat(readFileSync(join(src, 'wrangler.toml'), 'utf8'))
    const out = join(tmp, 'out')
    o.log(`baseline: building the bundle of ${o.sha.slice(0, 12)} (wrangler deploy --dry-run in ${src})…`)
    await run(WRANGLER, ['deploy', '--dry-run', '--outdir', out], src, (c) => (child = c))
    if (!existsSync(join(out, 'index.js'))) throw new Error(`baseline: wrangler wrote no index.js into ${out}`)
    writeFileSync(join(out, 'compat.json'), `${JSON.stringify(compat)}\n`)
    mkdirSync(join(ROOT, 'bench/results/.cache/baseline'), { recursive: true })
    rmSync(cacheDir, { recursive: true, force: true })
    cpSync(out, cacheDir, { recursive: true })
    cpSync(out, o.outDir, { recursive: true })
    const seconds = (Date.now() - t0) / 1000
    o.log(`baseline: bundle built in ${seconds.toFixed(1)} s`)
    return { dir: o.outDir, compat, seconds, cached: false }
  } finally {
    removeTmp()
  }
}

export interface BaselineCase {
  id: string
  label: string
  req: RequestSpec
}

/**
 * Serves the baseline bundle with a second workerd (same bindings and options as the product
 * one), checks every case once on both sides (a case whose answer is not 200 on either side is
 * skipped with the status), then runs the alternating phases.
 */
export async function measureBaseline(o: {
  bundleDir: string
  compat: Compat
  bindings: Record<string, string>
  configDir: string
  after: PhaseTarget & { endpoint: string }
  cases: BaselineCase[]
  rounds: number
  runPhase: RunPhase
  onCleanup: OnCleanup
  log: (msg: string) => void
}): Promise<{
  scenarios: BaselineScenario[]
  skipped: Array<{ scenario: string; reason: string }>
  order: Array<{ id: string; side: Side; round: number }>
}> {
  const w = await startRawWorkerd({
    port: await freePort(),
    scriptPath: join(o.bundleDir, 'index.js'),
    ...o.compat,
    bindings: o.bindings,
    configDir: o.configDir,
  })
  o.onCleanup('workerd (baseline)', () => w.stop())
  try {
    const before: PhaseTarget & { endpoint: string } = { port: w.port, pid: w.pid, endpoint: `http://127.0.0.1:${w.port}` }
    o.log(`baseline: served at ${before.endpoint} (workerd pid ${w.pid})`)
    const skipped: Array<{ scenario: string; reason: string }> = []
    const cases: BaselineCase[] = []
    for (const c of o.cases) {
      const sb = await sendOnce(before.endpoint, c.req).catch((e: Error) => e.message)
      const sa = await sendOnce(o.after.endpoint, c.req).catch((e: Error) => e.message)
      if (sb === 200 && sa === 200) cases.push(c)
      else {
        skipped.push({ scenario: c.label, reason: `one request answered ${String(sb)} (before) / ${String(sa)} (after)` })
        o.log(`baseline: ${c.label} skipped (before ${String(sb)}, after ${String(sa)})`)
      }
    }
    const order = baselineSchedule(
      cases.map((c) => c.id),
      o.rounds,
    )
    const phases = new Map<string, Record<Side, MeasuredPhase[]>>(cases.map((c) => [c.id, { before: [], after: [] }]))
    for (const step of order) {
      const c = cases.find((x) => x.id === step.id)!
      const target = step.side === 'before' ? before : o.after
      const p = await o.runPhase(`${step.side} ${step.round + 1}: ${c.label}`, { port: target.port, pid: target.pid }, c.req)
      phases.get(c.id)![step.side].push(p)
    }
    const scenarios = cases.map((c) => {
      const ph = phases.get(c.id)!
      return {
        id: c.id,
        label: c.label,
        before: ph.before,
        after: ph.after,
        summary: { before: summarizeSide(ph.before), after: summarizeSide(ph.after) },
      }
    })
    return { scenarios, skipped, order }
  } finally {
    await w.stop()
  }
}
