/**
 * @module core/hsm-client/xks
 *
 * The Worker's way to an external key store proxy (XKS v1): every call goes to the hsm-bridge's
 * `POST /v1/xks/call` (hsm-bridge/src/xks/routes.ts), signed like every bridge request (HMAC
 * over `METHOD\nPATH\nDATE_MS\nNONCE_HEX\nHEX(SHA-256(body))`, answers accepted only with a valid
 * `x-bridge-response-signature`), and the bridge speaks XKS to the proxy: SigV4 (service
 * `kms-xks-proxy`), a per-attempt deadline, bounded retries.
 *
 * The store's SigV4 secret never leaves the Worker: it sends the bridge only the *day signing
 * key* (HMAC chain of secret, date, region, `kms-xks-proxy`, `aws4_request`), valid for that
 * UTC day, region and service.
 *
 * Outcomes → KmsErrors (one documented code each; README "External keys"):
 *
 * | What happened | KmsError | Alibaba |
 * |---|---|---|
 * | bridge or proxy unreachable, past the deadline, 5xx/429 after retries, malformed answer | `hsm.unavailable` | 503 ServiceUnavailableTemporary |
 * | proxy 401/403 (credential refused) | `key.invalidState` ("…rejected the credential") | 409 |
 * | proxy KeyNotFoundException | `key.invalidState` ("…not found in the external key manager") | 409 |
 * | proxy InvalidStateException (key disabled in the EKM) | `key.invalidState` ("…disabled in the external key manager") | 409 |
 * | proxy InvalidCiphertextException | `crypto.invalidCiphertext` | 400 |
 * | any other 4xx (ValidationException, InvalidUriPathException, …) | `internal` | 500 |
 */

import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'

import { fromBase64, toBase64, utf8 } from '../crypto/bytes'
import { invalidCiphertext, KmsError } from '../errors'
import { bridgeEndpoint, parseJson, signedCall, type BridgeEndpoint } from './signed-call'

/** Where and how to reach one external key store's proxy. */
export interface XksEndpoint {
  /** `https://host[:port]` (or `http://` on loopback). */
  proxyUrl: string
  /** `""` or `/…` (the part before `/kms/xks/v1`). */
  uriPrefix: string
  accessKeyId: string
  /** The SigV4 secret (unwrapped for this call only). */
  secretAccessKey: string
  region: string
}

/** What the KMS tells the proxy about a call (the spec's requestMetadata). */
export interface XksRequestMetadata {
  awsPrincipalArn: string
  kmsOperation: string
  kmsRequestId: string
  kmsKeyArn?: string
}

export interface XksKeyMetadata {
  keySpec: string
  keyUsage: string[]
  keyStatus: string
}

export interface XksCiphertext {
  ciphertext: Uint8Array
  iv: Uint8Array
  tag: Uint8Array
  /** ≤ 20 bytes, when the proxy returned one. */
  metadata: Uint8Array
}

export interface XksHealth {
  healthy: boolean
}

export interface XksClientOptions {
  /** The hsm-bridge origin. */
  baseUrl: string
  secret: string
  /**
   * Deadline of the whole call at the bridge (default 2000 ms; the Worker waits 500 ms more), kept
   * under the SDKs' own connect/read timeouts (~3 s) so that a hung proxy is answered with a 503.
   */
  deadlineMs?: number
  /** Per proxy attempt (default 1500 ms). */
  attemptTimeoutMs?: number
  /** Extra attempts on network errors, 429, 500, 503 (default 2). */
  retries?: number
  fetch?: typeof fetch
}

export const XKS_UNAVAILABLE_MESSAGE = 'The external key store proxy is unavailable. Retry the request.'

type Json = Record<string, unknown>

/** `yyyymmdd` (UTC) of `ms`. */
function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replaceAll('-', '')
}

/**
 * The SigV4 day signing key for the XKS service.
 *
 * @throws never
 */
