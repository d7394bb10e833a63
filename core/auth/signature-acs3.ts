/**
 * @module core/auth/signature-acs3
 *
 * Alibaba ACS3-HMAC-SHA256 request signatures, as computed by `@alicloud/openapi-util`
 * `getAuthorization` (openapi-client `callApi`, the default of every current SDK):
 *
 * ```text
 * CanonicalRequest = METHOD \n
 *                    path \n
 *                    canonical query \n
 *                    for each signed header, sorted: name ":" trim(value) \n   (then one more \n)
 *                    signed header names, sorted, joined with ";" \n
 *                    value of x-acs-content-sha256
 * StringToSign     = "ACS3-HMAC-SHA256\n" + hex(SHA-256(CanonicalRequest))
 * Signature        = hex(HMAC-SHA256(key = secret, StringToSign))          (no "&")
 * Authorization    = "ACS3-HMAC-SHA256 Credential=<AKID>,SignedHeaders=<a;b>,Signature=<hex>"
 * ```
 *
 * Canonical query, exactly as openapi-util builds it: the decoded query pairs sorted by decoded
 * name (JavaScript string order), each written `name=percentEncode(value)` (the **name is not
 * encoded**; an empty value gives `name=`), joined with `&`. Because names stay raw, names holding
 * `&`, `=` or control characters would make the canonical form ambiguous (`x=1&y` + `2` reads
 * like `x=1` + `y=2`), so they are refused. Form-body parameters are not in the canonical query:
 * the body is covered by `x-acs-content-sha256`, which must equal the hash of the body received.
 *
 * The path is signed as openapi-util does: the first `+` → `%20`, the first `*` → `%2A`, the
 * first `%7E` → `~` (only the first of each, a quirk of `String.replace` with a string pattern).
 */

import { fromHex, timingSafeEqual, toHex } from '../crypto/bytes'
import { KmsError } from '../errors'
import {
  assertAccessKeyIdShape,
  assertNonceShape,
  compareNames,
  incompleteSignature,
  SIGNATURE_MISMATCH_MESSAGE,
  type ParamList,
} from './common'
import { EMPTY_BODY_SHA256_HEX, hmacUtf8, sha256Hex } from './hmac'
import { percentEncode } from './percent-encode'
import type { ParsedSignature, SignedRequestInput } from './signature-types'
import { parseSignatureTimestamp } from './timestamp'

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256'

/**
 * Headers every ACS3 request must carry and sign (`content-type` too, whenever present with a
 * non-empty body). `x-acs-action` and `x-acs-version` are among them: they choose what runs.
 */
export const ACS3_REQUIRED_SIGNED_HEADERS = [
  'host',
  'x-acs-action',
  'x-acs-content-sha256',
  'x-acs-date',
  'x-acs-signature-nonce',
  'x-acs-version',
] as const

/** What the canonical request is built from. Header names are lower case. */
export interface Acs3CanonicalInput {
  method: string
  path: string
  query: ParamList
  headers: ReadonlyMap<string, string> | Readonly<Record<string, string>>
  /** Lower-case names of the signed headers, in any order. */
  signedHeaders: readonly string[]
}

/** A request to sign with {@link signAcs3}. */
export interface Acs3SignInput {
  method: string
  path: string
  query: ParamList
  /** Lower-case names; must include `x-acs-content-sha256` and the required headers. */
  headers: Readonly<Record<string, string>>
  /** Defaults to the SDK rule: `host`, `content-type` and every `x-acs-*` header present. */
  signedHeaders?: readonly string[]
}

// RFC 9110 tchar, lower case only (the SDK lower-cases the names it signs).
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/
const SIGNATURE_HEX = /^[0-9a-fA-F]{64}$/
// Raw query names are signed unencoded: refuse the characters that would make that ambiguous.
const UNSAFE_QUERY_NAME = /[&=\x00-\x1f\x7f]/

function headerMap(headers: ReadonlyMap<string, string> | Readonly<Record<string, string>>): ReadonlyMap<string, string> {
  return headers instanceof Map ? headers : new Map(Object.entries(headers))
}

/** The openapi-util transformation of the path (first occurrence of each only). */
function canonicalPath(path: string): string {
  return path.replace('+', '%20').replace('*', '%2A').replace('%7E', '~')
}

/**
 * The canonical query of ACS3: sorted by decoded name, `name=percentEncode(value)` joined by `&`.
 *
 * @throws {KmsError} `request.malformed` when a name holds `&`, `=` or a control character, or a
 *   value is not valid Unicode.
 */
