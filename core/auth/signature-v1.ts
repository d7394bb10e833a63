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
 * Every parameter is signed, `Action` and `Version` included (both are required): the query and the form body are merged (pop-core POST puts all of
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
  SIGNATURE_MISMATCH_MESSAGE,
  type ParamList,
} from './common'
import { hmacUtf8 } from './hmac'
import { percentEncode } from './percent-encode'
import type { ParsedSignature } from './signature-types'
import { parseSignatureTimestamp } from './timestamp'

/** The parameters a V1-signed request must carry besides `Signature`. */
export const V1_REQUIRED_PARAMETERS = [
  // Action and Version choose what runs: they must be signed, never taken from unsigned
  // x-acs-action / x-acs-version headers (those are covered only by an ACS3 signature).
  'Action',
  'Version',
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
export function stringToSignV1(method: string, params: ParamList | Readonly<Record<string, string>>): string {
  return `${method}&${percentEncode('/')}&${percentEncode(canonicalizeV1(params))}`
}

/** The prefix of Alibaba's `SignatureDoesNotMatch` message; the server's StringToSign follows. */
export const V1_MISMATCH_MESSAGE_PREFIX = `${SIGNATURE_MISMATCH_MESSAGE} server string to sign is:`

/** What a redacted value reads as in the echoed StringToSign (no `:`, which the SDKs split on). */
export const V1_ECHO_REDACTED = '[REDACTED]'

/**
 * Parameters whose values the echoed StringToSign shows as sent: the common parameters of the
 * protocol (what a client gets wrong most: encoding of `Timestamp`, the nonce, the method) and
 * identifiers or options that carry no data. Every other value — Plaintext, SecretData,
 * CiphertextBlob, EncryptionContext, policy documents, descriptions, tags, SecurityToken,
 * anything unknown — is replaced by {@link V1_ECHO_REDACTED} before the StringToSign is rebuilt.
 * A numbered list entry (`Tag.1.Key`) is judged by its base name (`Tag`). Narrower than the audit
 * trail's verbatim list (core/domain/audit/redact.ts) on purpose: an error answer goes to whoever
 * sent the request, signed or not, so it shows only names that can never carry a value worth
 * hiding (not `SecretDataType`, `StartTime`, role or user key ids…).
 */
export const V1_ECHO_VERBATIM: ReadonlySet<string> = new Set([
  'AccessKeyId',
  'Action',
  'Version',
  'Format',
  'RegionId',
  'SignatureMethod',
  'SignatureNonce',
  'SignatureVersion',
  'SignatureType',
  'Timestamp',
  'KeyId',
  'DestinationKeyId',
  'SourceKeyId',
  'KeyVersionId',
  'SourceKeyVersionId',
  'AliasName',
  'SecretName',
  'VersionId',
  'VersionStage',
  'KeySpec',
  'KeyUsage',
  'Origin',
  'ProtectionLevel',
  'Algorithm',
  'NumberOfBytes',
  'PendingWindowInDays',
  'EnableAutomaticRotation',
  'RotationInterval',
  'DryRun',
  'PageNumber',
  'PageSize',
  'PolicyName',
  'UserName',
  'Status',
])

function echoedValue(name: string, value: string): string {
  const base = name.split('.')[0]!
  return V1_ECHO_VERBATIM.has(base) ? value : V1_ECHO_REDACTED
}

/**
 * The message of a V1 `SignatureDoesNotMatch`, in Alibaba's form:
 * `Specified signature is not matched with our calculation. server string to sign is:<StringToSign>`
 * — the old core SDKs (aliyun-python-sdk-core, the Java and .NET cores) split it on `:` and compare
 * the part after it with their own StringToSign (equal means "wrong AccessKeySecret"). The
 * StringToSign is percent-encoded twice, so it never holds a `:` itself.
 *
 * Data values are redacted (see {@link V1_ECHO_VERBATIM}): the old SDKs log server error
 * messages, so echoing Plaintext or SecretData would put them in the caller's logs. A redacted
 * echo differs from the client's own StringToSign, and such a client then reports the server's
 * message as is instead of "wrong secret". The server never logs or stores this message (the
 * audit event keeps the error code only).
 *
 * @throws {KmsError} `request.malformed` when a name or value is not valid Unicode.
 */
export function v1MismatchMessage(method: string, params: ParamList): string {
  const echoed = params.map(([name, value]) => [name, echoedValue(name, value)] as const)
  return `${V1_MISMATCH_MESSAGE_PREFIX}${stringToSignV1(method, echoed)}`
}

/**
 * Computes the V1 signature (base64) of `params` (a `Signature` entry, if any, is ignored) for
 * `method`, as the SDKs would. For tests and load generators.
 *
 * @throws {KmsError} `request.malformed` when a name or value is not valid Unicode.
 */
export async function signV1(method: string, params: ParamList | Readonly<Record<string, string>>, secret: string): Promise<string> {
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

  const missing = ['Signature', ...V1_REQUIRED_PARAMETERS].filter((name) => (values.get(name) ?? '') === '')
  if (missing.length > 0) {
    throw incompleteSignature(`The request signature is incomplete: missing ${missing.join(', ')}.`, { missing: missing.join(',') })
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
    mismatchMessage(): string {
      return v1MismatchMessage(method, params)
    },
  }
}