export function xksSigningKey(secret: string, date: string, region: string): Uint8Array {
  const kDate = hmac(sha256, utf8(`AWS4${secret}`), utf8(date))
  const kRegion = hmac(sha256, kDate, utf8(region))
  const kService = hmac(sha256, kRegion, utf8('kms-xks-proxy'))
  return hmac(sha256, kService, utf8('aws4_request'))
}

function unavailable(cause: unknown): KmsError {
  return new KmsError('hsm.unavailable', XKS_UNAVAILABLE_MESSAGE, { cause })
}

/**
 * Client of the bridge's XKS forwarding route.
 */
export class XksClient {
  private readonly hsmBridge: BridgeEndpoint
  private readonly deadlineMs: number
  private readonly attemptTimeoutMs: number
  private readonly retries: number

  /** @throws {TypeError} for a malformed origin or a short secret. */
  constructor(options: XksClientOptions) {
    this.hsmBridge = bridgeEndpoint('XksClient', options)
    this.deadlineMs = options.deadlineMs ?? 2000
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 1500
    this.retries = options.retries ?? 2
  }

  /** GetHealthStatus. @throws {KmsError} see the module table. */
  async health(endpoint: XksEndpoint, md: Pick<XksRequestMetadata, 'kmsOperation' | 'kmsRequestId'>): Promise<XksHealth> {
    const body = await this.call(endpoint, 'health', undefined, {
      requestMetadata: { kmsRequestId: md.kmsRequestId, kmsOperation: md.kmsOperation },
    })
    const fleet = body.ekmFleetDetails
    const healthy = Array.isArray(fleet) && fleet.some((f) => typeof f === 'object' && f !== null && (f as Json).healthStatus === 'ACTIVE')
    return { healthy }
  }

  /** GetKeyMetadata. @throws {KmsError} */
  async metadata(endpoint: XksEndpoint, externalKeyId: string, md: XksRequestMetadata): Promise<XksKeyMetadata> {
    const body = await this.call(endpoint, 'metadata', externalKeyId, { requestMetadata: md })
    if (typeof body.keySpec !== 'string' || typeof body.keyStatus !== 'string' || !Array.isArray(body.keyUsage)) {
      throw unavailable({ reason: 'malformed metadata' })
    }
    return { keySpec: body.keySpec, keyStatus: body.keyStatus, keyUsage: body.keyUsage.filter((u): u is string => typeof u === 'string') }
  }

  /** Encrypt (AES_GCM). @throws {KmsError} */
  async encrypt(
    endpoint: XksEndpoint,
    externalKeyId: string,
    md: XksRequestMetadata,
    plaintext: Uint8Array,
    aad: Uint8Array,
  ): Promise<XksCiphertext> {
    const body = await this.call(endpoint, 'encrypt', externalKeyId, {
      requestMetadata: md,
      plaintext: toBase64(plaintext),
      encryptionAlgorithm: 'AES_GCM',
      ...(aad.length > 0 ? { additionalAuthenticatedData: toBase64(aad) } : {}),
    })
    const ciphertext = b64(body.ciphertext)
    const iv = b64(body.initializationVector)
    const tag = b64(body.authenticationTag)
    const metadata = body.ciphertextMetadata === undefined ? new Uint8Array(0) : b64(body.ciphertextMetadata)
    if (
      ciphertext === undefined ||
      iv === undefined ||
      tag === undefined ||
      metadata === undefined ||
      ciphertext.length !== plaintext.length ||
      iv.length !== 12 ||
      tag.length !== 16 ||
      metadata.length > 20
    ) {
      // Not what an AES-GCM proxy returns: never store it as a ciphertext.
      throw unavailable({ reason: 'malformed encrypt answer' })
    }
    return { ciphertext, iv, tag, metadata }
  }

