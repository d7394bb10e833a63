/**
 * @module core/hsm-client/signed-call
 *
 * The request/response plumbing every Worker-side client of hsm-bridge shares
 * ({@link HsmBridgeClient}, {@link RotationBridgeClient}, {@link XksClient}): a `POST` whose
 * request is HMAC-SHA256-signed over `METHOD\nPATH\nDATE_MS\nNONCE_HEX\nHEX(SHA-256(body))`, sent
 * under a deadline, and whose answer is authentic only with a valid `x-bridge-response-signature`
 * (HMAC over `response\nSTATUS\nNONCE\nHEX(SHA-256(body))`).
 *
 * What a failure or an unsigned answer means is each client's own business; this only reports it.
 */

import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'

import { fromHex, timingSafeEqual, toHex, utf8 } from '../crypto/bytes'

/** One bridge: its origin, its HSM_BRIDGE_SECRET as bytes, and the fetch to reach it with. */
export interface BridgeEndpoint {
  baseUrl: string
  secret: Uint8Array
  fetchFn: typeof fetch
}

/**
 * The endpoint of a client's options: `baseUrl` reduced to its origin, the secret as UTF-8 bytes.
 * `client` names the class in the errors; `rejectQuery` also refuses a `baseUrl` with a query.
 *
 * @throws {TypeError} when baseUrl is not an http(s) origin or the secret is shorter than 32
 *   bytes.
 */
export function bridgeEndpoint(
  client: string,
  options: { baseUrl: string; secret: string; fetch?: typeof fetch },
  rejectQuery = false,
): BridgeEndpoint {
  const url = new URL(options.baseUrl)
  const isHttp = url.protocol === 'http:' || url.protocol === 'https:'
  if (!isHttp || (url.pathname !== '/' && url.pathname !== '') || (rejectQuery && url.search !== '')) {
    throw new TypeError(`${client}: baseUrl must be an http(s) origin`)
  }
  const secret = utf8(options.secret)
  if (secret.length < 32) throw new TypeError(`${client}: secret must be at least 32 bytes`)
  return { baseUrl: url.origin, secret, fetchFn: options.fetch ?? ((input, init) => fetch(input, init)) }
}

export type SignedCallResult =
  /** fetch (or reading the body) failed or hit the deadline. */
  | { network: true; error: unknown }
  /** An answer; `authentic` only when its response signature is valid for our nonce. */
  | { network: false; status: number; body: Uint8Array; authentic: boolean }

/**
 * POSTs `payload` as JSON to `path` on the bridge, signed, and aborts after `timeoutMs`.
 *
 * @throws never for network failures (they are `{ network: true }`)
 */
export async function signedCall(
  bridge: BridgeEndpoint,
  path: string,
  payload: Record<string, unknown>,
  timeoutMs: number,
): Promise<SignedCallResult> {
  const body = utf8(JSON.stringify(payload))
  const date = String(Date.now())
  const nonce = toHex(crypto.getRandomValues(new Uint8Array(16)))
  const toSign = `POST\n${path}\n${date}\n${nonce}\n${toHex(sha256(body))}`
  const signature = toHex(hmac(sha256, bridge.secret, utf8(toSign)))
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  let status: number
  let responseBody: Uint8Array
  let responseSignature: string | null
  try {
    const res = await bridge.fetchFn(`${bridge.baseUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-bridge-date': date,
        'x-bridge-nonce': nonce,
        'x-bridge-signature': signature,
      },
      body,
      signal: controller.signal,
    })
    status = res.status
    responseBody = new Uint8Array(await res.arrayBuffer())
    responseSignature = res.headers.get('x-bridge-response-signature')
  } catch (error) {
    return { network: true, error }
  } finally {
    clearTimeout(timer)
  }
  const given = responseSignature === null ? undefined : fromHex(responseSignature)
  const authentic =
    given !== undefined &&
    given.length === 32 &&
    timingSafeEqual(hmac(sha256, bridge.secret, utf8(`response\n${status}\n${nonce}\n${toHex(sha256(responseBody))}`)), given)
  return { network: false, status, body: responseBody, authentic }
}

/** The answer body as JSON, or undefined when it is not JSON. */
export function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(body)) as unknown
  } catch {
    return undefined
  }
}
