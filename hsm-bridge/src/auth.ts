/**
 * @module hsm-bridge/auth
 *
 * Request authentication (HMAC-SHA256 with a shared secret, a ±60 s date window, single-use
 * nonces, and no request dated before the bridge started) and response signing.
 *
 * Request string to sign, fields joined by '\n':
 *   METHOD, request path as sent (e.g. `/v1/keys/encrypt`), x-bridge-date (ms since the epoch),
 *   x-bridge-nonce (≥ 16 random bytes, lowercase hex), lowercase hex SHA-256 of the raw body.
 * Response string to sign (header `x-bridge-response-signature`), fields joined by '\n':
 *   the literal `response`, the HTTP status, the request's nonce, hex SHA-256 of the body.
 * The response signature lets the client reject a forged `{"valid":true}` or plaintext from
 * anything between it and the bridge; the nonce binds a response to its request.
 */

import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

export const AUTH_WINDOW_MS = 60_000
export const HEADER_DATE = 'x-bridge-date'
export const HEADER_NONCE = 'x-bridge-nonce'
export const HEADER_SIGNATURE = 'x-bridge-signature'
export const HEADER_RESPONSE_SIGNATURE = 'x-bridge-response-signature'

const DATE_PATTERN = /^\d{1,16}$/
const NONCE_PATTERN = /^[0-9a-f]{32,128}$/
const SIGNATURE_PATTERN = /^[0-9a-f]{64}$/

/**
 * Nonces seen within the acceptance window. A nonce is kept for twice the window, which covers
 * every moment at which a request carrying it could still pass the date check. Bounded: when full
 * of live nonces it refuses new requests (fail closed) rather than forgetting one.
 *
 * The store lives in memory, so a restarted bridge has forgotten what its previous process saw.
 * Instead of persisting nonces, the store has an epoch, `since` (the bridge's start): a request
 * dated before it is refused (`predatesStart`), because only a store that was recording when it
 * was signed can tell a replay from a first use. A request captured before a restart therefore
 * never replays after it. The cost: a client whose clock runs behind the bridge's by δ has its
 * requests refused for the first δ after a restart (none locally, where both share one clock);
 * the server answers them 503 Unavailable, which the client reports as retryable.
 */
export class NonceStore {
  private readonly seen = new Map<string, number>()

  constructor(
    private readonly maxEntries = 200_000,
    private readonly ttlMs = 2 * AUTH_WINDOW_MS + 1000,
    /** Milliseconds since the epoch from which this store has recorded every nonce. */
    readonly since = Date.now(),
  ) {}

  /**
   * Records `nonce` unless already seen.
   *
   * @throws never
   */
  add(nonce: string, now: number): 'ok' | 'replayed' | 'full' {
    // Insertion order equals expiry order (constant TTL), so expired entries sit at the front.
    for (const [n, expires] of this.seen) {
      if (expires > now) break
      this.seen.delete(n)
    }
    if (this.seen.has(nonce)) return 'replayed'
    if (this.seen.size >= this.maxEntries) return 'full'
    this.seen.set(nonce, now + this.ttlMs)
    return 'ok'
  }

  get size(): number {
    return this.seen.size
  }
}

export type AuthFailure =
  'missingHeaders' | 'malformedHeaders' | 'dateOutOfWindow' | 'badSignature' | 'replayedNonce' | 'predatesStart' | 'nonceStoreFull'

export type AuthResult = { ok: true; nonce: string } | { ok: false; reason: AuthFailure }

export interface AuthInput {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: Buffer
  secret: string
  nonces: NonceStore
  now: number
}

/**
 * Hex SHA-256 of `bytes`.
 *
 * @throws never
 */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/**
 * The request string to sign.
 *
 * @throws never
 */
export function requestStringToSign(method: string, path: string, date: string, nonce: string, bodySha256Hex: string): string {
  return `${method}\n${path}\n${date}\n${nonce}\n${bodySha256Hex}`
}

/**
 * Hex HMAC-SHA256 of `message` under `secret` (UTF-8).
 *
 * @throws never
 */
export function hmacHex(secret: string, message: string): string {
  return createHmac('sha256', secret).update(message, 'utf8').digest('hex')
}

/**
 * Checks a request's authentication headers. The nonce is recorded only after the signature
 * verifies, so unauthenticated traffic cannot fill the nonce store. A signed request dated
 * before the store's epoch is refused (see {@link NonceStore}).
 *
 * @throws never
 */
export function authenticate(input: AuthInput): AuthResult {
  const date = single(input.headers[HEADER_DATE])
  const nonce = single(input.headers[HEADER_NONCE])
  const signature = single(input.headers[HEADER_SIGNATURE])
  if (date === undefined || nonce === undefined || signature === undefined) {
    return { ok: false, reason: 'missingHeaders' }
  }
  if (!DATE_PATTERN.test(date) || !NONCE_PATTERN.test(nonce) || !SIGNATURE_PATTERN.test(signature)) {
    return { ok: false, reason: 'malformedHeaders' }
  }
  if (Math.abs(input.now - Number(date)) > AUTH_WINDOW_MS) {
    return { ok: false, reason: 'dateOutOfWindow' }
  }
  const toSign = requestStringToSign(input.method, input.path, date, nonce, sha256Hex(input.body))
  const expected = Buffer.from(hmacHex(input.secret, toSign), 'hex')
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
    return { ok: false, reason: 'badSignature' }
  }
  // After the signature, so that only the secret's holders can learn the epoch (unsigned probes
  // with varying dates all read as badSignature).
  if (Number(date) < input.nonces.since) {
    return { ok: false, reason: 'predatesStart' }
  }
  const stored = input.nonces.add(nonce, input.now)
  if (stored === 'replayed') return { ok: false, reason: 'replayedNonce' }
  if (stored === 'full') return { ok: false, reason: 'nonceStoreFull' }
  return { ok: true, nonce }
}

/**
 * The `x-bridge-response-signature` value for a response.
 *
 * @throws never
 */
export function signResponse(secret: string, status: number, nonce: string, body: Uint8Array): string {
  return hmacHex(secret, `response\n${status}\n${nonce}\n${sha256Hex(body)}`)
}

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined
}