  /** Decrypt (AES_GCM). @throws {KmsError} */
  async decrypt(
    endpoint: XksEndpoint,
    externalKeyId: string,
    md: XksRequestMetadata,
    c: XksCiphertext,
    aad: Uint8Array,
    expectedLength: number,
  ): Promise<Uint8Array> {
    const body = await this.call(endpoint, 'decrypt', externalKeyId, {
      requestMetadata: md,
      ciphertext: toBase64(c.ciphertext),
      initializationVector: toBase64(c.iv),
      authenticationTag: toBase64(c.tag),
      encryptionAlgorithm: 'AES_GCM',
      ...(c.metadata.length > 0 ? { ciphertextMetadata: toBase64(c.metadata) } : {}),
      ...(aad.length > 0 ? { additionalAuthenticatedData: toBase64(aad) } : {}),
    })
    const plaintext = b64(body.plaintext)
    if (plaintext === undefined || plaintext.length !== expectedLength) throw unavailable({ reason: 'malformed decrypt answer' })
    return plaintext
  }

  private async call(endpoint: XksEndpoint, operation: string, externalKeyId: string | undefined, payload: Json): Promise<Json> {
    const now = Date.now()
    const scopeDate = day(now)
    const key = xksSigningKey(endpoint.secretAccessKey, scopeDate, endpoint.region)
    const request = {
      proxyUrl: endpoint.proxyUrl,
      uriPrefix: endpoint.uriPrefix,
      accessKeyId: endpoint.accessKeyId,
      region: endpoint.region,
      scopeDate,
      signingKey: toBase64(key),
      operation,
      ...(externalKeyId === undefined ? {} : { externalKeyId }),
      payload,
      attemptTimeoutMs: this.attemptTimeoutMs,
      deadlineMs: this.deadlineMs,
      retries: this.retries,
    }
    key.fill(0)
    const answer = await this.bridge('/v1/xks/call', request)
    const outcome = answer.outcome
    if (outcome !== 'answered') throw unavailable({ reason: `proxy ${String(outcome)}` })
    const status = answer.status
    const body = answer.body
    if (typeof status !== 'number' || typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw unavailable({ reason: 'malformed bridge answer' })
    }
    if (status === 200) return body as Json
    const errorName = (body as Json).errorName
    const failure = { reason: 'proxy error', status, errorName }
    if (status >= 500 || status === 429) throw unavailable(failure)
    switch (errorName) {
      case 'AuthenticationFailedException':
      case 'AccessDeniedException':
        throw new KmsError('key.invalidState', 'The external key store proxy rejected the credential.', { cause: failure })
      case 'KeyNotFoundException':
        throw new KmsError('key.invalidState', 'The external key is not found in the external key manager.', { cause: failure })
      case 'InvalidStateException':
        throw new KmsError('key.invalidState', 'The external key is disabled in the external key manager.', { cause: failure })
      case 'InvalidCiphertextException':
        throw invalidCiphertext(failure)
      default:
        if (status === 401 || status === 403) {
          throw new KmsError('key.invalidState', 'The external key store proxy rejected the credential.', { cause: failure })
        }
        throw new KmsError('internal', 'Internal error.', { cause: failure })
    }
  }

  private async bridge(path: string, payload: Json): Promise<Json> {
    const answer = await signedCall(this.hsmBridge, path, payload, this.deadlineMs + 500)
    if (answer.network) {
      const err = answer.error
      throw unavailable({ reason: `bridge network: ${err instanceof Error ? err.name : 'error'}` })
    }
    const { status, body: responseBody } = answer
    if (!answer.authentic) {
      if (status === 502 || status === 503 || status === 504) throw unavailable({ reason: 'bridge unavailable', status })
      throw new KmsError('internal', 'Internal error.', { cause: { reason: 'unsigned bridge response', status } })
    }
    const json = parseJson(responseBody)
    if (json === undefined) throw new KmsError('internal', 'Internal error.', { cause: { reason: 'malformed bridge response' } })
    if (typeof json !== 'object' || json === null) throw new KmsError('internal', 'Internal error.')
    if (status === 200) return json as Json
    if (status === 503 || status === 504) throw unavailable({ reason: 'bridge unavailable', status })
    throw new KmsError('internal', 'Internal error.', {
      cause: { reason: 'bridge refused', status, code: (json as { error?: { code?: string } }).error?.code },
    })
  }
}

function b64(v: unknown): Uint8Array | undefined {
  return typeof v === 'string' ? fromBase64(v) : undefined
}
