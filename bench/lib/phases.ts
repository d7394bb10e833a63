/**
 * @module bench/lib/phases
 * One measured phase: wait for the machine to be quiet, hand the phase to the load process
 * (bench/lib/driver.ts → loadgen.ts), probe the serving processes, log one line.
 */
import type { LoadDriver, MeasuredPhase } from './driver'
import type { PhaseSpec, RequestSpec } from './protocol'

export interface PhaseTarget {
  port: number
  pid: number | undefined
}

export type RunPhase = (
  name: string,
  target: PhaseTarget,
  request: RequestSpec,
  extra?: Partial<PhaseSpec>,
  hooks?: { onWindowStart?: () => void },
) => Promise<MeasuredPhase>

export interface PhaseRunnerOptions {
  driver: LoadDriver
  connections: number
  warmupMs: number
  durationMs: number
  requestTimeoutMs: number
  maxPresign: number
  /** The processes whose CPU and RSS a phase against this workerd pid reports. */
  procsFor: (pid: number | undefined) => Record<string, number | undefined>
  /** The rate the load process sizes its pre-signing from (the ceiling, once measured). */
  rateHint: () => number
  waitQuiet: () => Promise<number>
  log: (msg: string) => void
}

/** A phase runner bound to one load process and the run's options. */
export function phaseRunner(o: PhaseRunnerOptions): RunPhase {
  return async (name, target, request, extra = {}, hooks = {}) => {
    const load = await o.waitQuiet()
    const spec: PhaseSpec = {
      name,
      host: '127.0.0.1',
      port: target.port,
      connections: o.connections,
      warmupMs: o.warmupMs,
      durationMs: o.durationMs,
      mode: 'closed',
      request,
      rateHint: o.rateHint(),
      requestTimeoutMs: o.requestTimeoutMs,
      maxPresign: o.maxPresign,
      ...extra,
    }
    const result = await o.driver.run(spec, o.procsFor(target.pid), hooks)
    const codes = Object.entries(result.errorCodes)
      .map(([k, v]) => `${k}×${v}`)
      .join(' ')
    o.log(
      `${name.padEnd(34)} ${result.mode === 'rate' ? `rate ${result.targetRate}/s ` : ''}${Math.round(result.rps).toLocaleString('en-US').padStart(7)} req/s  p50 ${result.latency.p50.toFixed(2)} ms  p99 ${result.latency.p99.toFixed(2)} ms  errors ${result.errors}${codes ? ` [${codes}]` : ''}  other load ${result.foreignCores.toFixed(2)} (before: ${load.toFixed(2)})${result.exhausted ? '  RAN OUT OF PRE-SIGNED REQUESTS' : ''}`,
    )
    return result
  }
}
