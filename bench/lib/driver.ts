/**
 * Runs phases in the load process (bench/lib/loadgen.ts, forked as ONE node process with the tsx
 * loader) and measures the serving processes around each measured window.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { ROOT } from '../../scripts/lib/stack'
import type { FromLoadgen, PhaseResult, PhaseSpec } from './protocol'
import { PhaseProbe } from './procs'

export type ProcStats = Record<string, { cpuSeconds: number; peakRssMb: number; rssMb: number; peakSource: string }>

export interface MeasuredPhase extends PhaseResult {
  procs: ProcStats
  /** Cores busy with processes outside the benchmark during the window (shared machine). */
  foreignCores: number
  /** Cores busy in total during the window. */
  machineCores: number
}

export class LoadDriver {
  private child: ChildProcess | undefined
  private listeners = new Set<(m: FromLoadgen) => void>()

  async start(): Promise<void> {
    const child = fork(join(ROOT, 'bench/lib/loadgen.ts'), [], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    this.child = child
    child.on('message', (m: FromLoadgen) => {
      for (const l of [...this.listeners]) l(m)
    })
    await this.waitFor((m) => m.type === 'ready', 30_000, 'the load process did not start')
  }

  get pid(): number | undefined {
    return this.child?.pid
  }

  private waitFor(pred: (m: FromLoadgen) => boolean, timeoutMs: number, what: string): Promise<FromLoadgen> {
    return new Promise((ok, fail) => {
      const onExit = () => done(new Error(`${what}: the load process exited`))
      const timer = setTimeout(() => done(new Error(`${what} (timeout ${timeoutMs} ms)`)), timeoutMs)
      const listener = (m: FromLoadgen) => {
        if (m.type === 'error') done(new Error(`load process: ${m.message}`))
        else if (pred(m)) done(undefined, m)
      }
      const done = (err?: Error, m?: FromLoadgen) => {
        clearTimeout(timer)
        this.listeners.delete(listener)
        this.child?.removeListener('exit', onExit)
        if (err) fail(err)
        else ok(m!)
      }
      this.listeners.add(listener)
      this.child?.once('exit', onExit)
    })
  }

  /** Runs one phase; `procs` are the processes whose CPU and peak RSS are measured in its window. */
  async run(
    spec: PhaseSpec,
    procs: Record<string, number | undefined>,
    hooks: { onWindowStart?: () => void } = {},
  ): Promise<MeasuredPhase> {
    if (!this.child) throw new Error('load process not started')
    const probe = new PhaseProbe(procs)
    let probeStats: ReturnType<PhaseProbe['stop']> | undefined
    const onWindow = (m: FromLoadgen) => {
      if (m.type === 'window-start') {
        probe.start()
        hooks.onWindowStart?.()
      }
      if (m.type === 'window-end' && !probeStats) probeStats = probe.stop()
    }
    this.listeners.add(onWindow)
    try {
      // Bound: warm-up + pre-signing + window + drain, generously.
      const bound = spec.warmupMs + spec.durationMs + 120_000
      const resultPromise = this.waitFor((m) => m.type === 'result', bound, `phase ${spec.name}`)
      this.child.send({ type: 'run', phase: spec })
      const m = (await resultPromise) as Extract<FromLoadgen, { type: 'result' }>
      if (!probeStats) probeStats = probe.stop()
      return { ...m.result, procs: probeStats.procs, foreignCores: probeStats.foreignCores, machineCores: probeStats.machineCores }
    } finally {
      this.listeners.delete(onWindow)
    }
  }

  async stop(): Promise<void> {
    const child = this.child
    this.child = undefined
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    await new Promise<void>((done) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        done()
      }, 2000)
      child.once('exit', () => {
        clearTimeout(timer)
        done()
      })
      try {
        child.send({ type: 'exit' })
      } catch {
        child.kill('SIGTERM')
      }
    })
  }
}
