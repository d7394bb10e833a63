/**
 * @module bench/lib/aws-report
 * The "AWS dialect side by side" section of the report: the Alibaba-dialect Encrypt row, the same
 * Encrypt through the AWS dialect (SigV4, `TrentService.Encrypt`) and moto_server under the same
 * load, from the run's scenario rows. Pure: data in, Markdown lines out.
 */
import type { MeasuredPhase } from './driver'

/** What run.ts found out about moto_server. */
export type MotoOutcome =
  { status: 'measured'; id: string; version: string; bin: string } | { status: 'not installed' | 'failed'; reason: string }

export interface AwsSideBySide {
  /** Our AWS-dialect Encrypt scenario id, or why there is none. */
  awsId?: string
  awsReason?: string
  moto: MotoOutcome
}

interface Row {
  id: string
  label: string
  phase: MeasuredPhase
  ratio?: number
}

const f0 = (x: number) => Math.round(x).toLocaleString('en-US')
const f2 = (x: number) => (Math.round(x * 100) / 100).toFixed(2)

/** Server CPU per request: the sum of the named processes' CPU over the window ÷ requests. */
export function serverCpuUs(p: MeasuredPhase, procs: string[]): number | undefined {
  let total = 0
  let any = false
  for (const name of procs) {
    const c = p.procs[name]?.cpuSeconds
    if (c === undefined) continue
    total += c
    any = true
  }
  return any && p.completed > 0 ? (total * 1e6) / p.completed : undefined
}

/** ours / moto (req/s), or undefined when either is missing or moto did nothing. */
export function oursOverMoto(ours: MeasuredPhase | undefined, moto: MeasuredPhase | undefined): number | undefined {
  if (!ours || !moto || moto.rps <= 0) return undefined
  return ours.rps / moto.rps
}

export function renderAwsSection(s: AwsSideBySide, scenarios: Row[], opts: { connections: number; durationMs: number }): string[] {
  const byId = (id: string | undefined) => (id ? scenarios.find((x) => x.id === id) : undefined)
  const alibaba = byId('encrypt')
  const aws = byId(s.awsId)
  const moto = s.moto.status === 'measured' ? byId(s.moto.id) : undefined
  const L: string[] = []
  L.push('## AWS dialect side by side (Encrypt)')
  L.push('')
  L.push(
    `The same workload in every row — a 32-byte plaintext under one of 10 keys, ${opts.connections} keep-alive connections, ${opts.durationMs / 1000} s closed loop, the same load process — sent as an Alibaba V1-signed GET, as \`POST /\` with \`X-Amz-Target: TrentService.Encrypt\` (\`application/x-amz-json-1.1\`, SigV4-signed per request with a fresh signed \`amz-sdk-invocation-id\`, which our server claims as the nonce exactly like a \`SignatureNonce\`), and the same SigV4 requests to moto_server. Server CPU: workerd + dynalite (+ HSM bridge) for ours, the moto_server process for moto.`,
  )
  L.push('')
  L.push(
    '| Server | req/s | × ceiling | vs Alibaba Encrypt | p50 ms | p99 ms | errors | server CPU µs/req | load gen CPU µs/req | reconnects |',
  )
  L.push('|---|---:|---:|---:|---:|---:|---|---:|---:|---:|')
  const row = (label: string, r: Row | undefined, procs: string[], note?: string) => {
    if (!r) {
      L.push(`| ${label} | ${note ?? 'not measured'} | – | – | – | – | – | – | – | – |`)
      return
    }
    const p = r.phase
    const cpu = serverCpuUs(p, procs)
    const lg = serverCpuUs(p, ['loadgen'])
    const vs = alibaba && alibaba !== r && alibaba.phase.rps > 0 ? `${f2(p.rps / alibaba.phase.rps)} ×` : alibaba === r ? '1.00 ×' : '–'
    L.push(
      `| ${label} | ${f0(p.rps)} | ${r.ratio !== undefined ? f2(r.ratio) : '–'} | ${vs} | ${f2(p.latency.p50)} | ${f2(p.latency.p99)} | ${
        p.errors === 0
          ? '0'
          : `**${f0(p.errors)}**: ${Object.entries(p.errorCodes)
              .map(([k, v]) => `${k} ×${v}`)
              .join(', ')}`
      } | ${cpu === undefined ? '–' : f0(cpu)} | ${lg === undefined ? '–' : f0(lg)} | ${f0(p.reconnects)} |`,
    )
  }
  row('ours, Alibaba dialect (V1 GET)', alibaba, ['workerd', 'dynalite', 'bridge'])
  row('ours, AWS dialect (SigV4 POST)', aws, ['workerd', 'dynalite', 'bridge'], s.awsReason)
  const motoLabel = `moto_server${s.moto.status === 'measured' ? ` ${s.moto.version}` : ''} (in memory)`
  row(motoLabel, moto, ['moto'], s.moto.status === 'measured' ? 'not measured' : s.moto.status)
  L.push('')
  const ratio = oursOverMoto(aws?.phase, moto?.phase)
  if (ratio !== undefined && aws && moto) {
    L.push(`**ours / moto (AWS Encrypt): ${f0(aws.phase.rps)} / ${f0(moto.phase.rps)} req/s = ${f2(ratio)} ×.**`)
  } else if (s.moto.status !== 'measured') {
    L.push(`moto_server Encrypt req/s: ${s.moto.status} (${s.moto.reason}).`)
  }
  if (moto && moto.phase.reconnects > 0) {
    L.push('')
    L.push(
      `moto_server answers every request with \`Connection: close\` (Werkzeug's development server, a thread per connection): the load process opened ${f0(moto.phase.reconnects)} new connections in its window, which moto's figures include; ours kept their keep-alive connections.`,
    )
  }
  L.push('')
  L.push(
    "moto keeps every key in memory in one Python process and has **no audit trail, no replay protection and no durable write** (its Encrypt is a dictionary lookup and one AES-GCM call); every one of our calls writes its audit record and nonce claim to the store before it answers. The comparison is generous to moto. moto's ratio to the ceiling compares different runtimes (Python/Werkzeug vs workerd) and is shown for scale only.",
  )
  return L
}
