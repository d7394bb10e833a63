/**
 * @module core/hsm-client/client
 *
 * The Worker-side client of hsm-bridge (see hsm-bridge/README.md for the protocol).
 * Runtime-agnostic: `fetch`, `AbortController` and WebCrypto only.
 *
 * Every request is signed with HMAC-SHA256 over
 * `METHOD\nPATH\nDATE_MS\nNONCE_HEX\nHEX(SHA-256(body))`, and every answer is accepted only with a
 * valid `x-bridge-response-signature` (HMAC over `response\nSTATUS\nNONCE\nHEX(SHA-256(body))`),
 * so nothing between the Worker and the bridge can forge a plaintext or a `valid: true`. The
 * HMAC does not encrypt: run the bridge on loopback or behind TLS.
 *
 * Failures become {@link KmsError}s: bridge Unavailable/Timeout, network errors and our own
 * timeout → `hsm.unavailable`; InvalidCiphertext → `crypto.invalidCiphertext`; KeyNotFound →
 * `key.notFound`; ValidationError/UnsupportedOperation → `validation.invalidParameter`; anything
 * else → `internal`. Messages never carry bridge text; the bridge's code and status go to
 * `cause`.
 */

import { fromBase64, toBase64 } from '../crypto/bytes'
import { invalidCiphertext, KmsError } from '../errors'
import { bridgeEndpoint, parseJson, signedCall, type BridgeEndpoint } from './signed-call'

export type HsmKeySpec =
  'AES_256' | 'RSA_2048' | 'RSA_3072' | 'RSA_4096' | 'EC_P256' | 'HMAC_SHA_224' | 'HMAC_SHA_256' | 'HMAC_SHA_384' | 'HMAC_SHA_512'
export type HsmMacAlgorithm = 'HMAC_SHA_224' | 'HMAC_SHA_256' | 'HMAC_SHA_384' | 'HMAC_SHA_512'
export type HsmSigningAlgorithm = 'RSA_PSS_SHA_256' | 'RSA_PKCS1_SHA_256' | 'ECDSA_SHA_256'
export type HsmOaepAlgorithm = 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256'

export interface HsmClientOptions {
  /** Origin of the bridge, e.g. `http://127.0.0.1:8790` (a path prefix is not supported). */
  baseUrl: string
  /** The bridge's HSM_BRIDGE_SECRET (at least 32 bytes of UTF-8). */
  secret: string
  /** Per-request deadline in ms (default 5000). */
  timeoutMs?: number
  /** Deadline for generateKey (default 60000; RSA-4096 generation can take seconds). */
  generateTimeoutMs?: number
  fetch?: typeof fetch
}

export interface HsmGeneratedKey {
  id: string
  spec: HsmKeySpec
  /** SubjectPublicKeyInfo DER, for asymmetric specs. */
  publicKeySpkiDer?: Uint8Array
}

export interface HsmHealth {
  status: 'ok' | 'unavailable'
  token?: string
}

export const HSM_UNAVAILABLE_MESSAGE = 'The HSM is temporarily unavailable. Retry the request.'

const KEY_SPECS: readonly string[] = [
  'AES_256',
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'EC_P256',
  'HMAC_SHA_224',
  'HMAC_SHA_256',
  'HMAC_SHA_384',
  'HMAC_SHA_512',
]
const DEFAULT_TIMEOUT_MS = 5000
const DEFAULT_GENERATE_TIMEOUT_MS = 60_000

type Json = Record<string, unknown>

/** The failure of one call, before it becomes a KmsError (kept as `cause`). */
interface BridgeFailure {
  status?: number
  code?: string
  reason: string
}

/**
 * Client for one hsm-bridge.
 *
 * @example
 * const hsm = new HsmBridgeClient({ baseUrl: env.HSM_BRIDGE_URL, secret: env.HSM_BRIDGE_SECRET })
 * const { iv, ciphertext } = await hsm.encrypt(versionId, plaintext, aad)
 */
export class HsmBridgeClient {
  private readonly hsmBridge: BridgeEndpoint
  private readonly timeoutMs: number
  private readonly generateTimeoutMs: number

  /**
   * @throws {TypeError} when baseUrl is not an http(s) origin or the secret is shorter than 32
   *   bytes.
   */
  constructor(options: HsmClientOptions) {
    this.hsmBridge = bridgeEndpoint('HsmBridgeClient', options, true)
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    this.generateTimeoutMs = Math.max(options.generateTimeoutMs ?? DEFAULT_GENERATE_TIMEOUT_MS, this.timeoutMs)
  }

