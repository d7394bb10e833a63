/**
 * @module functions/alibaba/request
 *
 * Turns an HTTP request into what the RPC layer needs: the action and version, the merged
 * parameters, and the abstract signed request for core/auth. Sizes are checked before any
 * parsing (the body limit middleware has already bounded the body, chunked or not).
 */
import { EMPTY_BODY_SHA256_HEX } from '../../core/auth/hmac'
import { parseFormEncoded } from '../../core/auth/percent-encode'
import type { SignedRequestInput } from '../../core/auth/signed-request'
import { toHex } from '../../core/crypto/bytes'
import { KmsError } from '../../core/errors'
import { COMMON_PARAMETERS, Params } from './params'

/** Largest request body accepted (form bodies carry at most a 30 KB secret, percent-encoded). */
export const MAX_BODY_BYTES = 128 * 1024
/** Largest query string accepted (the ACS3 SDKs put every parameter in the query). */
export const MAX_QUERY_BYTES = 128 * 1024

export interface RpcRequest {
  action: string
  version: string
  params: Params
  signed: SignedRequestInput
}

function tooLarge(): KmsError {
  return new KmsError('request.tooLarge', 'The request is too large.')
}

/**
 * The parameters of a JSON body (openapi-core's `reqBodyType: 'json'`, ACS3, whose signature
 * covers the body's hash): a flat object; strings as sent, numbers and booleans as text, nested
 * objects and lists as their JSON text (as the SDKs send EncryptionContext), null skipped.
 * @throws KmsError request.malformed
 */
function parseJsonBody(body: ArrayBuffer): Array<[string, string]> {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body))
  } catch {
    throw new KmsError('request.malformed', 'The request body is not valid JSON.')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new KmsError('request.malformed', 'The JSON request body must be an object.')
  }
  const out: Array<[string, string]> = []
  for (const [k, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue
    out.push([k, typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v)])
  }
  return out
}

/** @throws KmsError request.tooLarge, request.malformed, validation.missingParameter */
export async function readRpcRequest(request: Request, body: ArrayBuffer): Promise<RpcRequest> {
  const url = new URL(request.url)
  if (url.search.length > MAX_QUERY_BYTES) throw tooLarge()
  if (body.byteLength > MAX_BODY_BYTES) throw tooLarge()

  const headers: Record<string, string> = {}
  request.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value
  })
  const query = parseFormEncoded(url.search.startsWith('?') ? url.search.slice(1) : url.search)
  const contentType = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  let form: Array<[string, string]> = []
  if (body.byteLength > 0 && contentType === 'application/x-www-form-urlencoded') {
    let text: string
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body)
    } catch {
      throw new KmsError('request.malformed', 'The request body is not valid UTF-8.')
    }
    form = parseFormEncoded(text)
  } else if (body.byteLength > 0 && contentType === 'application/json') {
    form = parseJsonBody(body)
  }
  // GET requests (and empty POSTs) have no body: its hash is a constant.
  const bodySha256Hex = body.byteLength === 0 ? EMPTY_BODY_SHA256_HEX : toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', body)))

  const merged = new Map<string, string>()
  for (const [k, v] of [...query, ...form]) {
    if (merged.has(k)) {
      throw new KmsError('request.malformed', `The parameter "${k.slice(0, 64)}" is given more than once.`)
    }
    merged.set(k, v)
  }
  // The x-acs-action / x-acs-version headers name the call only under ACS3, which must sign them
  // (core/auth/signature-acs3.ts). A V1 signature covers parameters only, so a V1 request names
  // its call with the signed Action and Version parameters, never with unsigned headers.
  // (Scheme selection as in core/auth/signed-request.ts: ACS3 by its Authorization, else V1 by a
  // Signature parameter; an unsigned request is refused by authentication either way.)
  const acs3 = (headers['authorization'] ?? '').trimStart().startsWith('ACS3-')
  const headersName = acs3 || !merged.has('Signature')
  const action = merged.get('Action') ?? (headersName ? headers['x-acs-action'] : undefined)
  const version = merged.get('Version') ?? (headersName ? headers['x-acs-version'] : undefined)
  if (!action)
    throw new KmsError(
      'validation.missingParameter',
      'The input parameter "Action" that is mandatory for processing this request is not supplied.',
      { details: { parameter: 'Action' } },
    )
  if (!version)
    throw new KmsError(
      'validation.missingParameter',
      'The input parameter "Version" that is mandatory for processing this request is not supplied.',
      { details: { parameter: 'Version' } },
    )

  const business = new Map<string, string>()
  for (const [k, v] of merged) if (!COMMON_PARAMETERS.has(k)) business.set(k, v)

  return {
    action,
    version,
    params: new Params(business),
    signed: {
      method: request.method.toUpperCase(),
      path: url.pathname,
      query,
      form,
      headers,
      bodySha256Hex,
    },
  }
}
