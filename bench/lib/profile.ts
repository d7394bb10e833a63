/**
 * @module bench/lib/profile
 * The Worker's CPU profile inside workerd: a separate workerd with `--inspector-addr` (so the
 * measured phases run without it), the V8 sampling profiler over one window per case, self time
 * mapped to source files through `index.js.map`.
 */
import { join } from 'node:path'
import { freePort } from '../../scripts/lib/stack'
import { attribute, InspectorClient, loadSourceMap, type Attribution, type CpuProfile } from './inspector'
import type { RunPhase } from './phases'
import type { RequestSpec } from './protocol'
import { startRawWorkerd } from './workerd'

export interface ProfileResult {
  label: string
  requests: number
  rps: number
  busyUsPerRequest: number
  /** workerd CPU per request measured from /proc in the same window. */
  cpuUsPerRequest: number
  buckets: Array<{ bucket: string; usPerRequest: number; share: number }>
  functions: Array<{ fn: string; bucket: string; usPerRequest: number }>
}

/**
 * Profiles each case for half a window (at least 1 s). `bundle` serves another build than
 * `<dataDir>/build` (the `--baseline` bundle, lib/baseline.ts), in its own config dir.
 * @throws Error when workerd or its inspector cannot be started or reached.
 */
export async function profileWorker(
  dataDir: string,
  compat: { compatibilityDate: string; compatibilityFlags: string[] },
  bindings: Record<string, string>,
  cases: Array<{ label: string; req: RequestSpec; rateHint: number }>,
  runPhase: RunPhase,
  onCleanupFn: (name: string, fn: () => Promise<void> | void) => void,
  durationMs: number,
  bundle: { dir: string; name: string } = { dir: join(dataDir, 'build'), name: 'profile' },
): Promise<ProfileResult[]> {
  const inspectorAddr = `127.0.0.1:${await freePort()}`
  const w = await startRawWorkerd({
    port: await freePort(),
    scriptPath: join(bundle.dir, 'index.js'),
    ...compat,
    bindings,
    configDir: join(dataDir, `workerd-${bundle.name}`),
    extraArgs: [`--inspector-addr=${inspectorAddr}`],
  })
  onCleanupFn(`workerd (${bundle.name})`, () => w.stop())
  const map = loadSourceMap(join(bundle.dir, 'index.js.map'))
  const client = await InspectorClient.connect(inspectorAddr)
  const out: ProfileResult[] = []
  try {
    await client.send('Profiler.enable')
    await client.send('Profiler.setSamplingInterval', { interval: 100 })
    const target = { port: w.port, pid: w.pid }
    for (const c of cases) {
      let started: Promise<unknown> | undefined
      const phase = await runPhase(
        `${bundle.name}: ${c.label} (inspector attached)`,
        target,
        c.req,
        { durationMs: Math.max(1000, Math.round(durationMs / 2)), rateHint: c.rateHint },
        {
          onWindowStart: () => {
            started = client.send('Profiler.start')
          },
        },
      )
      await started
      const { profile } = await client.send<{ profile: CpuProfile }>('Profiler.stop')
      const a: Attribution = attribute(profile, 'index.js', map)
      const n = Math.max(1, phase.latency.count)
      // The sampler sees wall time on the isolate thread (a preempted thread still shows its
      // function), so shares are what to read; µs are scaled to the CPU /proc measured.
      const measured = phase.procs.workerd && phase.completed > 0 ? (phase.procs.workerd.cpuSeconds * 1e6) / phase.completed : a.busyUs / n
      out.push({
        label: c.label,
        requests: n,
        rps: phase.rps,
        busyUsPerRequest: Math.round(a.busyUs / n),
        cpuUsPerRequest: Math.round(measured),
        buckets: a.buckets.slice(0, 16).map((b) => ({
          bucket: b.bucket,
          usPerRequest: Math.round(b.share * measured * 10) / 10,
          share: Math.round(b.share * 1000) / 10,
        })),
        functions: a.functions
          .slice(0, 15)
          .map((f) => ({ fn: f.fn, bucket: f.bucket, usPerRequest: Math.round((a.busyUs ? f.us / a.busyUs : 0) * measured * 10) / 10 })),
      })
    }
  } finally {
    client.close()
    await w.stop()
  }
  return out
}
