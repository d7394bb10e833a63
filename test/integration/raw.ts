/**
 * Raw signed requests for the negative and fuzz suites: builds a correctly signed V1 (HMAC-SHA1)
 * or ACS3-HMAC-SHA256 request with arbitrary parameters as a plain `RawRequest` that a test may
 * corrupt piece by piece (timestamp, nonce, signature, headers, body, Content-Length, chunking)
 * before sending it with fetch (`send`) or, for wire-level lies, with node:http (`sendHttp`).
 */
import { createHash, randomBytes } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { expect, inject } from 'vitest'
import { signAcs3 } from '../../core/auth/signature-acs3'
import { signV1 } from '../../core/auth/signature-v1'

type Stack = ReturnType<typeof inject<'stack'>>
export type Pairs = Array<[string, string]>
type ParamInput = Record<string, string | number | boolean> | Pairs

export const KMS_VERSION = '2016-01-20'

/** A request ready to send; every field may be changed after signing. */
export interface RawRequest {
  method: string
  url: string
  headers: Record<string, string>
  body?: string | Uint8Array | ReadableStream<Uint8Array>
}

export interface RawResponse {
  status: number
  text: string
  json: any
  headers: Headers
}

export interface SignOptions {
  stack?: Stack
  accessKeyId?: string
  secret?: string
  /** A Date is formatted `YYYY-MM-DDThh:mm:ssZ`; a string is sent verbatim. */
  timestamp?: Date | string
  nonce?: string
  version?: string
}

export interface V1Options extends SignOptions {
  method?: 'GET' | 'POST'
  /** Where every parameter (Signature included) goes; GET → query, POST → form by default. */
  where?: 'query' | 'form'
  signatureMethod?: string
  /** Common parameters left out (before signing). */
  omit?: string[]
  /** Parameters added after signing (not covered by the signature). */
  extra?: Pairs
  /** Replaces the computed signature. */
  signature?: (computed: string) => string
}

export interface Acs3Options extends SignOptions {
  method?: 'GET' | 'POST'
  /** Business parameters in the query (what the SDKs do) or in a form body. */
  where?: 'query' | 'form'
  /** Extra headers present when signing (signed by the SDK rule: host, content-type, x-acs-*). */
  headers?: Record<string, string>
  /** Overrides the list of signed headers. */
  signedHeaders?: string[]
  /** Replaces the Authorization header value. */
  authorization?: (computed: string) => string
}

export const stack = (): Stack => inject('stack')

export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

export function newNonce(): string {
  return randomBytes(16).toString('hex')
}

