/**
 * @module hsm-bridge/xks/routes
 *
 * The bridge's XKS routes on its authenticated (HMAC) API, used by the Worker
 * (core/hsm-client/xks.ts):
 *
 * - `POST /v1/xks/call` — the bridge as an **XKS client**: it sends one XKS v1 request to an
 *   external key store proxy, SigV4-signed (service `kms-xks-proxy`) with a *day signing key*
 *   the Worker derived from the store's secret (the secret itself never leaves the Worker), with
 *   a per-attempt deadline and bounded retries (network errors, 429, 500, 503; at most
 *   `retries` more attempts within `deadlineMs`). Every XKS call is safe to repeat (Encrypt
 *   only returns a fresh ciphertext; nothing is stored). The proxy's answer, or why there was
 *   none, is returned as data: `{outcome: 'answered', status, body}` | `{outcome: 'unreachable'
 *   | 'timeout' | 'badResponse'}`; the Worker maps it to a KMS error.
 * - `POST /v1/xks/keys/create|enable|disable` `{id}` — administration of this bridge's own
 *   XKS keys (the EKM side, xks/keys.ts): create an AES-256 key, or flip its XKS keyStatus.
 *
 * Proxy URLs: `https:` anywhere, `http:` only to a loopback host (the local stack's endpoint);
 * loopback and private addresses only when listed in `HSM_BRIDGE_XKS_PRIVATE_TARGETS` (egress.ts).
 */

import { BridgeError, validationError } from '../errors.js'
import type { OpContext } from '../ops/context.js'
import type { Route } from '../server.js'
import { allowOnly, type Body } from '../validate.js'
import { URI_PREFIX, ACCESS_KEY_ID } from './config.js'
import { egressAllowed } from './egress.js'
import { toXksError } from './errors.js'
import { adminKey, EXTERNAL_KEY_ID } from './keys.js'
import { amzDate, sign } from './sigv4.js'

const OPERATIONS = ['health', 'metadata', 'encrypt', 'decrypt'] as const
type Operation = (typeof OPERATIONS)[number]
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])
const MAX_DEADLINE_MS = 10_000
const RETRYABLE = new Set([429, 500, 503])

export type CallOutcome = { outcome: 'answered'; status: number; body: unknown } | { outcome: 'unreachable' | 'timeout' | 'badResponse' }

function str(body: Body, name: string, re: RegExp): string {
  const v = body[name]
  if (typeof v !== 'string' || !re.test(v)) throw validationError(name, 'is malformed')
  return v
}

function int(body: Body, name: string, min: number, max: number, fallback: number): number {
  const v = body[name]
  if (v === undefined) return fallback
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw validationError(name, `must be an integer ${min}..${max}`)
  return v
}

/**
 * Validates and runs one `/v1/xks/call`.
 *
 * @throws {BridgeError} ValidationError for a malformed request only.
 */
export async function xksCall(body: Body, fetchFn: typeof fetch = fetch, now: () => number = Date.now): Promise<CallOutcome> {
  allowOnly(body, [
    'proxyUrl',
    'uriPrefix',
    'accessKeyId',
    'region',
    'scopeDate',
    'signingKey',
    'operation',
    'externalKeyId',
    'payload',
    'attemptTimeoutMs',
    'deadlineMs',
    'retries',
  ])
  const proxyUrl = str(body, 'proxyUrl', /^https?:\/\/[^/?#\s]{1,255}$/)
  const url = new URL(proxyUrl)
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) throw validationError('proxyUrl', 'must be https unless loopback')
  const egress = await egressAllowed(url.hostname)
  if (egress === 'private') {
    throw validationError('proxyUrl', 'names a loopback or private address that HSM_BRIDGE_XKS_PRIVATE_TARGETS does not list')
  }
  if (egress === 'unresolvable') return { outcome: 'unreachable' }
  const uriPrefix = str(body, 'uriPrefix', URI_PREFIX)
  const accessKeyId = str(body, 'accessKeyId', ACCESS_KEY_ID)
  const region = str(body, 'region', /^[a-z0-9-]{1,32}$/)
  const scopeDate = str(body, 'scopeDate', /^\d{8}$/)
  const keyB64 = str(body, 'signingKey', /^[A-Za-z0-9+/]{43}=$/)
  const operation = body.operation as Operation
  if (!OPERATIONS.includes(operation)) throw validationError('operation', 'is unknown')
  let path = `${uriPrefix}/kms/xks/v1/`
  if (operation === 'health') path += 'health'
  else path += `keys/${str(body, 'externalKeyId', EXTERNAL_KEY_ID)}/${operation}`
  const payload = body.payload
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw validationError('payload', 'must be an object')
  const attemptMs = int(body, 'attemptTimeoutMs', 50, MAX_DEADLINE_MS, 2000)
  const deadlineMs = int(body, 'deadlineMs', 50, MAX_DEADLINE_MS, 4000)
  const retries = int(body, 'retries', 0, 3, 2)
  const key = Buffer.from(keyB64, 'base64')
  const bytes = Buffer.from(JSON.stringify(payload), 'utf8')
  const deadline = Date.now() + deadlineMs

  let last: CallOutcome = { outcome: 'unreachable' }
  for (let attempt = 0; attempt <= retries; attempt++) {
    const left = deadline - Date.now()
    if (left <= 0) return last.outcome === 'answered' ? last : { outcome: 'timeout' }
    const t = now()
    // The signing key is for one day: outside it the request could only fail authentication.
    if (amzDate(t).slice(0, 8) !== scopeDate) return { outcome: 'unreachable' }
    const headers = sign({ method: 'POST', path, host: url.host, body: bytes, accessKeyId, region, key, now: t })
    const { host: _host, ...sendHeaders } = headers
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), Math.min(attemptMs, left))
    try {
      const res = await fetchFn(`${url.origin}${path}`, {
        method: 'POST',
        headers: sendHeaders,
        body: bytes,
        signal: controller.signal,
        redirect: 'manual',
      })
      const text = await res.text()
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        parsed = undefined
      }
      if (parsed === undefined || typeof parsed !== 'object' || parsed === null) {
        last = { outcome: 'badResponse' }
        if (!RETRYABLE.has(res.status)) return last
        last = { outcome: 'answered', status: res.status, body: {} }
      } else {
        last = { outcome: 'answered', status: res.status, body: parsed }
        if (!RETRYABLE.has(res.status)) return last
      }
    } catch {
      last = { outcome: controller.signal.aborted ? 'timeout' : 'unreachable' }
    } finally {
      clearTimeout(timer)
    }
  }
  return last
}

/**
 * The XKS routes of the authenticated API.
 *
 * @throws never
 */
export function xksRoutes(ctx: OpContext): [string, Route][] {
  const keys = { pool: ctx.pool, opTimeoutMs: ctx.opTimeoutMs }
  const admin =
    (action: 'create' | 'enable' | 'disable'): Route =>
    async (body) => {
      allowOnly(body, ['id'])
      const id = str(body, 'id', EXTERNAL_KEY_ID)
      try {
        return await adminKey(keys, id, action)
      } catch (err) {
        if (err instanceof BridgeError) throw err
        const x = toXksError(err)
        throw new BridgeError(x.errorName === 'KeyNotFoundException' ? 'KeyNotFound' : 'Internal', x.message)
      }
    }
  return [
    ['/v1/xks/call', (body) => xksCall(body)],
    ['/v1/xks/keys/create', admin('create')],
    ['/v1/xks/keys/enable', admin('enable')],
    ['/v1/xks/keys/disable', admin('disable')],
  ]
}
