/**
 * @module hsm-bridge/rotation/common
 *
 * What the rotation connectors share: request-field checks (closed field sets, bounded lengths,
 * error messages that name a field and never echo its value), the target allow-list, the
 * outcome every connector answers with, and the deadline wrapper.
 *
 * Connectors never put a driver's message, a password or a key into an outcome, a log line or an
 * error: a failure is a fixed `reason` plus, at most, a machine code (SQLSTATE, errno, exit
 * status). Driver messages can echo SQL text, and SQL text can hold a password.
 */

import { isIP } from 'node:net'

import { validationError } from '../errors.js'
import type { Body } from '../validate.js'
import { allowOnly } from '../validate.js'

/** Why a connector call did not succeed. */
export type FailureReason =
  /** DNS failure, connection refused or reset before the protocol started. */
  | 'unreachable'
  /** No answer within the deadline. */
  | 'timeout'
  /** The server refused the credential. */
  | 'authFailed'
  /** The SSH host key does not have the pinned fingerprint. */
  | 'hostKeyMismatch'
  /** Logged in, but the change was refused (privileges, unknown account, policy). */
  | 'denied'
  /** Anything else (protocol error, unexpected exit status). */
  | 'failed'

export type Outcome = { ok: true; created?: boolean } | { ok: false; reason: FailureReason; code?: string }

export const DEFAULT_CONNECT_TIMEOUT_MS = 8000
export const DEFAULT_OPERATION_TIMEOUT_MS = 15_000

/** The longest password (or new password) a connector accepts. */
export const MAX_PASSWORD = 256

/** What every connector is configured with (rotation/routes.ts builds it once). */
export interface ConnectorOptions {
  allowed: readonly string[]
  connectTimeoutMs?: number
  operationTimeoutMs?: number
}

const HOST_PATTERN = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/

/**
 * Hosts the connectors may reach: `HSM_BRIDGE_ROTATION_TARGETS`, comma-separated `host` or
 * `host:port` entries, or `*` for any. Default: loopback only. The Worker passes whatever a
 * secret's ExtendedConfig names, so the list is what stops a tenant from making the bridge dial
 * arbitrary internal addresses.
 */
export function allowedTargets(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  const raw = env.HSM_BRIDGE_ROTATION_TARGETS ?? '127.0.0.1,::1,localhost'
  return raw
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '')
}

/**
 * @throws never
 */
export function targetAllowed(host: string, port: number, allowed: readonly string[]): boolean {
  const h = host.toLowerCase()
  return allowed.some((entry) => {
    if (entry === '*') return true
    if (entry === h) return true
    return entry === `${h}:${port}` || entry === `[${h}]:${port}`
  })
}

export interface Target {
  host: string
  port: number
}

/**
 * `host` and `port` of a request, checked against the allow-list.
 *
 * @throws {BridgeError} ValidationError (bad or disallowed target).
 */
export function targetFields(body: Body, allowed: readonly string[]): Target {
  const host = body.host
  if (typeof host !== 'string' || (!HOST_PATTERN.test(host) && isIP(host) === 0)) {
    throw validationError('host', 'must be a host name or an IP address')
  }
  const port = body.port
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw validationError('port', 'must be an integer from 1 to 65535')
  }
  if (!targetAllowed(host, port, allowed)) {
    throw validationError('host', 'is not among the targets this bridge may reach (HSM_BRIDGE_ROTATION_TARGETS)')
  }
  return { host, port }
}

/**
 * A required string field of 1..max characters without NUL, CR or LF.
 *
 * @throws {BridgeError} ValidationError.
 */
export function stringField(body: Body, name: string, max: number, pattern?: RegExp): string {
  const v = Object.hasOwn(body, name) ? body[name] : undefined
  if (typeof v !== 'string' || v.length === 0 || v.length > max || /[\0\r\n]/.test(v)) {
    throw validationError(name, `must be a string of 1 to ${max} characters without line breaks`)
  }
  if (pattern !== undefined && !pattern.test(v)) throw validationError(name, 'has an invalid format')
  return v
}

/**
 * An optional string field (see {@link stringField}).
 *
 * @throws {BridgeError} ValidationError.
 */
export function optionalStringField(body: Body, name: string, max: number, pattern?: RegExp): string | undefined {
  if (!Object.hasOwn(body, name) || body[name] === undefined) return undefined
  return stringField(body, name, max, pattern)
}

/**
 * A nested object field.
 *
 * @throws {BridgeError} ValidationError.
 */
export function objectField(body: Body, name: string): Body {
  const v = Object.hasOwn(body, name) ? body[name] : undefined
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw validationError(name, 'must be an object')
  }
  return v as Body
}

/** A database login: `{user, password}`. */
export interface Login {
  user: string
  password: string
}

/**
 * The `login` object of a database set-password request: exactly `user` (up to `userMax`
 * characters matching `userPattern`) and `password`.
 *
 * @throws {BridgeError} ValidationError.
 */
export function loginField(body: Body, userMax: number, userPattern: RegExp): Login {
  const login = objectField(body, 'login')
  allowOnly(login, ['user', 'password'])
  return {
    user: stringField(login, 'user', userMax, userPattern),
    password: stringField(login, 'password', MAX_PASSWORD),
  }
}

/**
 * Runs `fn` with a deadline; on expiry `onTimeout` is called (to destroy sockets) and the result
 * is a `timeout` outcome.
 *
 * @throws never (when `fn` never throws)
 */
export async function withDeadline(ms: number, fn: () => Promise<Outcome>, onTimeout: () => void): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => {
      onTimeout()
      resolve({ ok: false, reason: 'timeout' })
    }, ms)
  })
  try {
    return await Promise.race([fn(), expired])
  } finally {
    clearTimeout(timer)
  }
}

/** Errno codes that mean the target could not be reached. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'EPIPE',
])

/**
 * The outcome of a socket-level error, or undefined when it is not one.
 *
 * @throws never
 */
export function socketFailure(err: unknown): Outcome | undefined {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code !== 'string') return undefined
  if (UNREACHABLE.has(code)) return { ok: false, reason: 'unreachable', code }
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') return { ok: false, reason: 'timeout', code }
  return undefined
}