/** Alibaba's strict percent-encoding (RFC 3986 plus `!'()*`). */
export function pct(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

export function encodePairs(pairs: Pairs): string {
  return pairs.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&')
}

function toPairs(params: ParamInput): Pairs {
  if (Array.isArray(params)) return params.map(([k, v]) => [k, v])
  return Object.entries(params).map(([k, v]) => [k, String(v)])
}

function timestampOf(opts: SignOptions): string {
  const t = opts.timestamp ?? new Date()
  return typeof t === 'string' ? t : isoSeconds(t)
}

/** A correctly signed V1 request (unless the options corrupt it). */
export async function signedV1(action: string, params: ParamInput = {}, opts: V1Options = {}): Promise<RawRequest> {
  const s = opts.stack ?? stack()
  const method = opts.method ?? 'POST'
  const where = opts.where ?? (method === 'GET' ? 'query' : 'form')
  const omit = new Set(opts.omit ?? [])
  const common: Pairs = [
    ['Action', action],
    ['Version', opts.version ?? KMS_VERSION],
    ['Format', 'JSON'],
    ['AccessKeyId', opts.accessKeyId ?? s.accessKeyId],
    ['SignatureMethod', opts.signatureMethod ?? 'HMAC-SHA1'],
    ['SignatureVersion', '1.0'],
    ['SignatureNonce', opts.nonce ?? newNonce()],
    ['Timestamp', timestampOf(opts)],
    ['RegionId', s.regionId],
  ]
  const all: Pairs = [...common.filter(([k]) => !omit.has(k)), ...toPairs(params)]
  const computed = await signV1(method, all, opts.secret ?? s.accessKeySecret)
  const signature = opts.signature ? opts.signature(computed) : computed
  const signed: Pairs = [...all, ['Signature', signature], ...(opts.extra ?? [])]
  const encoded = encodePairs(signed)
  if (where === 'query') return { method, url: `${s.endpoint}/?${encoded}`, headers: {} }
  return {
    method,
    url: `${s.endpoint}/`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: encoded,
  }
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

/** A correctly signed ACS3-HMAC-SHA256 request (unless the options corrupt it). */
export async function signedAcs3(action: string, params: ParamInput = {}, opts: Acs3Options = {}): Promise<RawRequest> {
  const s = opts.stack ?? stack()
  const method = opts.method ?? 'POST'
  const where = opts.where ?? 'query'
  const pairs = toPairs(params)
  const query: Pairs = where === 'query' ? pairs : []
  const body = where === 'form' ? encodePairs(pairs) : ''
  const headers: Record<string, string> = {
    host: new URL(s.endpoint).host,
    'x-acs-action': action,
    'x-acs-version': opts.version ?? KMS_VERSION,
    'x-acs-date': timestampOf(opts),
    'x-acs-signature-nonce': opts.nonce ?? newNonce(),
    'x-acs-content-sha256': sha256Hex(body),
    ...(where === 'form' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    ...(opts.headers ?? {}),
  }
  const computed = await signAcs3(
    {
      method,
      path: '/',
      query,
      headers,
      ...(opts.signedHeaders ? { signedHeaders: opts.signedHeaders } : {}),
    },
    opts.accessKeyId ?? s.accessKeyId,
    opts.secret ?? s.accessKeySecret,
  )
  const { host: _host, ...wire } = headers
  return {
    method,
    url: `${s.endpoint}/${query.length > 0 ? `?${encodePairs(query)}` : ''}`,
    headers: {
      ...wire,
      authorization: opts.authorization ? opts.authorization(computed) : computed,
    },
    ...(where === 'form' ? { body } : {}),
  }
}

function parse(status: number, text: string, headers: Headers): RawResponse {
  let json: any
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status, text, json, headers }
}

/** Sends with fetch; a ReadableStream body goes out chunked (`duplex: 'half'`). */
export async function send(req: RawRequest): Promise<RawResponse> {
  const init: RequestInit & { duplex?: 'half' } = { method: req.method, headers: req.headers }
  if (req.body !== undefined) {
    init.body = req.body as NonNullable<RequestInit['body']>
    if (req.body instanceof ReadableStream) init.duplex = 'half'
  }
  const res = await fetch(req.url, init)
  return parse(res.status, await res.text(), res.headers)
}

/** What {@link sendHttp} writes: headers may repeat (arrays), the body may be written in chunks. */
export interface WireRequest {
  method: string
  url: string
  headers: Record<string, string | string[]>
  body?: RawRequest['body'] | string[]
}

/**
 * Sends with node:http, which writes the headers exactly as given (a lying Content-Length,
 * repeated headers, a Host of our choosing) and the body as given: a string array or a stream is
 * written chunk by chunk (chunked unless a Content-Length is set).
 */
export async function sendHttp(req: WireRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const r = httpRequest(req.url, { method: req.method, headers: req.headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const headers = new Headers()
        for (const [k, v] of Object.entries(res.headers)) {
          if (typeof v === 'string') headers.set(k, v)
        }
        resolve(parse(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), headers))
      })
      res.on('error', reject)
    })
    r.on('error', reject)
    const write = async () => {
      const body = req.body
      if (Array.isArray(body)) for (const chunk of body) r.write(chunk)
      else if (body instanceof ReadableStream) for await (const chunk of body) r.write(chunk)
      else if (body !== undefined) r.write(body)
      r.end()
    }
    write().catch(reject)
  })
}

export async function v1(action: string, params: ParamInput = {}, opts: V1Options = {}): Promise<RawResponse> {
  return send(await signedV1(action, params, opts))
}

export async function acs3(action: string, params: ParamInput = {}, opts: Acs3Options = {}): Promise<RawResponse> {
  return send(await signedAcs3(action, params, opts))
}

/** Asserts Alibaba's error shape, the status and the Code (never a 5xx). */
export function expectError(res: RawResponse, status: number, code: string): void {
  expect({ status: res.status, code: res.json?.Code }, res.text).toEqual({ status, code })
  expectErrorShape(res)
}

/** `{RequestId, HostId, Code, Message}` strings, a 4xx status, the matching request id header. */
export function expectErrorShape(res: RawResponse): void {
  expect(res.status, res.text).toBeGreaterThanOrEqual(400)
  expect(res.status, res.text).toBeLessThan(500)
  expect(res.json, res.text).toMatchObject({
    RequestId: expect.stringMatching(/^[0-9A-F-]{36}$/),
    HostId: expect.any(String),
    Code: expect.stringMatching(/^[A-Za-z][A-Za-z.]*$/),
    Message: expect.any(String),
  })
  expect(res.headers.get('x-acs-request-id')).toBe(res.json.RequestId)
}

export function expectOk(res: RawResponse): any {
  expect(res.status, res.text).toBe(200)
  expect(res.json?.RequestId, res.text).toEqual(expect.any(String))
  return res.json
}

/** The number of keys of the account (any state but Deleted). */
export async function keyCount(): Promise<number> {
  return expectOk(await v1('ListKeys', { PageSize: 1 })).TotalCount as number
}

/** Every alias name of the account. */
export async function aliasNames(): Promise<string[]> {
  const names: string[] = []
  for (let page = 1; ; page++) {
    const json = expectOk(await v1('ListAliases', { PageSize: 100, PageNumber: page }))
    names.push(...json.Aliases.Alias.map((a: { AliasName: string }) => a.AliasName))
    if (names.length >= json.TotalCount || json.Aliases.Alias.length === 0) return names
  }
}

export async function createKey(params: Record<string, string> = {}): Promise<string> {
  return expectOk(await v1('CreateKey', params)).KeyMetadata.KeyId as string
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}
