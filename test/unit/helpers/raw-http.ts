/**
 * @module test/unit/helpers/raw-http
 *
 * Turns an HTTP request (raw text, or the parts a Node server sees) into the `SignedRequestInput`
 * the verifiers take, the way a server adapter must: split the target at the first `?`, decode
 * the query strictly, parse the body as a form only when it is
 * `application/x-www-form-urlencoded`, and hash the raw body bytes.
 */

import { createHash } from 'node:crypto'

import { parseFormEncoded } from '../../../core/auth/percent-encode'
import type { SignedRequestInput } from '../../../core/auth/signed-request'

export interface HttpRequestParts {
  method: string
  /** Request target as on the request line: `/path?query`. */
  target: string
  /** Header names in any case; repeated headers already joined. */
  headers: Record<string, string>
  body: Uint8Array
}

export function toSignedRequestInput(parts: HttpRequestParts): SignedRequestInput {
  const q = parts.target.indexOf('?')
  const path = q < 0 ? parts.target : parts.target.slice(0, q)
  const rawQuery = q < 0 ? '' : parts.target.slice(q + 1)
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(parts.headers)) headers[name.toLowerCase()] = value
  const contentType = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  const form = contentType === 'application/x-www-form-urlencoded' ? parseFormEncoded(Buffer.from(parts.body).toString('utf8')) : []
  return {
    method: parts.method,
    path,
    query: parseFormEncoded(rawQuery),
    form,
    headers,
    bodySha256Hex: createHash('sha256').update(parts.body).digest('hex'),
  }
}

/** Parses `METHOD target HTTP/1.1\nName: value\n…\n\nbody` (LF line ends, body as UTF-8). */
export function parseRawHttp(raw: string): SignedRequestInput {
  const blank = raw.indexOf('\n\n')
  const head = blank < 0 ? raw : raw.slice(0, blank)
  const body = blank < 0 ? '' : raw.slice(blank + 2)
  const [requestLine, ...headerLines] = head.split('\n')
  const [method, target] = requestLine!.split(' ')
  const headers: Record<string, string> = {}
  for (const line of headerLines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
  }
  return toSignedRequestInput({
    method: method!,
    target: target!,
    headers,
    body: new TextEncoder().encode(body),
  })
}