  /**
   * Creates key material `id` (idempotent for the same spec).
   *
   * @throws {KmsError} hsm.unavailable, validation.invalidParameter, internal (also when the id
   *   exists with another spec).
   */
  async generateKey(id: string, spec: HsmKeySpec): Promise<HsmGeneratedKey> {
    const out = await this.call('/v1/keys/generate', { id, spec }, this.generateTimeoutMs)
    if (out.id !== id || typeof out.spec !== 'string' || !KEY_SPECS.includes(out.spec)) {
      throw malformed()
    }
    const key: HsmGeneratedKey = { id, spec: out.spec as HsmKeySpec }
    if (out.publicKeySpkiDer !== undefined) key.publicKeySpkiDer = bytes(out, 'publicKeySpkiDer')
    return key
  }

  /**
   * AES-256-GCM encryption inside the HSM; the bridge picks the 12-byte IV. `ciphertext` ends
   * with the 16-byte tag.
   *
   * @throws {KmsError} hsm.unavailable, key.notFound, validation.invalidParameter, internal.
   */
  async encrypt(id: string, plaintext: Uint8Array, aad: Uint8Array): Promise<{ iv: Uint8Array; ciphertext: Uint8Array }> {
    const out = await this.call('/v1/keys/encrypt', {
      id,
      plaintext: toBase64(plaintext),
      aad: toBase64(aad),
    })
    const iv = bytes(out, 'iv')
    const ciphertext = bytes(out, 'ciphertext')
    if (iv.length !== 12 || ciphertext.length !== plaintext.length + 16) throw malformed()
    return { iv, ciphertext }
  }

  /**
   * AES-256-GCM decryption inside the HSM.
   *
   * @throws {KmsError} crypto.invalidCiphertext, hsm.unavailable, key.notFound,
   *   validation.invalidParameter, internal.
   */
  async decrypt(id: string, iv: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    const out = await this.call('/v1/keys/decrypt', {
      id,
      iv: toBase64(iv),
      ciphertext: toBase64(ciphertext),
      aad: toBase64(aad),
    })
    const plaintext = bytes(out, 'plaintext')
    if (plaintext.length !== ciphertext.length - 16) throw malformed()
    return plaintext
  }

  /**
   * Signs a 32-byte SHA-256 digest. ECDSA signatures are DER.
   *
   * @throws {KmsError} hsm.unavailable, key.notFound, validation.invalidParameter, internal.
   */
  async sign(id: string, algorithm: HsmSigningAlgorithm, digest: Uint8Array): Promise<Uint8Array> {
    const out = await this.call('/v1/keys/sign', { id, algorithm, digest: toBase64(digest) })
    return bytes(out, 'signature')
  }

  /**
   * Verifies a signature over a 32-byte SHA-256 digest (ECDSA signatures as DER).
   *
   * @throws {KmsError} hsm.unavailable, key.notFound, validation.invalidParameter, internal.
   */
  async verify(id: string, algorithm: HsmSigningAlgorithm, digest: Uint8Array, signature: Uint8Array): Promise<boolean> {
    const out = await this.call('/v1/keys/verify', {
      id,
      algorithm,
      digest: toBase64(digest),
      signature: toBase64(signature),
    })
    return flag(out, 'valid')
  }

  /**
   * HMAC of `message` (1–4096 bytes) with the generic-secret key `id`: the full-length tag.
   *
   * @throws {KmsError} hsm.unavailable, key.notFound, validation.invalidParameter, internal.
   */
  async generateMac(id: string, algorithm: HsmMacAlgorithm, message: Uint8Array): Promise<Uint8Array> {
    const out = await this.call('/v1/keys/mac', { id, algorithm, message: toBase64(message) })
    return bytes(out, 'mac')
  }

  /**
   * Whether `mac` is the full-length HMAC of `message`, checked by the HSM (C_Verify). The
   * bridge refuses a tag of the wrong length as a validation error.
   *
   * @throws {KmsError} hsm.unavailable, key.notFound, validation.invalidParameter, internal.
   */
  async verifyMac(id: string, algorithm: HsmMacAlgorithm, message: Uint8Array, mac: Uint8Array): Promise<boolean> {
    const out = await this.call('/v1/keys/verify-mac', {
      id,
      algorithm,
      message: toBase64(message),
      mac: toBase64(mac),
    })
    return flag(out, 'valid')
  }

  /**
   * RSAES-OAEP decryption with the private key `id`.
   *
   * @throws {KmsError} crypto.invalidCiphertext, hsm.unavailable, key.notFound,
   *   validation.invalidParameter, internal.
   */
  async asymmetricDecrypt(id: string, algorithm: HsmOaepAlgorithm, ciphertext: Uint8Array): Promise<Uint8Array> {
    const out = await this.call('/v1/keys/asymmetric-decrypt', {
      id,
      algorithm,
      ciphertext: toBase64(ciphertext),
    })
    return bytes(out, 'plaintext')
  }

