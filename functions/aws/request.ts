/**
 * @module functions/aws/request
 *
 * Reads one AWS JSON 1.1 request (`POST /`, `X-Amz-Target: TrentService.<Op>` or
 * `secretsmanager.<Op>`, `Content-Type: application/x-amz-json-1.1`): the target, the JSON
 * object body, and the signed-request view SigV4 verification needs. The body's hash is computed
 * here (botocore sends none). Limits are checked before the body is parsed.
 */
import { EMPTY_BODY_SHA256_HEX } from '../../core/auth/hmac'
import { parseFormEncoded } from '../../core/auth/percent-encode'
import type { SignedRequestInput } from '../../core/auth/signed-request'
import { toHex } from '../../core/crypto/bytes'
import { KmsError } from '../../core/errors'
import { MAX_BODY_BYTES, MAX_QUERY_BYTES } from '../alibaba/request'
import type { JsonObject } from './action'
import type { AwsService } from './errors'

export interface AwsRequest {
  service: AwsService
  /** `TrentService` or `secretsmanager`. */
  prefix: 'TrentService' | 'secretsmanager'
  operation: string
  body: JsonObject
  signed: SignedRequestInput
}

const TARGET = /^(TrentService|secretsmanager)\.([A-Za-z]{1,64})$/
const CONTENT_TYPES = new Set(['application/x-amz-json-1.1', 'application/x-amz-json-1.0'])
/** JSON nesting deeper than this is not an AWS request (policies are strings, not objects). */
const MAX_DEPTH = 8

/** Whether a request speaks the AWS dialect (it names an `X-Amz-Target`). */
export function isAwsRequest(request: Request): boolean {
  return request.headers.has('x-amz-target')
}

function depth(value: unknown, level = 0): number {
  if (level > MAX_DEPTH || typeof value !== 'object' || value === null) return level
  let max = level
  for (const v of Object.values(value)) max = Math.max(max, depth(v, level + 1))
  return max
}

/** @throws KmsError request.tooLarge, request.unknownAction, request.malformed */
export async function readAwsRequest(request: Request, raw: ArrayBuffer): Promise<AwsRequest> {
  const url = new URL(request.url)
  if (url.search.length > MAX_QUERY_BYTES || raw.byteLength > MAX_BODY_BYTES) {
    throw new KmsError('request.tooLarge', 'The request is too large.')
  }
  const target = TARGET.exec(request.headers.get('x-amz-target') ?? '')
  if (!target) throw new KmsError('request.unknownAction', 'The X-Amz-Target header names no operation of this service.')
  const prefix = target[1] as AwsRequest['prefix']
  if (request.method !== 'POST' || url.pathname !== '/') {
    throw new KmsError('request.malformed', 'AWS JSON requests are POST /.')
  }
  const contentType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (!CONTENT_TYPES.has(contentType)) throw new KmsError('request.malformed', 'The Content-Type must be application/x-amz-json-1.1.')
  let body: unknown = {}
  if (raw.byteLength > 0) {
    try {
      body = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw))
    } catch {
      throw new KmsError('request.malformed', 'The request body is not valid JSON.')
    }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new KmsError('request.malformed', 'The request body must be a JSON object.')
  if (depth(body) > MAX_DEPTH) throw new KmsError('request.malformed', 'The request body is nested too deeply.')
  const headers: Record<string, string> = {}
  request.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value
  })
  const bodySha256Hex = raw.byteLength === 0 ? EMPTY_BODY_SHA256_HEX : toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', raw)))
  const query = parseFormEncoded(url.search.startsWith('?') ? url.search.slice(1) : url.search)
  return {
    service: prefix === 'TrentService' ? 'kms' : 'secretsmanager',
    prefix,
    operation: target[2]!,
    body: body as JsonObject,
    signed: { method: request.method, path: url.pathname, query, form: [], headers, bodySha256Hex },
  }
}
