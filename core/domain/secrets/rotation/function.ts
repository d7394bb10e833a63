/**
 * @module core/domain/secrets/rotation/function
 *
 * Generic secrets rotated by a user's rotation function: an HTTPS endpoint named in the secret's
 * ExtendedConfig, called once per step with the four steps AWS rotation Lambdas implement:
 *
 *   POST <RotationFunctionUrl>
 *   Content-Type: application/json
 *   X-Kms-Rotation-Timestamp: <epoch seconds>
 *   X-Kms-Rotation-Signature: v1=<hex HMAC-SHA256(key, "<timestamp>.<body>")>
 *   {"Step":"createSecret"|"setSecret"|"testSecret"|"finishSecret","SecretName":…,
 *    "ClientRequestToken":<the rotation's VersionId>,"CurrentSecretData":…,"PendingSecretData":…}
 *
 * `createSecret` answers `{"SecretData":"<new value>"}` (stored as the ACSPending version); the
 * others answer any 2xx. Anything else — non-2xx, a timeout (ROTATION_FUNCTION_TIMEOUT_MS), a bad
 * body — fails the step and the engine retries it later. The HMAC key is the ACSCurrent value of
 * another secret of the account, named by `RotationFunctionSigningSecretName` (so it is stored
 * wrapped like every secret value); the function holds the same key. Deployments require https;
 * the local stack also allows http on 127.0.0.1, ::1 and localhost.
 */
import { toArrayBuffer, toHex, utf8 } from '../../../crypto/bytes'
import { KmsError, invalidParameter } from '../../../errors'
import type { RotationContext, RotationStrategy } from './strategy'
import { isLoopbackName } from '../../loopback'

export const ROTATION_FUNCTION_TIMEOUT_MS = 5_000
export const SIGNATURE_HEADER = 'X-Kms-Rotation-Signature'
export const TIMESTAMP_HEADER = 'X-Kms-Rotation-Timestamp'
const MAX_RESPONSE_CHARS = 64 * 1024

type Step = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret'

function stepError(step: string, reason: string, status?: number): KmsError {
  return new KmsError('secret.invalidState', `The secret rotation failed at ${step}: ${reason}.`, {
    details: { step, reason, ...(status === undefined ? {} : { status }) },
  })
}

/**
 * Whether a URL's (WHATWG-normalised) hostname is an IP literal of a private (RFC 1918, unique
 * local), carrier-grade NAT, link-local (cloud metadata) or unspecified address, also as an
 * IPv4-mapped IPv6 address. Loopback is judged apart ({@link isLoopbackHost}). Host names are
 * not resolved here (the Worker cannot); such names are the operator's DNS to keep public.
 */
export function internalAddress(hostname: string): boolean {
  const v4 = (text: string): boolean => {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
    if (!m) return false
    const [a, b] = [Number(m[1]), Number(m[2])]
    return (
      a === 0 ||
      a === 10 ||
      (a === 100 && b >= 64 && b < 128) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b < 32) ||
      (a === 192 && b === 168)
    )
  }
  if (v4(hostname)) return true
  if (!hostname.startsWith('[')) return false
  const v6 = hostname.slice(1, -1).toLowerCase()
  if (v6 === '::') return true
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6)
  if (mapped) {
    const hi = parseInt(mapped[1]!, 16)
    const lo = parseInt(mapped[2]!, 16)
    const dotted = `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`
    return v4(dotted) || isLoopbackHost(dotted)
  }
  const first = parseInt(v6.split(':')[0] || '0', 16)
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80
}

/** 127.0.0.0/8, ::1 and localhost names: reachable over https only in local mode. */
export function isLoopbackHost(hostname: string): boolean {
  return /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === '[::1]' || hostname === 'localhost' || hostname.endsWith('.localhost')
}

