/**
 * @module core/auth/signature-sigv4
 *
 * AWS Signature Version 4 (`AWS4-HMAC-SHA256`, header form) for the AWS dialect (AWS KMS
 * `TrentService.*` and Secrets Manager `secretsmanager.*`), verified the way AWS documents it:
 *
 * ```text
 * CanonicalRequest = METHOD \n canonical URI \n canonical query \n
 *                    for each signed header, sorted: name ":" trimmed value (inner spaces collapsed) \n
 *                    \n signed header names joined with ";" \n hex(SHA-256(body))
 * StringToSign     = "AWS4-HMAC-SHA256\n" x-amz-date "\n" <date>/<region>/<service>/aws4_request "\n"
 *                    hex(SHA-256(CanonicalRequest))
 * SigningKey       = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")
 * Signature        = hex(HMAC-SHA256(SigningKey, StringToSign))
 * ```
 *
 * What is enforced beyond the algorithm:
 * - the scope's region is this service's region and its service is the one the target names
 *   (`kms` for TrentService, `secretsmanager`); the scope date is the day of `x-amz-date`;
 * - `host`, `x-amz-date` and `x-amz-target` are signed (the target chooses what runs);
 * - the body hash is computed here: botocore/awscli send no `x-amz-content-sha256`; the AWS SDK
 *   for JavaScript sends and signs it, and it must then equal the hash of the body received;
 * - the signature is compared in constant time; the secret never appears in an error.
 *
 * SigV4 has no nonce. When the request signs `amz-sdk-invocation-id` (the AWS SDK for JavaScript
 * v3 does, a fresh UUID per attempt), that id is the request's nonce and a replay is refused like
 * an Alibaba nonce; otherwise (botocore and awscli do not sign it) {@link ParsedSigV4.nonce} is
 * `''` and, as on AWS, a captured request can be replayed inside the timestamp window.
 */

import { fromHex, timingSafeEqual, toHex, utf8 } from '../crypto/bytes'
import { KmsError } from '../errors'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { assertAccessKeyIdShape } from './common'
import type { ParsedSignature } from './signature-types'

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256'

/** Headers every AWS-dialect request must sign. */
export const SIGV4_REQUIRED_SIGNED_HEADERS = ['host', 'x-amz-date', 'x-amz-target'] as const

export interface SigV4RequestInput {
  method: string
  /** URL pathname as received, normally '/'. */
  path: string
  /** Decoded query pairs, in order. */
  query: ReadonlyArray<readonly [string, string]>
  /** Request headers with lower-case names. */
  headers: Readonly<Record<string, string>>
  /** Lower-case hex SHA-256 of the raw body. */
  bodySha256Hex: string
}

/** A parsed SigV4 signature: `nonce` is the signed `amz-sdk-invocation-id`, or `''` (see the module comment). */
export type ParsedSigV4 = ParsedSignature & { scheme: 'SigV4' }

function invalidSignature(message: string): KmsError {
  return new KmsError('auth.incompleteSignature', message)
}

function wrongScope(message: string): KmsError {
  return new KmsError('auth.signatureMismatch', message)
}

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]{1,128}$/
const HEX_SIGNATURE = /^[0-9a-f]{64}$/
const INVOCATION_ID = /^[A-Za-z0-9-]{8,128}$/

/** `yyyymmddThhmmssZ` → ms; refuses impossible dates. */
export function parseAmzDate(text: string): number {
  const m = AMZ_DATE.exec(text)
  if (!m) throw new KmsError('auth.illegalTimestamp', 'The x-amz-date header is not in the form yyyyMMddTHHmmssZ.')
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s))
  if (
    date.getUTCFullYear() !== y ||
    date.getUTCMonth() !== mo - 1 ||
    date.getUTCDate() !== d ||
    date.getUTCHours() !== h ||
    date.getUTCMinutes() !== mi ||
    date.getUTCSeconds() !== s
  ) {
    throw new KmsError('auth.illegalTimestamp', 'The x-amz-date header is not a valid time.')
  }
  return date.getTime()
}

/** RFC 3986 encoding, as SigV4 wants it (unreserved characters kept, everything else %XX). */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** The canonical URI of a non-S3 service: each decoded segment encoded twice. */
export function sigV4CanonicalUri(path: string): string {
  const encoded = path
    .split('/')
    .map((segment) => {
      let decoded = segment
      try {
        decoded = decodeURIComponent(segment)
      } catch {
        // A malformed escape is signed as received, encoded.
      }
      return uriEncode(uriEncode(decoded))
    })
    .join('/')
  return encoded === '' ? '/' : encoded
}

function canonicalQuery(query: ReadonlyArray<readonly [string, string]>): string {
  return query
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
}

function canonicalHeaderValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ')
}