  /**
   * The SubjectPublicKeyInfo DER of an asymmetric key.
   *
   * @throws {KmsError} hsm.unavailable, key.notFound, validation.invalidParameter, internal.
   */
  async getPublicKey(id: string): Promise<Uint8Array> {
    const out = await this.call('/v1/keys/public-key', { id })
    return bytes(out, 'publicKeySpkiDer')
  }

  /**
   * Destroys every object of key `id`; false when there was nothing to destroy.
   *
   * @throws {KmsError} hsm.unavailable, validation.invalidParameter, internal.
   */
  async destroyKey(id: string): Promise<boolean> {
    const out = await this.call('/v1/keys/destroy', { id })
    return flag(out, 'destroyed')
  }

  /**
   * Ids of all key material the bridge created on its token.
   *
   * @throws {KmsError} hsm.unavailable, internal.
   */
  async listKeys(): Promise<string[]> {
    const out = await this.call('/v1/keys/list', {})
    const ids = out.ids
    if (!Array.isArray(ids) || !ids.every((x): x is string => typeof x === 'string')) {
      throw malformed()
    }
    return ids
  }

  /**
   * The bridge's health. Never throws: any failure reads as unavailable. (Health is
   * unauthenticated and unsigned; use it for monitoring, not for decisions about data.)
   *
   * @throws never
   */
  async health(): Promise<HsmHealth> {
    try {
      const res = await this.withDeadline(this.timeoutMs, (signal) =>
        this.hsmBridge.fetchFn(`${this.hsmBridge.baseUrl}/v1/health`, { method: 'GET', signal }).then(async (r) => ({
          status: r.status,
          body: await r.text(),
        })),
      )
      const parsed = JSON.parse(res.body) as unknown
      if (typeof parsed !== 'object' || parsed === null) return { status: 'unavailable' }
      const token = (parsed as Json).token
      return {
        status: res.status === 200 && (parsed as Json).status === 'ok' ? 'ok' : 'unavailable',
        ...(typeof token === 'string' ? { token } : {}),
      }
    } catch {
      return { status: 'unavailable' }
    }
  }

  private async call(path: string, payload: Json, timeoutMs = this.timeoutMs): Promise<Json> {
    const answer = await signedCall(this.hsmBridge, path, payload, timeoutMs)
    if (answer.network) {
      const err = answer.error
      const reason = err instanceof Error ? `network: ${err.name}` : 'network'
      throw unavailableError({ reason }, err)
    }
    const { status, body: responseBody } = answer

    if (!answer.authentic) {
      // Unsigned answers come from something other than the bridge (a proxy, or the bridge
      // before authentication); they can only ever mean "failed".
      const failure = { status, reason: 'unsigned or mis-signed response' }
      const gateway = status === 502 || status === 503 || status === 504
      throw gateway ? unavailableError(failure) : internal(failure)
    }

    const json = parseJson(responseBody)
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw malformed()
    if (status === 200) return json as Json
    throw toKmsError(status, json as Json)
  }

  private async withDeadline<T>(timeoutMs: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), timeoutMs)
    try {
      return await fn(controller.signal)
    } finally {
      clearTimeout(timer)
    }
  }
}

function bytes(out: Json, field: string): Uint8Array {
  const value = out[field]
  const decoded = typeof value === 'string' ? fromBase64(value) : undefined
  if (decoded === undefined) throw malformed()
  return decoded
}

function flag(out: Json, field: string): boolean {
  const value = out[field]
  if (typeof value !== 'boolean') throw malformed()
  return value
}

function toKmsError(status: number, json: Json): KmsError {
  const error = json.error
  const code =
    typeof error === 'object' && error !== null && typeof (error as Json).code === 'string' ? ((error as Json).code as string) : undefined
  const failure: BridgeFailure = {
    status,
    reason: 'bridge error',
    ...(code === undefined ? {} : { code }),
  }
  switch (code) {
    case 'Unavailable':
    case 'Timeout':
      return unavailableError(failure)
    case 'InvalidCiphertext':
      return invalidCiphertext(failure)
    case 'KeyNotFound':
      return new KmsError('key.notFound', 'The specified key does not exist.', { cause: failure })
    case 'ValidationError':
    case 'UnsupportedOperation':
      return new KmsError('validation.invalidParameter', 'The request is not valid for this key or operation.', { cause: failure })
    default:
      return internal(failure)
  }
}

function unavailableError(failure: BridgeFailure, err?: unknown): KmsError {
  return new KmsError('hsm.unavailable', HSM_UNAVAILABLE_MESSAGE, {
    cause: err === undefined ? failure : { ...failure, error: err },
  })
}

function internal(failure: BridgeFailure): KmsError {
  return new KmsError('internal', 'Internal error.', { cause: failure })
}

function malformed(): KmsError {
  return internal({ reason: 'malformed bridge response' })
}
