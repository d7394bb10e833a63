/**
 * @module core/store/wire/sigv4
 *
 * AWS Signature Version 4 for the JSON requests of {@link ./client.ts}: synchronous, with
 * `@noble/hashes` only, so it runs unchanged in workerd and in Node.
 *
 * The output is byte for byte what `@smithy/signature-v4` produces for the same request
 * (`applyChecksum: false`, i.e. no `x-amz-content-sha256` header, which DynamoDB does not need);
 * `sigv4.test.ts` checks that.
 *
 * The signing key (four chained HMACs) is derived once per (date, region, service, secret) and
 * kept as a ready HMAC state, so a request costs the payload hash, the canonical-request hash and
 * one HMAC over the string to sign.
 */
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'

export interface SigV4Credentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string | undefined
}

export interface SigV4Request {
  method: string
  /** The Host header as it will be sent: `host` or `host:port` (no default port). */
  host: string
  /** The request path as it will be sent (already percent-encoded, as in `URL.pathname`). */
  path: string
  /** Headers to sign and send; names in lower case. `host`, `x-amz-date`, the token and `authorization` are added. */
  headers: Record<string, string>
  body: Uint8Array
}

export interface SigV4Options {
  credentials: SigV4Credentials
  region: string
  service: string
  /** Signing time; now when omitted. */
  date?: Date
}

const ALGORITHM = 'AWS4-HMAC-SHA256'
const encoder = new TextEncoder()

type HmacState = ReturnType<typeof hmac.create>

/**
 * Derived signing keys as keyed HMAC states, by `shortDate \0 region \0 service \0 secret`
 * (the secret is part of the key, so a rotated secret never reuses a stale key). Bounded: the
 * oldest entry goes first.
 */
const signingKeys = new Map<string, HmacState>()
const MAX_SIGNING_KEYS = 32

function signingKey(secret: string, shortDate: string, region: string, service: string): HmacState {
  const cacheKey = `${shortDate}\u0000${region}\u0000${service}\u0000${secret}`
  const hit = signingKeys.get(cacheKey)
  if (hit) return hit
  let key: Uint8Array = encoder.encode(`AWS4${secret}`)
  for (const part of [shortDate, region, service, 'aws4_request']) key = hmac(sha256, key, encoder.encode(part))
  const state = hmac.create(sha256, key)
  key.fill(0)
  if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.delete(signingKeys.keys().next().value as string)
  signingKeys.set(cacheKey, state)
  return state
}

/** For tests: how many derived keys are cached. */
export function signingKeyCacheSize(): number {
  return signingKeys.size
}

/** For tests and key rotation: forgets every derived key. */
export function clearSigningKeyCache(): void {
  for (const state of signingKeys.values()) state.destroy()
  signingKeys.clear()
}

/** `20260102T030405Z` */
export function amzDate(date: Date): string {
  const iso = date.toISOString() // 2026-01-02T03:04:05.678Z
  return iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10) + 'T' + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z'
}

function hex(bytes: Uint8Array): string {
  return bytesToHex(bytes)
}

/** RFC 3986 escaping as `@smithy/core` `escapeUri` does it. */
function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** The canonical URI of a non-S3 service: dot segments removed, each segment escaped again. */
export function canonicalPath(path: string): string {
  if (path === '/') return '/'
  const segments: string[] = []
  for (const segment of path.split('/')) {
    if (segment.length === 0 || segment === '.') continue
    if (segment === '..') segments.pop()
    else segments.push(segment)
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`
  return escapeUri(normalized).replace(/%2F/g, '/')
}

function canonicalValue(value: string): string {
  return value
    .replace(/[\r\n]/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ | $/g, '')
}

/**
 * Signs a request without a query string. Returns the headers to send: the given ones plus
 * `x-amz-date`, `x-amz-security-token` (with a session token) and `authorization`. `host` is
 * signed but not returned (fetch sets it from the URL).
 */
export function signRequest(request: SigV4Request, options: SigV4Options): Record<string, string> {
  const { credentials, region, service } = options
  const longDate = amzDate(options.date ?? new Date())
  const shortDate = longDate.slice(0, 8)
  const scope = `${shortDate}/${region}/${service}/aws4_request`

  const out: Record<string, string> = { ...request.headers, 'x-amz-date': longDate }
  if (credentials.sessionToken) out['x-amz-security-token'] = credentials.sessionToken

  const signed: Record<string, string> = { ...out, host: request.host }
  const names = Object.keys(signed).sort()
  let canonicalHeaders = ''
  for (const name of names) canonicalHeaders += `${name}:${canonicalValue(signed[name] as string)}\n`
  const signedHeaders = names.join(';')

  const canonicalRequest =
    `${request.method}\n${canonicalPath(request.path)}\n\n${canonicalHeaders}\n${signedHeaders}\n` + hex(sha256(request.body))
  const stringToSign = `${ALGORITHM}\n${longDate}\n${scope}\n${hex(sha256(encoder.encode(canonicalRequest)))}`
  const key = signingKey(credentials.secretAccessKey, shortDate, region, service)
  const signature = hex(key.clone().update(encoder.encode(stringToSign)).digest())

  out.authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`
  return out
}
