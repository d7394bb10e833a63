/**
 * Builds V1-signed GET requests (every parameter in the query, HMAC-SHA1) exactly as the
 * official SDKs and the product's verifier expect, using core's `signV1` / `stringToSignV1`.
 *
 * Two signers:
 * - `signV1` (core, WebCrypto, async) — the reference, used for setup calls and to cross-check;
 * - `fastSigner` — the same StringToSign from core (`stringToSignV1`), HMAC-SHA1 through
 *   node:crypto's synchronous `createHmac`, which is several times cheaper per request. Every
 *   run cross-checks the first requests it signs against `signV1` and refuses to run on any
 *   difference, so the two cannot drift apart.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { percentEncode } from '../../core/auth/percent-encode'
import { signV1, stringToSignV1 } from '../../core/auth/signature-v1'

export interface SigningCredentials {
  accessKeyId: string
  accessKeySecret: string
  regionId: string
}

export const KMS_VERSION = '2016-01-20'

/**
 * A nonce unique across runs and processes: 12 random bytes drawn once per process (hex) plus a
 * per-process counter, so no two requests of any run ever share one.
 */
let nonceCounter = 0
const noncePrefix = randomBytes(12).toString('hex')
export function uniqueNonce(): string {
  nonceCounter += 1
  return `${noncePrefix}-${nonceCounter.toString(36)}`
}

export function isoTimestamp(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** The common + business parameters of one request, without Signature. */
export function requestParams(
  creds: SigningCredentials,
  action: string,
  business: Record<string, string>,
  nowMs = Date.now(),
): Record<string, string> {
  return {
    Action: action,
    Version: KMS_VERSION,
    Format: 'JSON',
    RegionId: creds.regionId,
    AccessKeyId: creds.accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: uniqueNonce(),
    Timestamp: isoTimestamp(nowMs),
    ...business,
  }
}

export function queryString(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
    .join('&')
}

/** Reference signer (core signV1): returns the path+query of a signed GET. */
export async function signedPathReference(creds: SigningCredentials, params: Record<string, string>): Promise<string> {
  const signature = await signV1('GET', params, creds.accessKeySecret)
  return `/?${queryString({ ...params, Signature: signature })}`
}

/** Fast signer: core's StringToSign, node:crypto HMAC-SHA1. */
export function fastSignature(secret: string, params: Record<string, string>): string {
  return createHmac('sha1', `${secret}&`).update(stringToSignV1('GET', params), 'utf8').digest('base64')
}

export function signedPathFast(creds: SigningCredentials, params: Record<string, string>): string {
  return `/?${queryString({ ...params, Signature: fastSignature(creds.accessKeySecret, params) })}`
}

/** Throws unless the fast signer agrees with core's signV1 on `params`. */
export async function crossCheckSigner(creds: SigningCredentials, params: Record<string, string>): Promise<void> {
  const reference = await signV1('GET', params, creds.accessKeySecret)
  const fast = fastSignature(creds.accessKeySecret, params)
  if (reference !== fast) throw new Error(`bench signer disagrees with core signV1 (${fast} vs ${reference})`)
}

/** One signed API call through fetch (setup only, not load): JSON body and status. */
export async function callApi(
  endpoint: string,
  creds: SigningCredentials,
  action: string,
  business: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, any> }> {
  const path = await signedPathReference(creds, requestParams(creds, action, business))
  const res = await fetch(new URL(path, endpoint), { signal: AbortSignal.timeout(30_000) })
  const text = await res.text()
  let body: Record<string, any>
  try {
    body = JSON.parse(text) as Record<string, any>
  } catch {
    body = { raw: text.slice(0, 500) }
  }
  return { status: res.status, body }
}