/** The SigV4 canonical request (exported for tests). */
export function sigV4CanonicalRequest(req: SigV4RequestInput, signedHeaders: readonly string[], payloadHash: string): string {
  const headers = signedHeaders.map((h) => `${h}:${canonicalHeaderValue(req.headers[h] ?? '')}\n`).join('')
  return [
    req.method.toUpperCase(),
    sigV4CanonicalUri(req.path),
    canonicalQuery(req.query),
    headers,
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n')
}

/** The day's signing key for `region` and `service`. */
export function sigV4SigningKey(secret: string, date: string, region: string, service: string): Uint8Array {
  const kDate = hmac(sha256, utf8(`AWS4${secret}`), utf8(date))
  const kRegion = hmac(sha256, kDate, utf8(region))
  const kService = hmac(sha256, kRegion, utf8(service))
  return hmac(sha256, kService, utf8('aws4_request'))
}

/** Whether a request carries a SigV4 `authorization` header. */
export function isSigV4Request(headers: Readonly<Record<string, string>>): boolean {
  return (headers.authorization ?? '').trimStart().startsWith(`${SIGV4_ALGORITHM} `)
}

/**
 * Parses a SigV4 request's signature and checks everything that needs no secret.
 * @param expected - the region this service answers in and the SigV4 service of the target.
 * @throws KmsError auth.incompleteSignature (missing or malformed parts, required header not
 *   signed), auth.illegalTimestamp (x-amz-date), auth.signatureMismatch (a credential scoped to
 *   another region, service or date; a body hash that is not the body's).
 */
export function parseSigV4Signature(req: SigV4RequestInput, expected: { region: string; service: string }): ParsedSigV4 {
  const authorization = req.headers.authorization
  if (authorization === undefined) throw invalidSignature('The request is not signed.')
  const rest = authorization.trim()
  if (!rest.startsWith(`${SIGV4_ALGORITHM} `)) throw invalidSignature('The authorization header must use AWS4-HMAC-SHA256.')
  const fields = new Map<string, string>()
  for (const part of rest.slice(SIGV4_ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=')
    if (eq < 1) throw invalidSignature('The authorization header is malformed.')
    const name = part.slice(0, eq).trim()
    if (fields.has(name)) throw invalidSignature('The authorization header names a field twice.')
    fields.set(name, part.slice(eq + 1).trim())
  }
  const credential = fields.get('Credential')
  const signedHeaderList = fields.get('SignedHeaders')
  const signature = fields.get('Signature')
  if (!credential || !signedHeaderList || !signature || fields.size !== 3) {
    throw invalidSignature('The authorization header must hold Credential, SignedHeaders and Signature.')
  }
  const scope = credential.split('/')
  if (scope.length !== 5) throw invalidSignature('The credential must be <AccessKeyId>/<date>/<region>/<service>/aws4_request.')
  const [accessKeyId, date, region, service, terminator] = scope as [string, string, string, string, string]
  assertAccessKeyIdShape(accessKeyId)
  if (terminator !== 'aws4_request') throw invalidSignature('The credential scope must end with aws4_request.')
  // A well-formed signature under the wrong scope is AWS's InvalidSignatureException, not an
  // incomplete one: it is complete and can never verify here.
  if (region !== expected.region) throw wrongScope(`The credential must be scoped to region ${expected.region}.`)
  if (service !== expected.service) throw wrongScope(`The credential must be scoped to service ${expected.service}.`)
  if (!HEX_SIGNATURE.test(signature)) throw invalidSignature('The signature must be 64 lower-case hex digits.')
  const signedHeaders = signedHeaderList.split(';')
  if (signedHeaders.length > 64 || signedHeaders.some((h) => !HEADER_NAME.test(h))) throw invalidSignature('SignedHeaders is malformed.')
  for (let i = 1; i < signedHeaders.length; i++) {
    if (signedHeaders[i - 1]! >= signedHeaders[i]!) throw invalidSignature('SignedHeaders must be sorted and distinct.')
  }
  for (const h of SIGV4_REQUIRED_SIGNED_HEADERS) {
    if (!signedHeaders.includes(h)) throw invalidSignature(`The ${h} header must be signed.`)
  }
  for (const h of signedHeaders) if (req.headers[h] === undefined) throw invalidSignature(`The signed header ${h} is missing.`)
  const amzDate = req.headers['x-amz-date']!
  const timestamp = parseAmzDate(amzDate)
  if (amzDate.slice(0, 8) !== date) throw wrongScope('The credential date must be the date of x-amz-date.')
  const sent = req.headers['x-amz-content-sha256']
  if (sent !== undefined && sent !== req.bodySha256Hex) {
    throw new KmsError('auth.signatureMismatch', 'The x-amz-content-sha256 header is not the hash of the body.')
  }
  const invocation = signedHeaders.includes('amz-sdk-invocation-id') ? req.headers['amz-sdk-invocation-id']!.trim() : undefined
  const nonce = invocation !== undefined && INVOCATION_ID.test(invocation) ? invocation : ''
  const expectedSignature = fromHex(signature)!
  return {
    scheme: 'SigV4',
    accessKeyId,
    timestamp,
    nonce,
    async verify(secret: string): Promise<boolean> {
      if (secret.length === 0) return false
      const canonical = sigV4CanonicalRequest(req, signedHeaders, req.bodySha256Hex)
      const toSign = `${SIGV4_ALGORITHM}\n${amzDate}\n${date}/${region}/${service}/aws4_request\n${toHex(sha256(utf8(canonical)))}`
      const key = sigV4SigningKey(secret, date, region, service)
      const actual = hmac(sha256, key, utf8(toSign))
      key.fill(0)
      return timingSafeEqual(actual, expectedSignature)
    },
    mismatchMessage: () =>
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
  }
}
