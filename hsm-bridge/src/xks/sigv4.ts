/**
 * @module hsm-bridge/xks/sigv4
 *
 * AWS Signature Version 4 as the XKS proxy API v1 uses it (service `kms-xks-proxy`, header
 * authentication, empty query string): verification for the bridge's XKS endpoint, signing for
 * the bridge's XKS client (xks/forward.ts). Canonical request per the SigV4 documentation:
 *
 * ```
 * METHOD \n CANONICAL_URI \n CANONICAL_QUERY \n CANONICAL_HEADERS \n SIGNED_HEADERS \n HEX(SHA256(body))
 * ```
 *
 * The canonical URI is the path with each segment URI-encoded once more (non-S3 services), the
 * canonical headers are the signed headers lower-cased, values trimmed and inner whitespace
 * collapsed. Signatures are compared in constant time; the secret never appears in an error.
 */

import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

export const XKS_SERVICE = 'kms-xks-proxy'
const ALGORITHM = 'AWS4-HMAC-SHA256'
/** Clock skew accepted by the XKS spec. */
export const MAX_SKEW_MS = 5 * 60_000

export type Headers = Record<string, string | string[] | undefined>

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest()
}

/** RFC 3986 encoding of one path segment (unreserved characters kept). */
function encodeSegment(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/**
 * The canonical URI of `path` (already percent-decoded segments are encoded, then the result
 * encoded again, as AWS does for every service but S3).
 */
export function canonicalUri(path: string): string {
  const segments = path.split('/').map((seg) => {
    let decoded: string
    try {
      decoded = decodeURIComponent(seg)
    } catch {
      decoded = seg
    }
    return encodeSegment(encodeSegment(decoded))
  })
  const joined = segments.join('/')
  return joined === '' ? '/' : joined
}

function headerValue(headers: Headers, name: string): string | undefined {
  const v = headers[name]
  if (v === undefined) return undefined
  return (Array.isArray(v) ? v.join(',') : v).trim().replace(/\s+/g, ' ')
}

/**
 * The SigV4 signing key of one day, region and service (what the bridge's XKS client receives
 * from the Worker instead of the secret).
 *
 * @throws never
 */
export function signingKey(secret: string, date: string, region: string, service = XKS_SERVICE): Buffer {
  const kDate = hmac(`AWS4${secret}`, date)
  const kRegion = hmac(kDate, region)
  const kService = hmac(kRegion, service)
  return hmac(kService, 'aws4_request')
}

export interface CanonicalInput {
  method: string
  path: string
  headers: Headers
  signedHeaders: string[]
  body: Buffer
}

/** @throws never */
export function canonicalRequest(input: CanonicalInput): string {
  const canonicalHeaders = input.signedHeaders.map((h) => `${h}:${headerValue(input.headers, h) ?? ''}\n`).join('')
  return [
    input.method.toUpperCase(),
    canonicalUri(input.path),
    '',
    canonicalHeaders,
    input.signedHeaders.join(';'),
    sha256Hex(input.body),
  ].join('\n')
}

function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`
}

/** `yyyymmddThhmmssZ` of `ms`. */
export function amzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
}

export interface SignInput {
  method: string
  /** Path only (no query string). */
  path: string
  host: string
  body: Buffer
  accessKeyId: string
  region: string
  /** The day's signing key ({@link signingKey}) for `region` and the date of `now`. */
  key: Buffer
  now: number
}

/**
 * Signs a request; returns the headers to send (`host`, `x-amz-date`, `content-type`,
 * `authorization`).
 *
 * @throws never
 */
export function sign(input: SignInput): Record<string, string> {
  const date = amzDate(input.now)
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    host: input.host,
    'x-amz-date': date,
  }
  const signedHeaders = ['content-type', 'host', 'x-amz-date']
  const scope = `${date.slice(0, 8)}/${input.region}/${XKS_SERVICE}/aws4_request`
  const canonical = canonicalRequest({ method: input.method, path: input.path, headers, signedHeaders, body: input.body })
  const signature = createHmac('sha256', input.key)
    .update(stringToSign(date, scope, canonical))
    .digest('hex')
  headers.authorization = `${ALGORITHM} Credential=${input.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`
  return headers
}

export type VerifyFailure = 'missing' | 'malformed' | 'unknownAccessKey' | 'wrongService' | 'wrongRegion' | 'skew' | 'badSignature'

export interface VerifyInput {
  method: string
  /** The request target's path (a query string makes the request invalid for XKS). */
  path: string
  headers: Headers
  body: Buffer
  /** Secrets by access key id (two or more during a rotation). */
  secretOf: (accessKeyId: string) => string | undefined
  /** When set, the credential scope's region must equal it. */
  region?: string
  now: number
}

const AUTH_RE =
  /^AWS4-HMAC-SHA256\s+Credential=([^/\s,]+)\/(\d{8})\/([a-z0-9-]{1,32})\/([a-z0-9-]{1,64})\/aws4_request\s*,\s*SignedHeaders=([a-z0-9;-]{1,512})\s*,\s*Signature=([0-9a-f]{64})$/

/**
 * Verifies the `Authorization` header of a request.
 *
 * @returns the access key id on success, else the failure reason (for the log only).
 * @throws never
 */
export function verify(input: VerifyInput): { ok: true; accessKeyId: string } | { ok: false; reason: VerifyFailure } {
  const auth = headerValue(input.headers, 'authorization')
  const date = headerValue(input.headers, 'x-amz-date')
  if (auth === undefined || date === undefined) return { ok: false, reason: 'missing' }
  const m = AUTH_RE.exec(auth)
  if (m === null || !/^\d{8}T\d{6}Z$/.test(date)) return { ok: false, reason: 'malformed' }
  const [, accessKeyId, scopeDate, region, service, signedList, signature] = m as unknown as string[]
  const signedHeaders = signedList!.split(';')
  const sorted = [...signedHeaders].sort()
  if (
    !signedHeaders.includes('host') ||
    !signedHeaders.includes('x-amz-date') ||
    sorted.some((h, i) => h !== signedHeaders[i] || h === '' || (i > 0 && h === sorted[i - 1]))
  ) {
    return { ok: false, reason: 'malformed' }
  }
  if (service !== XKS_SERVICE) return { ok: false, reason: 'wrongService' }
  if (input.region !== undefined && region !== input.region) return { ok: false, reason: 'wrongRegion' }
  if (scopeDate !== date.slice(0, 8)) return { ok: false, reason: 'malformed' }
  const ms = Date.UTC(
    Number(date.slice(0, 4)),
    Number(date.slice(4, 6)) - 1,
    Number(date.slice(6, 8)),
    Number(date.slice(9, 11)),
    Number(date.slice(11, 13)),
    Number(date.slice(13, 15)),
  )
  if (!Number.isFinite(ms) || Math.abs(input.now - ms) > MAX_SKEW_MS) return { ok: false, reason: 'skew' }
  const secret = input.secretOf(accessKeyId!)
  // Compute a signature even for an unknown key id, so both failures take the same time.
  const key = signingKey(secret ?? 'unknown-access-key-placeholder-secret', scopeDate!, region!, service)
  const scope = `${scopeDate}/${region}/${service}/aws4_request`
  const canonical = canonicalRequest({
    method: input.method,
    path: input.path,
    headers: input.headers,
    signedHeaders,
    body: input.body,
  })
  const expected = createHmac('sha256', key)
    .update(stringToSign(date, scope, canonical))
    .digest()
  const given = Buffer.from(signature!, 'hex')
  const match = given.length === expected.length && timingSafeEqual(given, expected)
  if (secret === undefined) return { ok: false, reason: 'unknownAccessKey' }
  if (!match) return { ok: false, reason: 'badSignature' }
  return { ok: true, accessKeyId: accessKeyId! }
}