function parseUrl(text: unknown): URL {
  if (typeof text !== 'string' || text.length > 512) throw invalidParameter('ExtendedConfig.RotationFunctionUrl', 'must be an https URL.')
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw invalidParameter('ExtendedConfig.RotationFunctionUrl', 'must be an https URL.')
  }
  if (url.username || url.password) throw invalidParameter('ExtendedConfig.RotationFunctionUrl', 'must not carry credentials.')
  if (url.protocol === 'https:') {
    // The Worker fetches this URL: never an address of the operator's own networks.
    if (internalAddress(url.hostname))
      throw invalidParameter('ExtendedConfig.RotationFunctionUrl', 'must not name a private, link-local or unspecified address.')
    return url
  }
  if (url.protocol === 'http:' && isLoopbackName(url.hostname)) return url
  throw invalidParameter('ExtendedConfig.RotationFunctionUrl', 'must be an https URL (http only on 127.0.0.1 in local mode).')
}

/** The HMAC signature header value of `body` at `timestamp` under `key`. */
export async function signRotationRequest(key: Uint8Array, timestamp: string, body: string): Promise<string> {
  const k = await crypto.subtle.importKey('raw', toArrayBuffer(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', k, toArrayBuffer(utf8(`${timestamp}.${body}`))))
  return `v1=${toHex(mac)}`
}

async function call(ctx: RotationContext, step: Step): Promise<Record<string, unknown>> {
  const url = parseUrl(ctx.config.RotationFunctionUrl)
  if (url.protocol !== 'https:' && !ctx.deps.allowLoopbackHttp) throw stepError(step, 'the rotation function URL is not https')
  if (isLoopbackHost(url.hostname) && !ctx.deps.allowLoopbackHttp)
    throw stepError(step, 'the rotation function URL names a loopback address')
  const signingName = ctx.config.RotationFunctionSigningSecretName as string
  const key = utf8(await ctx.readSecret(signingName))
  const body = JSON.stringify({
    Step: step,
    SecretName: ctx.secretName,
    ClientRequestToken: ctx.versionId,
    CurrentSecretData: ctx.current,
    ...(ctx.pending === undefined ? {} : { PendingSecretData: ctx.pending }),
  })
  const timestamp = String(Math.floor(ctx.deps.clock.now() / 1000))
  const signature = await signRotationRequest(key, timestamp, body)
  key.fill(0)
  const doFetch = ctx.deps.fetch ?? fetch
  let res: Response
  try {
    res = await doFetch(url.toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature, [TIMESTAMP_HEADER]: timestamp },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(ctx.deps.rotationFunctionTimeoutMs ?? ROTATION_FUNCTION_TIMEOUT_MS),
    })
  } catch (err) {
    const name = (err as Error)?.name
    throw stepError(
      step,
      name === 'TimeoutError' || name === 'AbortError' ? 'the rotation function timed out' : 'the rotation function is unreachable',
    )
  }
  let text: string
  try {
    text = await res.text()
  } catch {
    throw stepError(step, 'the rotation function timed out')
  }
  if (res.status < 200 || res.status > 299) throw stepError(step, `the rotation function answered HTTP ${res.status}`, res.status)
  if (text.length > MAX_RESPONSE_CHARS) throw stepError(step, 'the rotation function answer is too large')
  if (text.trim() === '') return {}
  try {
    const parsed = JSON.parse(text) as unknown
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {}
  } catch {
    throw stepError(step, 'the rotation function answer is not JSON')
  }
}

export const functionStrategy: RotationStrategy = {
  validate(config) {
    parseUrl(config.RotationFunctionUrl)
    const name = config.RotationFunctionSigningSecretName
    if (typeof name !== 'string' || name === '') {
      throw invalidParameter('ExtendedConfig.RotationFunctionSigningSecretName', 'is required with a RotationFunctionUrl.')
    }
    if (name.startsWith('acs:')) throw invalidParameter('ExtendedConfig.RotationFunctionSigningSecretName', 'must be a secret name.')
  },
  async createPending(ctx) {
    const out = await call(ctx, 'createSecret')
    const data = out.SecretData
    if (typeof data !== 'string' || data === '' || data.length > 30_720) {
      throw stepError('createSecret', 'the rotation function returned no SecretData')
    }
    return data
  },
  async setPending(ctx) {
    await call(ctx, 'setSecret')
  },
  async testPending(ctx) {
    await call(ctx, 'testSecret')
  },
  async finish(ctx) {
    await call(ctx, 'finishSecret')
  },
}
