/**
 * @module core/auth/signature-v1
 *
 * Alibaba RPC signature version 1.0 (HMAC-SHA1), as computed by `@alicloud/rpc-util`
 * (kms20160120 1.x), `@alicloud/openapi-util.getRPCSignature` (openapi-client with
 * `signatureAlgorithm: 'v2'`) and `@alicloud/pop-core` RPCClient:
 *
 * ```text
 * canonicalized = sort params by decoded name (Signature excluded),
 *                 join "percentEncode(name)=percentEncode(value)" with "&"
 * StringToSign  = METHOD + "&" + percentEncode("/") + "&" + percentEncode(canonicalized)
 * Signature     = base64(HMAC-SHA1(key = secret + "&", StringToSign))
 * ```
 *
 * Every parameter is signed: the query and the form body are merged (pop-core POST puts all of
 * them, `Signature` included, in the body). The path is not part of the signature: it is always
 * `/`, whatever path the request used, so the router must serve RPC requests on `/` only. An empty
 * value canonicalises as `name=`.
 */

import { fromBase64, timingSafeEqual, toBase64 } from '../crypto/bytes'
import {
  assertAccessKeyIdShape,
  assertNonceShape,
  compareNames,
  incompleteSignature,
  type ParamList,
} from './common'
import { hmacUtf8 } from './hmac'
import { percentEncode } from './percent-encode'
import type { ParsedSignature } from './signed-request'
import { parseSignatureTimestamp } from './timestamp'

/** The parameters a V1-signed request must carry besides `Signature`. */
export const V1_REQUIRED_PARAMETERS = [
  'AccessKeyId',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureNonce',
  'Timestamp',
] as const

function toList(params: ParamList | Readonly<Record<string, string>>): ParamList {
  return Array.isArray(params) ? params : Object.entries(params)
}

/**
 * The canonicalized query string of V1: every parameter except `Signature`, sorted by decoded
 * name (see {@link compareNames}), strictly percent-encoded, joined with `&`.
 *
 * @throws {KmsError} `request.malformed` when a name or value is not valid Unicode.
 */
export function canonicalizeV1(params: ParamList | Readonly<Record<string, string>>): string {
  return toList(params)
    .filter(([name]) => name !== 'Signature')
    .slice()
    .sort(compareNames)
    .map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`)
    .join('&')
}

/**
 * The V1 StringToSign: `METHOD&%2F&percentEncode(canonicalized)`.
 *
 * @throws {KmsError} `request.malformed` when a name or value is not valid Unicode.
 */
export function stringToSignV1(
  method: string,
  params: ParamList | Readonly<Record<string, string>>,
): string {
  return `${method}&${percentEncode('/')}&${percentEncode(canonicalizeV1(params))}`
}

/**
 * Computes the V1 signature (base64) of `params` (a `Signature` entry, if any, is ignored) for
 * `method`, as the SDKs would. For tests and load generators.
 *
 * @throws {KmsError} `request.malformed` when a name or value is not valid Unicode.
 */
export async function signV1(
  method: string,
  params: ParamList | Readonly<Record<string, string>>,
  secret: string,
): Promise<string> {
  return toBase64(await hmacUtf8('SHA-1', `${secret}&`, stringToSignV1(method, params)))
}

/**
 * Reads a V1 signature from the merged query and form parameters (duplicates already refused by
 * the caller) and prepares its verification. Everything that can be checked without the secret
 * is checked here.
 *
 * @throws {KmsError} `auth.incompleteSignature` when a required parameter is missing or empty,
 *   the method or version is not HMAC-SHA1 / 1.0, or the access key id or nonce is malformed;
 *   `auth.illegalTimestamp` when `Timestamp` is not ISO 8601 UTC; `request.malformed` when a
 *   parameter is not valid Unicode.
 */
export function parseV1Signature(method: string, params: ParamList): ParsedSignature {
  const values = new Map<string, string>()
  for (const [name, value] of params) values.set(name, value)

  const missing = ['Signature', ...V1_REQUIRED_PARAMETERS].filter(
    (name) => (values.get(name) ?? '') === '',
  )
  if (missing.length > 0) {
    throw incompleteSignature(
      `The request signature is incomplete: missing ${missing.join(', ')}.`,
      { missing: missing.join(',') },
    )
  }
  const signature = values.get('Signature')!
  const accessKeyId = values.get('AccessKeyId')!
  const nonce = values.get('SignatureNonce')!

  if (values.get('SignatureMethod') !== 'HMAC-SHA1') {
    throw incompleteSignature('The SignatureMethod is not supported; only HMAC-SHA1 is.')
  }
  if (values.get('SignatureVersion') !== '1.0') {
    throw incompleteSignature('The SignatureVersion is not supported; only 1.0 is.')
  }
  assertAccessKeyIdShape(accessKeyId)
  assertNonceShape(nonce)
  const timestamp = parseSignatureTimestamp(values.get('Timestamp')!)

  const stringToSign = stringToSignV1(method, params)
  // An undecodable signature verifies as false (SignatureDoesNotMatch), never as a parse error.
  const provided = fromBase64(signature) ?? new Uint8Array(0)

  return {
    scheme: 'V1',
    accessKeyId,
    nonce,
    timestamp,
    async verify(secret: string): Promise<boolean> {
      const expected = await hmacUtf8('SHA-1', `${secret}&`, stringToSign)
      return timingSafeEqual(expected, provided)
    },
  }
}