export function canonicalQueryAcs3(query: ParamList): string {
  return query
    .slice()
    .sort(compareNames)
    .map(([name, value]) => {
      if (UNSAFE_QUERY_NAME.test(name)) {
        throw new KmsError('request.malformed', 'A query parameter name contains a reserved or control character.')
      }
      return `${name}=${percentEncode(value)}`
    })
    .join('&')
}

/**
 * Builds the ACS3 canonical request. A signed header absent from `headers` counts as empty.
 *
 * @throws {KmsError} `request.malformed` (see {@link canonicalQueryAcs3}).
 */
export function canonicalRequestAcs3(input: Acs3CanonicalInput): string {
  const headers = headerMap(input.headers)
  const names = [...input.signedHeaders].sort()
  const canonicalHeaders = names.map((n) => `${n}:${(headers.get(n) ?? '').trim()}\n`).join('')
  return [
    input.method,
    canonicalPath(input.path),
    canonicalQueryAcs3(input.query),
    canonicalHeaders,
    names.join(';'),
    headers.get('x-acs-content-sha256') ?? '',
  ].join('\n')
}

/**
 * `"ACS3-HMAC-SHA256\n" + hex(SHA-256(canonicalRequest))`.
 *
 * @throws never in practice.
 */
export async function stringToSignAcs3(canonicalRequest: string): Promise<string> {
  return `${ACS3_ALGORITHM}\n${await sha256Hex(canonicalRequest)}`
}

/**
 * The headers the SDK signs by default: `host`, `content-type` and every `x-acs-*` present.
 *
 * @throws never.
 */
export function defaultAcs3SignedHeaders(headers: Readonly<Record<string, string>>): string[] {
  return Object.keys(headers)
    .map((n) => n.toLowerCase())
    .filter((n) => n === 'host' || n === 'content-type' || n.startsWith('x-acs-'))
    .sort()
}

/**
 * Signs a request the way openapi-client does and returns the `Authorization` header value. For
 * tests and load generators.
 *
 * @throws {KmsError} `request.malformed` (see {@link canonicalQueryAcs3});
 *   `auth.incompleteSignature` when `secret` is empty or `x-acs-content-sha256` is missing.
 */
export async function signAcs3(request: Acs3SignInput, accessKeyId: string, secret: string): Promise<string> {
  if (secret === '') throw incompleteSignature('The secret must not be empty.')
  if (request.headers['x-acs-content-sha256'] === undefined) {
    throw incompleteSignature('The header x-acs-content-sha256 is required.')
  }
  const signedHeaders = [...(request.signedHeaders ?? defaultAcs3SignedHeaders(request.headers))].map((n) => n.toLowerCase()).sort()
  const canonical = canonicalRequestAcs3({ ...request, signedHeaders })
  const mac = await hmacUtf8('SHA-256', secret, await stringToSignAcs3(canonical))
  return `${ACS3_ALGORITHM} Credential=${accessKeyId},` + `SignedHeaders=${signedHeaders.join(';')},Signature=${toHex(mac)}`
}

interface Acs3Authorization {
  accessKeyId: string
  signedHeaders: string[]
  signature: Uint8Array
}

function malformedAuthorization(): KmsError {
  return incompleteSignature('The Authorization header is malformed.')
}

/**
 * Parses `ACS3-HMAC-SHA256 Credential=<AKID>,SignedHeaders=<a;b;c>,Signature=<64 hex>`.
 * Whitespace around the separators is tolerated; each of the three fields must appear once and
 * nothing else may; the header list must hold distinct lower-case names.
 *
 * @throws {KmsError} `auth.incompleteSignature` on another algorithm or a malformed header.
 */
export function parseAcs3Authorization(value: string): Acs3Authorization {
  const trimmed = value.trim()
  const space = trimmed.search(/\s/)
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space)
  if (algorithm !== ACS3_ALGORITHM) {
    throw incompleteSignature(`The signature algorithm is not supported; only ${ACS3_ALGORITHM} is.`)
  }
  if (space < 0) throw malformedAuthorization()

  const fields = new Map<string, string>()
  for (const part of trimmed.slice(space + 1).split(',')) {
    const eq = part.indexOf('=')
    if (eq < 0) throw malformedAuthorization()
    const name = part.slice(0, eq).trim()
    if (!['Credential', 'SignedHeaders', 'Signature'].includes(name) || fields.has(name)) {
      throw malformedAuthorization()
    }
    fields.set(name, part.slice(eq + 1).trim())
  }
  const accessKeyId = fields.get('Credential')
  const headerList = fields.get('SignedHeaders')
  const signatureHex = fields.get('Signature')
  if (accessKeyId === undefined || headerList === undefined || signatureHex === undefined) {
    throw malformedAuthorization()
  }
  if (accessKeyId === '') throw malformedAuthorization()
  assertAccessKeyIdShape(accessKeyId)
  if (!SIGNATURE_HEX.test(signatureHex)) throw malformedAuthorization()

  const signedHeaders = headerList.split(';')
  if (signedHeaders.some((n) => !HEADER_NAME.test(n))) throw malformedAuthorization()
  if (new Set(signedHeaders).size !== signedHeaders.length) throw malformedAuthorization()

  return { accessKeyId, signedHeaders: signedHeaders.sort(), signature: fromHex(signatureHex)! }
}

