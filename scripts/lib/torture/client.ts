/**
 * The torture run's HTTP side: V1-signed RPC requests (HMAC-SHA1, the official SDK's scheme,
 * every parameter in a form body) sent with fetch (undici keeps connections alive), a bounded
 * pool, and the few helpers every scenario shares. Nothing here asserts: scenarios count.
 */
import { randomBytes } from 'node:crypto'
import { signV1 } from '../../../core/auth/signature-v1'
import { replayEventId } from '../../../core/domain/authenticate'

export type Pairs = Array<[string, string]>

export interface Target {
  endpoint: string
  regionId: string
  accessKeyId: string
  accessKeySecret: string
}

export interface Wire {
  method: 'GET' | 'POST'
  url: string
  headers: Record<string, string>
  body?: string
}

export interface Reply {
  /** 0 when no HTTP response arrived (connection refused or reset, timeout). */
  status: number
  text: string
  json: any
  error?: string | undefined
}

export const KMS_VERSION = '2016-01-20'

export function newNonce(): string {
  return randomBytes(16).toString('hex')
}

export function isoSeconds(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** `text` with every lone surrogate replaced by U+FFFD (String#toWellFormed, ES2024). */
export function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
}

/** Alibaba's percent-encoding (RFC 3986 plus `!'()*`); lone surrogates become U+FFFD. */
export function pct(text: string): string {
  return encodeURIComponent(wellFormed(text)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

export function encodePairs(pairs: Pairs): string {
  return pairs.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&')
}

export interface SignedOptions {
  nonce?: string
  version?: string
  method?: 'GET' | 'POST'
  /** Leave the request unsigned (no AccessKeyId, no Signature). */
  unsigned?: boolean
}

/** The common V1 parameters plus `params`, signed (unless `unsigned`). */
export async function signed(
  target: Target,
  action: string,
  params: Pairs,
  opts: SignedOptions = {},
): Promise<Wire & { nonce: string; timestamp: string }> {
  const method = opts.method ?? 'POST'
  const nonce = opts.nonce ?? newNonce()
  const timestamp = isoSeconds()
  const common: Pairs = [
    ['Action', action],
    ['Version', opts.version ?? KMS_VERSION],
    ['Format', 'JSON'],
    ...(opts.unsigned ? [] : ([['AccessKeyId', target.accessKeyId]] as Pairs)),
    ['SignatureMethod', 'HMAC-SHA1'],
    ['SignatureVersion', '1.0'],
    ['SignatureNonce', nonce],
    ['Timestamp', timestamp],
    ['RegionId', target.regionId],
  ]
  const all: Pairs = [...common, ...params]
  let pairs = all
  if (!opts.unsigned) {
    // A parameter that is not valid Unicode cannot be signed; sign its well-formed form.
    const sig = await signV1(
      method,
      all.map(([k, v]) => [wellFormed(k), wellFormed(v)] as [string, string]),
      target.accessKeySecret,
    )
    pairs = [...all, ['Signature', sig]]
  }
  const encoded = encodePairs(pairs)
  if (method === 'GET') return { method, url: `${target.endpoint}/?${encoded}`, headers: {}, nonce, timestamp }
  return {
    method,
    url: `${target.endpoint}/`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: encoded,
    nonce,
    timestamp,
  }
}

/** Sends one request; never throws (a transport failure is `status: 0`). */
export async function send(req: Wire, timeoutMs = 20_000): Promise<Reply> {
  try {
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.body !== undefined ? { body: req.body } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    })
    const text = await res.text()
    let json: any
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: res.status, text, json }
  } catch (err) {
    const e = err as { name?: string; message?: string; cause?: { code?: string } }
    return { status: 0, text: '', json: undefined, error: e.cause?.code ?? e.name ?? String(e.message) }
  }
}

export interface Called extends Reply {
  nonce: string
  /** The id of the call's audit record (`AUDIT#EVT#<id>`): its replay id. */
  eventId: string
}

/** Signs and sends one call with a fresh nonce. */
export async function call(
  target: Target,
  action: string,
  params: Record<string, string> | Pairs = {},
  opts: SignedOptions = {},
): Promise<Called> {
  const pairs = Array.isArray(params) ? params : Object.entries(params)
  const req = await signed(target, action, pairs, opts)
  const reply = await send(req)
  // The replay id carries the signed timestamp's second (core/domain/authenticate.ts).
  return { ...reply, nonce: req.nonce, eventId: replayEventId(target.accessKeyId, req.nonce, Date.parse(req.timestamp)) }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      await fn(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

export const b64 = (data: string | Uint8Array) => Buffer.from(data).toString('base64')
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

/** Adds one to `counts[key]`. */
export function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by
}

/** `200`, `400 InvalidParameter`, `conn ECONNREFUSED`: how an outcome is tallied. */
export function outcomeOf(r: { status: number; error?: string | undefined; json?: any }): string {
  if (r.status === 0) return `conn ${r.error}`
  return r.status === 200 ? '200' : `${r.status} ${r.json?.Code ?? '?'}`
}
