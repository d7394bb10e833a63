/**
 * @module core/auth/signed-request
 *
 * The runtime-neutral view of a signed Alibaba RPC request, and {@link parseSignature}, which
 * decides the scheme and returns a {@link ParsedSignature} ready to be verified once the caller
 * has looked up the secret of its access key id.
 *
 * Intended flow (the caller owns storage and the clock):
 * 1. `const sig = parseSignature(input)` — format checks, no secret needed;
 * 2. `assertFreshTimestamp(sig.timestamp, now)`;
 * 3. look up `sig.accessKeyId` → secret (or `auth.accessKeyNotFound`);
 * 4. `if (!(await sig.verify(secret))) throw auth.signatureMismatch`;
 * 5. record `(sig.accessKeyId, sig.nonce)` for replay protection (`auth.nonceUsed`).
 *
 * Scheme selection: an `authorization` header starting with `ACS3-` means ACS3 (see
 * signature-acs3.ts); otherwise a `Signature` parameter in the query or form means V1 (see
 * signature-v1.ts); otherwise the request is not signed. Any other `authorization` header is
 * ignored.
 *
 * Duplicates: a parameter name that appears more than once across query and form (including
 * `Signature`), or a header name that appears twice once lower-cased, is `request.malformed`:
 * the SDKs never send one, and the handler must not read a different copy than the one signed.
 */

import { KmsError } from '../errors'
import { incompleteSignature, type ParamList } from './common'
import { parseAcs3Signature } from './signature-acs3'
import type { ParsedSignature, SignedRequestInput } from './signature-types'
import { parseV1Signature } from './signature-v1'

export type { ParsedSignature, SignedRequestInput } from './signature-types'

function normalizeHeaders(headers: Record<string, string>): Map<string, string> {
  const map = new Map<string, string>()
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase()
    if (map.has(lower)) {
      throw new KmsError('request.malformed', 'A request header is specified more than once.')
    }
    map.set(lower, value)
  }
  return map
}

function mergeParameters(query: ParamList, form: ParamList): ParamList {
  const seen = new Set<string>()
  const merged: Array<readonly [string, string]> = []
  for (const pair of [...query, ...form]) {
    const name = pair[0]
    if (seen.has(name)) {
      throw new KmsError(
        'request.malformed',
        name === 'Signature' ? 'The Signature parameter is specified more than once.' : 'A request parameter is specified more than once.',
      )
    }
    seen.add(name)
    merged.push(pair)
  }
  return merged
}

/**
 * Decides the signature scheme of a request and parses its signature.
 *
 * @throws {KmsError} `auth.incompleteSignature` when the request is not signed, a required piece
 *   is missing or malformed, or the algorithm is unsupported; `auth.illegalTimestamp` when the
 *   timestamp cannot be parsed; `auth.signatureMismatch` when an ACS3 body hash does not match
 *   the body; `request.malformed` on duplicate parameters or headers and unsafe names.
 */
export function parseSignature(req: SignedRequestInput): ParsedSignature {
  const headers = normalizeHeaders(req.headers)
  const params = mergeParameters(req.query, req.form)

  const authorization = headers.get('authorization')
  if (authorization !== undefined && authorization.trimStart().startsWith('ACS3-')) {
    return parseAcs3Signature(req, headers, authorization)
  }
  if (params.some(([name]) => name === 'Signature')) {
    return parseV1Signature(req.method, params)
  }
  throw incompleteSignature('The request is not signed.')
}
