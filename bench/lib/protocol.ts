/** Messages between the orchestrator (bench/run.ts) and the load process (bench/lib/loadgen.ts). */
import type { AwsCredentials } from './sigv4'
import type { SigningCredentials } from './signing'

export type RequestSpec =
  /** The same request bytes every time (the hello-world ceiling). */
  | { kind: 'static'; path: string }
  /**
   * A V1-signed GET per request, each with its own SignatureNonce. With `keyIds`, each request
   * names one of them at random as `KeyId`.
   */
  | {
      kind: 'signed'
      creds: SigningCredentials
      action: string
      business: Record<string, string>
      keyIds?: string[]
      /** Sign with a wrong secret (auth-failure decomposition scenario). */
      wrongSecret?: boolean
      /** Replace the AccessKeyId with one that does not exist. */
      unknownAccessKey?: boolean
    }

  /**
   * An AWS-dialect call: `POST /` with `X-Amz-Target: <target>`, a JSON body (`body`, plus
   * `KeyId` picked at random from `keyIds` when given) and a SigV4 signature per request with a
   * fresh signed `amz-sdk-invocation-id` (the server's nonce for SigV4; bench/lib/sigv4.ts).
   * `verify: false` skips the cross-check against core's verifier (for servers other than ours).
   */
  | {
      kind: 'aws'
      creds: AwsCredentials
      service: string
      target: string
      body: Record<string, string>
      keyIds?: string[]
      verify?: boolean
    }

  /**
   * DynamoDB API calls straight to dynalite (store-cost decomposition): a consistent GetItem of
   * one fixed item, or a conditional PutItem of a new small item per request (what the
   * product's nonce claims used to write; now the floor under its audit-record put).
   */
  | { kind: 'dynamo'; op: 'GetItem'; table: string; pk: string; sk: string }
  | { kind: 'dynamo'; op: 'PutNonce'; table: string; accessKeyId: string }

export interface PhaseSpec {
  name: string
  host: string
  port: number
  connections: number
  warmupMs: number
  durationMs: number
  /** closed: every connection sends its next request when the previous one answered; rate: open loop at `rate` req/s. */
  mode: 'closed' | 'rate'
  rate?: number
  /** Statuses that count as success (default [200]). */
  expectStatus?: number[]
  request: RequestSpec
  /** Upper bound of the rate, to size the warm-up batch of pre-signed requests (closed mode). */
  rateHint: number
  /** Longest a single request may take before it counts as a timeout (ms). */
  requestTimeoutMs: number
  /** Most requests pre-signed for one window (memory bound). */
  maxPresign: number
}

export interface LatencySummary {
  count: number
  mean: number
  p50: number
  p90: number
  p99: number
  p999: number
  max: number
}

export interface PhaseResult {
  name: string
  mode: 'closed' | 'rate'
  connections: number
  targetRate?: number
  /** Measured window actually run (ms); shorter than asked when pre-signed requests ran out. */
  windowMs: number
  /** Requests completed inside the window (closed) or scheduled inside it (rate). */
  completed: number
  rps: number
  /** Latency in ms: closed mode from write to response; rate mode from the scheduled send time (no coordinated omission). */
  latency: LatencySummary
  /** Rate mode only: from the actual write to the response. */
  serviceLatency?: LatencySummary
  /** Rate mode only: most requests waiting for a free connection at once. */
  maxBacklog?: number
  statuses: Record<string, number>
  /** Alibaba error codes (`Code`) of unexpected answers, by count. */
  errorCodes: Record<string, number>
  errors: number
  warmup: { requests: number; rps: number; ms: number }
  presign: { count: number; ms: number; usPerRequest: number; signer: string }
  exhausted: boolean
  reconnects: number
}

export type ToLoadgen = { type: 'run'; phase: PhaseSpec } | { type: 'exit' }

export type FromLoadgen =
  | { type: 'ready' }
  | { type: 'window-start' }
  | { type: 'window-end' }
  | { type: 'result'; result: PhaseResult }
  | { type: 'error'; message: string }