/**
 * Reads an ACS3 signature and prepares its verification. `headers` are the request headers with
 * lower-case names. Everything that can be checked without the secret is checked here.
 *
 * @throws {KmsError} `auth.incompleteSignature` when the Authorization header is malformed or uses
 *   another algorithm, a required header is missing or unsigned, an `x-acs-*` or `content-type`
 *   header present is not signed, or a signed header is absent; `auth.signatureMismatch` when
 *   `x-acs-content-sha256` differs from the hash of the body received; `auth.illegalTimestamp`
 *   when `x-acs-date` is not ISO 8601 UTC; `request.malformed` for an unsafe query name.
 */
export function parseAcs3Signature(req: SignedRequestInput, headers: ReadonlyMap<string, string>, authorization: string): ParsedSignature {
  const auth = parseAcs3Authorization(authorization)
  const signed = new Set(auth.signedHeaders)

  const missing = ACS3_REQUIRED_SIGNED_HEADERS.filter((n) => (headers.get(n) ?? '') === '')
  if (missing.length > 0) {
    throw incompleteSignature(`The request signature is incomplete: missing header ${missing.join(', ')}.`, { missing: missing.join(',') })
  }
  const unsignedRequired: string[] = ACS3_REQUIRED_SIGNED_HEADERS.filter((n) => !signed.has(n))
  // An unsigned content-type is tolerated only on an empty body: aiohttp (the official Python
  // SDKs' *_async calls) adds `Content-Type: application/octet-stream` to a bodiless request
  // after it was signed. With no body it changes nothing that is read (form parameters are read
  // from a non-empty body only), and the empty body itself is signed through
  // x-acs-content-sha256. With a body it decides how the body is read, so it must be signed.
  if (headers.has('content-type') && !signed.has('content-type') && req.bodySha256Hex !== EMPTY_BODY_SHA256_HEX) {
    unsignedRequired.push('content-type')
  }
  if (unsignedRequired.length > 0) {
    throw incompleteSignature(`The header ${unsignedRequired.join(', ')} must be included in SignedHeaders.`, {
      unsigned: unsignedRequired.join(','),
    })
  }
  for (const name of headers.keys()) {
    // Otherwise an attacker could change or add an unsigned x-acs-* header (security token,
    // credentials provider, …) that later code trusts.
    if (name.startsWith('x-acs-') && !signed.has(name)) {
      throw incompleteSignature('Every x-acs-* header must be included in SignedHeaders.')
    }
  }
  for (const name of signed) {
    if (!headers.has(name)) {
      throw incompleteSignature('A header listed in SignedHeaders is not present in the request.')
    }
  }

  const contentSha256 = headers.get('x-acs-content-sha256')!
  if (contentSha256.trim().toLowerCase() !== req.bodySha256Hex.toLowerCase()) {
    throw new KmsError('auth.signatureMismatch', 'The request body does not match the x-acs-content-sha256 header.')
  }
  const nonce = headers.get('x-acs-signature-nonce')!.trim()
  assertNonceShape(nonce)
  const timestamp = parseSignatureTimestamp(headers.get('x-acs-date')!.trim())

  const canonicalRequest = canonicalRequestAcs3({
    method: req.method,
    path: req.path,
    query: req.query,
    headers,
    signedHeaders: auth.signedHeaders,
  })
  let stringToSign: Promise<string> | undefined

  return {
    scheme: 'ACS3',
    accessKeyId: auth.accessKeyId,
    nonce,
    timestamp,
    async verify(secret: string): Promise<boolean> {
      // WebCrypto refuses an empty HMAC key; an empty secret never verifies anything.
      if (secret === '') return false
      stringToSign ??= stringToSignAcs3(canonicalRequest)
      const expected = await hmacUtf8('SHA-256', secret, await stringToSign)
      return timingSafeEqual(expected, auth.signature)
    },
    mismatchMessage(): string {
      return SIGNATURE_MISMATCH_MESSAGE
    },
  }
}
