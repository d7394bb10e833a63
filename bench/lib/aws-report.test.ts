/**
 * The AWS side-by-side section and the AsymmetricSign target, from made-up rows.
 * In the `unit` project: `npx vitest run --project unit bench`.
 */
import { describe, expect, it } from 'vitest'
import { oursOverMoto, renderAwsSection, serverCpuUs } from './aws-report'
import type { MeasuredPhase } from './driver'
import { EC_SIGN_CONCURRENT, EC_SIGN_SEQUENTIAL, type MicroResult } from './micro'
import type { ScenarioRow } from './report'
import { asymmetricSignTarget } from './targets'

function phase(rps: number, procs: Record<string, number> = {}, completed = rps * 2): MeasuredPhase {
  const lat = { count: completed, mean: 1, p50: 1, p90: 2, p99: 3, p999: 4, max: 5 }
  return {
    name: 'x',
    mode: 'closed',
    connections: 32,
    windowMs: 2000,
    completed,
    rps,
    latency: lat,
    statuses: { '200': completed },
    errorCodes: {},
    errors: 0,
    warmup: { requests: 0, rps: 0, ms: 0 },
    presign: { count: 0, ms: 0, usPerRequest: 0, signer: '' },
    exhausted: false,
    reconnects: 0,
    procs: Object.fromEntries(Object.entries(procs).map(([k, v]) => [k, { cpuSeconds: v, peakRssMb: 1, rssMb: 1, peakSource: 'x' }])),
    foreignCores: 0,
    machineCores: 1,
  }
}
const row = (id: string, rps: number, procs: Record<string, number> = {}, ratio?: number): ScenarioRow => ({
  id,
  label: id,
  group: 'product',
  what: '',
  phase: phase(rps, procs),
  ratio,
})

describe('AWS side-by-side section', () => {
  it('sums server CPU per request over the named processes only', () => {
    // 1,000 requests; workerd 0.5 s + dynalite 0.25 s = 750 µs each; loadgen not counted.
    const p = phase(500, { workerd: 0.5, dynalite: 0.25, loadgen: 9 }, 1000)
    expect(serverCpuUs(p, ['workerd', 'dynalite', 'bridge'])).toBeCloseTo(750)
    expect(serverCpuUs(p, ['moto'])).toBeUndefined()
  })

  it('reports ours / moto and each row beside the Alibaba Encrypt row', () => {
    const rows = [row('encrypt', 600, { workerd: 1 }, 0.06), row('aws-encrypt', 450, {}, 0.045), row('moto-encrypt', 300, { moto: 0.6 })]
    const md = renderAwsSection(
      { awsId: 'aws-encrypt', moto: { status: 'measured', id: 'moto-encrypt', version: '5.2.1', bin: 'm' } },
      rows,
      {
        connections: 32,
        durationMs: 2000,
      },
    ).join('\n')
    expect(oursOverMoto(rows[1]!.phase, rows[2]!.phase)).toBeCloseTo(1.5)
    expect(md).toContain('**ours / moto (AWS Encrypt): 450 / 300 req/s = 1.50 ×.**')
    expect(md).toMatch(/\| ours, AWS dialect \(SigV4 POST\) \| 450 \| 0\.05 \| 0\.75 × \|/)
    expect(md).toMatch(/\| moto_server 5\.2\.1 \(in memory\) \| 300 \| – \| 0\.50 × \|.*\| 1,000 \| – \| 0 \|$/m)
    expect(md).not.toContain('Connection: close')
    expect(md).toContain('no audit trail, no replay protection and no durable write')
  })

  it('says when moto closed its connections', () => {
    const motoRow = row('moto-encrypt', 300, { moto: 0.6 })
    motoRow.phase.reconnects = 612
    const md = renderAwsSection(
      { awsId: 'aws-encrypt', moto: { status: 'measured', id: 'moto-encrypt', version: '5', bin: 'm' } },
      [row('encrypt', 600), row('aws-encrypt', 450), motoRow],
      {
        connections: 32,
        durationMs: 2000,
      },
    ).join('\n')
    expect(md).toContain('opened 612 new connections')
  })

  it('says "not installed" when moto_server is absent', () => {
    const md = renderAwsSection(
      { awsId: 'aws-encrypt', moto: { status: 'not installed', reason: 'no moto_server on PATH' } },
      [row('encrypt', 600), row('aws-encrypt', 450)],
      {
        connections: 32,
        durationMs: 2000,
      },
    ).join('\n')
    expect(md).toContain('| moto_server (in memory) | not installed |')
    expect(md).toContain('moto_server Encrypt req/s: not installed (no moto_server on PATH).')
    expect(md).not.toContain('ours / moto')
  })
})

describe('AsymmetricSign target', () => {
  const micro = (seq: number, conc: number): MicroResult[] => [
    { name: EC_SIGN_SEQUENTIAL, opsPerSec: seq, usPerOp: 1e6 / seq, what: '' },
    { name: EC_SIGN_CONCURRENT, opsPerSec: conc, usPerOp: 1e6 / conc, what: '', concurrency: 32 },
  ]

  it('compares with the faster in-process baseline', () => {
    const t = asymmetricSignTarget(row('asymmetric-sign', 444), micro(20_000, 30_000))
    expect(t.measured).toBe('AsymmetricSign vs in-process WebCrypto: 444 req/s / 30,000 ops/s = 0.01×')
    expect(t.status).toBe('missed')
    expect(t.note).toContain('30,000 ops/s with 32 in flight and 20,000 ops/s one at a time')
  })

  it('is met at half the baseline, and n/a without a scenario', () => {
    expect(asymmetricSignTarget(row('asymmetric-sign', 10_000), micro(20_000, 15_000)).status).toBe('met')
    expect(asymmetricSignTarget(row('asymmetric-sign', 9_999), micro(20_000, 15_000)).status).toBe('missed')
    const na = asymmetricSignTarget(undefined, micro(1, 1), 'CreateKey answered 400')
    expect(na).toMatchObject({ status: 'n/a', note: 'CreateKey answered 400' })
  })
})
