/**
 * @module bench/lib/options
 * The command line of `npm run bench`: parsed once at import (prints `--help` and exits, or exits
 * with status 2 on a bad value), so that every module of the harness reads the same options.
 */
import { parseArgs } from 'node:util'
import { baselineRefError } from './baseline-report'

export const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    full: { type: 'boolean', default: false },
    runtime: { type: 'string', default: 'workerd' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    keys: { type: 'string' },
    'cron-keys': { type: 'string' },
    // `--no-hsm` is `hsm` negated (allowNegative); the old spelling stays accepted.
    hsm: { type: 'boolean' },
    'no-hsm': { type: 'boolean', default: false },
    profile: { type: 'boolean' },
    'quiet-wait': { type: 'string' },
    keep: { type: 'boolean', default: false },
    baseline: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
  allowNegative: true,
})

if (args.help) {
  process.stdout.write(`usage: npm run bench -- [--quick | --full] [options]
  --quick            short phases (2 s), 1,000 keys, < 1 minute
  --full             also measures Encrypt latency with 100,000 keys in the table
  --runtime R        workerd (default: the bundle served by workerd directly) or miniflare (scripts/lib/stack.ts)
  --duration S       seconds per measured window (default 10, quick 2)
  --warmup S         warm-up seconds per phase (default 2, quick 0.5)
  --connections N    keep-alive connections (default 32)
  --keys N           keys in the table for the flatness check (default 10000, quick 1000, full 100000)
  --cron-keys N      due keys for the cron check (default 10000, quick 1000)
  --no-hsm           start the stack without its HSM bridge (startStack hsm: 'off')
  --profile / --no-profile   CPU-profile the Worker inside workerd (default on, off in --quick)
  --quiet-wait S     total seconds the run may wait for other processes to calm down (default 60, quick 0)
  --keep             keep the temporary data dir
  --baseline REF     also measure the Worker bundle of git commit REF ("before") against the working
                     tree's ("after"), alternately in this run (workerd runtime only; lib/baseline.ts)
`)
  process.exit(0)
}

export const mode: 'quick' | 'default' | 'full' = args.quick ? 'quick' : args.full ? 'full' : 'default'
export const quick = mode === 'quick'
const num = (v: string | undefined, d: number, what: string, min: number, max: number): number => {
  if (v === undefined) return d
  const n = Number(v)
  if (!Number.isFinite(n) || n < min || n > max) {
    process.stderr.write(`bench: ${what} must be a number from ${min} to ${max}\n`)
    process.exit(2)
  }
  return n
}
export const OPT = {
  durationMs: Math.round(num(args.duration, quick ? 2 : 10, '--duration', 0.5, 120) * 1000),
  warmupMs: Math.round(num(args.warmup, quick ? 0.5 : 2, '--warmup', 0, 30) * 1000),
  connections: Math.round(num(args.connections, 32, '--connections', 1, 256)),
  flatKeys: Math.round(num(args.keys, quick ? 1000 : mode === 'full' ? 100_000 : 10_000, '--keys', 100, 200_000)),
  cronKeys: Math.round(num(args['cron-keys'], quick ? 1000 : 10_000, '--cron-keys', 10, 50_000)),
  quietBudgetMs: Math.round(num(args['quiet-wait'], quick ? 0 : 60, '--quiet-wait', 0, 600) * 1000),
  runtime: args.runtime === 'miniflare' ? 'miniflare' : 'workerd',
  hsm: args.hsm ?? !args['no-hsm'],
  profile: args.profile ?? !quick,
  requestTimeoutMs: 10_000,
  maxPresign: 400_000,
  /** `--baseline <git-ref>` (lib/baseline.ts); undefined: no before/after phases. */
  baseline: args.baseline,
}
if (args.runtime !== 'workerd' && args.runtime !== 'miniflare') {
  process.stderr.write('bench: --runtime must be workerd or miniflare\n')
  process.exit(2)
}
if (args.baseline !== undefined) {
  const why = baselineRefError(args.baseline)
  if (why || OPT.runtime !== 'workerd') {
    process.stderr.write(`bench: ${why ?? '--baseline needs --runtime workerd (both bundles are served by workerd directly)'}\n`)
    process.exit(2)
  }
}
/** Whole-run deadline: everything stops by itself (`--baseline` adds the build and its phases). */
export const RUN_DEADLINE_MS = ((quick ? 4 : mode === 'full' ? 45 : 25) + (args.baseline !== undefined ? (quick ? 4 : 10) : 0)) * 60_000
