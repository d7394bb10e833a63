/**
 * `npm run torture`: starts its own real stack (startStack on a free port, a temp data dir,
 * SoftHSMv2 behind the hsm-bridge when installed) and prints one table of reliability figures:
 * generated bad input, replay, concurrent fuzz against a model, and kill -9 of each process under
 * load. Writes bench/results/torture-latest.md and .json. Exits 1 when a correctness figure is off.
 *
 *   npm run torture                 # full size (~5 min on 2 cores)
 *   npm run torture -- --ci         # the CI subset's sizes
 *   npm run torture -- --only bad-input,replay --seed 42 --no-write
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ROOT } from './lib/stack'
import { runBadInput } from './lib/torture/bad-input'
import { runFuzz } from './lib/torture/fuzz'
import { startTortureStack } from './lib/torture/harness'
import { runKill } from './lib/torture/kill'
import { failures, markdown, rows, type TortureResults } from './lib/torture/report'
import { runReplay } from './lib/torture/replay'

export const SIZES = {
  full: { badInput: 20_000, badConcurrency: 16, replayCopies: 50, fuzzWorkers: 64, fuzzSeconds: 10, killTrials: 20, killWorkers: 32 },
  ci: { badInput: 10_000, badConcurrency: 16, replayCopies: 50, fuzzWorkers: 16, fuzzSeconds: 5, killTrials: 2, killWorkers: 32 },
}

const { values } = parseArgs({
  options: {
    ci: { type: 'boolean', default: false },
    only: { type: 'string' },
    seed: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
})
const size = values.ci ? SIZES.ci : SIZES.full
const only = new Set((values.only ?? 'bad-input,replay,fuzz,kill').split(','))
const results: TortureResults = {
  startedAt: new Date().toISOString(),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
  command: `npm run torture${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
}
const log = (msg: string) => process.stderr.write(`[torture ${new Date().toISOString().slice(11, 19)}] ${msg}\n`)

const ts = await startTortureStack({ verbose: values.verbose })
log(`stack on ${ts.stack.endpoint} (hsm-bridge: ${ts.stack.hsm ? 'yes' : 'no'})`)
try {
  // The fuzz first: its rotations run the cron, which also seals the audit backlog (the bad
  // input leaves ~10,000 records), so on a fresh table each run is short.
  if (only.has('fuzz')) {
    log(`concurrent fuzz: ${size.fuzzWorkers} workers × ${size.fuzzSeconds} s`)
    results.fuzz = await runFuzz(ts, { workers: size.fuzzWorkers, seconds: size.fuzzSeconds })
  }
  if (only.has('bad-input')) {
    log(`bad input: ${size.badInput} requests, ${size.badConcurrency} in flight`)
    results.badInput = await runBadInput(ts, {
      count: size.badInput,
      concurrency: size.badConcurrency,
      ...(values.seed ? { seed: Number(values.seed) } : {}),
    })
  }
  if (only.has('replay')) {
    log('replay')
    results.replay = await runReplay(ts, { copies: size.replayCopies })
  }
  if (only.has('kill')) {
    log(`kill -9: ${size.killTrials} trials per process, ${size.killWorkers}-way load`)
    results.kill = await runKill(ts, { trials: size.killTrials, workers: size.killWorkers })
  }
} finally {
  await ts.stop()
}

const md = markdown(results)
process.stdout.write(md)
if (!values['no-write']) {
  const dir = join(ROOT, 'bench/results')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'torture-latest.md'), md)
  writeFileSync(join(dir, 'torture-latest.json'), `${JSON.stringify({ ...results, table: rows(results) }, null, 2)}\n`)
  log('wrote bench/results/torture-latest.md and .json')
}
const off = failures(results, { minBadInput: size.badInput })
if (off.length > 0) {
  log(`correctness figures off:\n  ${off.join('\n  ')}`)
  process.exitCode = 1
}
