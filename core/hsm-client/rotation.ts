/**
 * @module core/hsm-client/rotation
 *
 * Worker-side client of the hsm-bridge rotation routes (`/v1/rotation/*`, see
 * hsm-bridge/src/rotation/). Workers cannot speak SSH, and the database drivers would need
 * `cloudflare:sockets`; the bridge holds every connection to a secret's database or host, so
 * there is one path, one allow-list of targets and one place with timeouts.
 *
 * Same protocol as {@link HsmBridgeClient}: each request HMAC-signed
 * (`METHOD\nPATH\nDATE_MS\nNONCE_HEX\nHEX(SHA-256(body))`), each answer accepted only with a valid
 * `x-bridge-response-signature`. A connector that cannot reach, log in to or change its target
 * answers an {@link RotationOutcome} with `ok: false`; so does a bridge that cannot be reached
 * (`bridgeUnavailable`). Only a request the bridge calls malformed throws
 * (validation.invalidParameter), and an unsigned or malformed answer (internal).
 *
 * Requests carry passwords and private keys; nothing here logs, and errors never carry bridge
 * text or request fields.
 */

import { KmsError } from '../errors'
import { bridgeEndpoint, parseJson, signedCall, type BridgeEndpoint } from './signed-call'

export type RotationFailureReason = 'unreachable' | 'timeout' | 'authFailed' | 'hostKeyMismatch' | 'denied' | 'failed' | 'bridgeUnavailable'

export type RotationOutcome = { ok: true; created?: boolean } | { ok: false; reason: RotationFailureReason; code?: string }

export interface DbLogin {
  user: string
  password: string
}

export interface PgSetPasswordRequest {
  host: string
  port: number
  database: string
  /** Who logs in to make the change: the account itself or an admin. */
  login: DbLogin
  user: string
  newPassword: string
  /** Create `user` (LOGIN, member of this role) when missing. */
  memberOf?: string
}

export interface PgTestLoginRequest {
  host: string
  port: number
  database: string
  user: string
  password: string
}

export interface MysqlSetPasswordRequest {
  host: string
  port: number
  login: DbLogin
  user: string
  /** Host part of the account, default `%`. */
  accountHost?: string
  newPassword: string
  /** Create `user` with the grants of this account when missing. */
  cloneOf?: string
}

export interface MysqlTestLoginRequest {
  host: string
  port: number
  user: string
  password: string
  database?: string
}

export interface SshCredential {
  user: string
  password?: string
  privateKey?: string
}

export interface SshEndpoint {
  host: string
  port: number
  /** `SHA256:…` as `ssh-keygen -l -E sha256` prints it. */
  hostKeyFingerprint: string
}

export interface SshSetPasswordRequest extends SshEndpoint {
  login: SshCredential
  user: string
  newPassword: string
}

export interface SshAuthorizeKeyRequest extends SshEndpoint {
  login: SshCredential
  /** An OpenSSH public key line to add to the login's ~/.ssh/authorized_keys. */
  add?: string
  /** Public key lines to remove from it. */
  remove?: string[]
}

export type SshTestLoginRequest = SshEndpoint & SshCredential

export interface RotationClientOptions {
  /** Origin of the bridge, e.g. `http://127.0.0.1:8790`. */
  baseUrl: string
  /** HSM_BRIDGE_SECRET (≥ 32 bytes of UTF-8). */
  secret: string
  /** Per-request deadline in ms (default 30000: a connector may wait 15 s on its target). */
  timeoutMs?: number
  fetch?: typeof fetch
}

/** The bridge operations a rotation strategy uses (an interface so tests can stand in). */
export interface RotationConnectors {
  postgresSetPassword(req: PgSetPasswordRequest): Promise<RotationOutcome>
  postgresTestLogin(req: PgTestLoginRequest): Promise<RotationOutcome>
  mysqlSetPassword(req: MysqlSetPasswordRequest): Promise<RotationOutcome>
  mysqlTestLogin(req: MysqlTestLoginRequest): Promise<RotationOutcome>
  sshSetPassword(req: SshSetPasswordRequest): Promise<RotationOutcome>
  sshAuthorizeKey(req: SshAuthorizeKeyRequest): Promise<RotationOutcome>
  sshTestLogin(req: SshTestLoginRequest): Promise<RotationOutcome>
  sshGenerateKey(comment?: string): Promise<{ publicKey: string; privateKey: string }>
}

const REASONS: readonly string[] = ['unreachable', 'timeout', 'authFailed', 'hostKeyMismatch', 'denied', 'failed']

type Json = Record<string, unknown>

/**
 * @example
 * const bridge = new RotationBridgeClient({ baseUrl: env.HSM_BRIDGE_URL, secret: env.HSM_BRIDGE_SECRET })
 * const out = await bridge.postgresTestLogin({ host, port, database, user, password })
 */
export class RotationBridgeClient implements RotationConnectors {
  private readonly hsmBridge: BridgeEndpoint
  private readonly timeoutMs: number

  /**
   * @throws {TypeError} when baseUrl is not an http(s) origin or the secret is too short.
   */
  constructor(options: RotationClientOptions) {
    this.hsmBridge = bridgeEndpoint('RotationBridgeClient', options)
    this.timeoutMs = options.timeoutMs ?? 30_000
  }

  /** @throws {KmsError} validation.invalidParameter, internal */
  postgresSetPassword(req: PgSetPasswordRequest): Promise<RotationOutcome> {
    return this.outcome('/v1/rotation/postgres/set-password', req)
  }

  /** @throws {KmsError} validation.invalidParameter, internal */
  postgresTestLogin(req: PgTestLoginRequest): Promise<RotationOutcome> {
    return this.outcome('/v1/rotation/postgres/test-login', req)
  }

  /** @throws {KmsError} validation.invalidParameter, internal */
  mysqlSetPassword(req: MysqlSetPasswordRequest): Promise<RotationOutcome> {
    return this.outcome('/v1/rotation/mysql/set-password', req)
  }

  /** @throws {KmsError} validation.invalidParameter, internal */
  mysqlTestLogin(req: MysqlTestLoginRequest): Promise<RotationOutcome> {
    return this.outcome('/v1/rotation/mysql/test-login', req)
  }

  /** @throws {KmsError} validation.invalidParameter, internal */
  sshSetPassword(req: SshSetPasswordRequest): Promise<RotationOutcome> {
    return this.outcome('/v1/rotation/ssh/set-password', req)
  }

  /** @throws {KmsError} validation.invalidParameter, internal */
  sshAuthorizeKey(req: SshAuthorizeKeyRequest): Promise<RotationOutcome> {
    return this.outcome('/v1/rotation/ssh/authorize-key', req)
  }

  /** @throws {KmsError} validation.invalidParameter, internal */
  sshTestLogin(req: SshTestLoginRequest): Promise<RotationOutcome> {
    return this.outcome('/v1/rotation/ssh/test-login', req)
  }

  /**
   * A new Ed25519 key pair (OpenSSH formats), generated by the bridge.
   *
   * @throws {KmsError} hsm.unavailable (bridge unreachable), validation.invalidParameter, internal
   */
  async sshGenerateKey(comment?: string): Promise<{ publicKey: string; privateKey: string }> {
    const out = await this.call('/v1/rotation/ssh/generate-key', comment === undefined ? {} : { comment })
    if (out === 'unavailable') {
      throw new KmsError('hsm.unavailable', 'The rotation bridge is temporarily unavailable.')
    }
    if (typeof out.publicKey !== 'string' || typeof out.privateKey !== 'string') throw malformed()
    return { publicKey: out.publicKey, privateKey: out.privateKey }
  }

  private async outcome(path: string, req: object): Promise<RotationOutcome> {
    const out = await this.call(path, req as Json)
    if (out === 'unavailable') return { ok: false, reason: 'bridgeUnavailable' }
    if (out.ok === true) return out.created === true ? { ok: true, created: true } : { ok: true }
    if (out.ok === false && typeof out.reason === 'string' && REASONS.includes(out.reason)) {
      const code = typeof out.code === 'string' ? out.code.slice(0, 64) : undefined
      return { ok: false, reason: out.reason as RotationFailureReason, ...(code === undefined ? {} : { code }) }
    }
    throw malformed()
  }

  private async call(path: string, payload: Json): Promise<Json | 'unavailable'> {
    const answer = await signedCall(this.hsmBridge, path, payload, this.timeoutMs)
    if (answer.network) return 'unavailable'
    const { status, body: responseBody } = answer
    if (!answer.authentic) {
      if (status === 502 || status === 503 || status === 504) return 'unavailable'
      throw new KmsError('internal', 'Internal error.', { cause: { status, reason: 'unsigned or mis-signed response' } })
    }
    const json = parseJson(responseBody)
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw malformed()
    if (status === 200) return json as Json
    if (status === 503 || status === 504) return 'unavailable'
    const error = (json as Json).error
    const code = typeof error === 'object' && error !== null ? (error as Json).code : undefined
    if (code === 'ValidationError') {
      throw new KmsError('validation.invalidParameter', 'The rotation settings of this secret are not valid.', {
        cause: { status, code },
      })
    }
    throw new KmsError('internal', 'Internal error.', { cause: { status, code } })
  }
}

function malformed(): KmsError {
  return new KmsError('internal', 'Internal error.', { cause: { reason: 'malformed bridge response' } })
}
