/**
 * @module hsm-bridge/config
 *
 * Reads the bridge configuration from environment variables (see README.md for the table).
 * Secrets (PIN, HMAC secret) may come from files so they stay out of the process environment
 * of child processes and out of shell history.
 */

import { readFileSync } from 'node:fs'

import type { LogLevel } from './log.js'

export interface BridgeConfig {
  host: string
  port: number
  /** Path of the PKCS#11 shared library. */
  modulePath: string
  /** Token label to select; ignored for selection when `slot` is set (then only checked). */
  tokenLabel: string | undefined
  /** Slot ID as the module reports it (softhsm2-util prints these in decimal). */
  slot: bigint | undefined
  pin: string
  /** HMAC key shared with the Worker; at least 32 bytes of UTF-8. */
  secret: string
  poolSize: number
  opTimeoutMs: number
  /** Key-pair generation (RSA-4096 in particular) is much slower than any other operation. */
  generateTimeoutMs: number
  logLevel: LogLevel | 'silent'
}

/** A configuration problem; the message names the variable but never echoes its value. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

export const MIN_SECRET_BYTES = 32
const DEFAULT_TOKEN_LABEL = 'edge-kms'
const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const

type Env = Record<string, string | undefined>

/**
 * Builds the configuration from `env`.
 *
 * @throws {ConfigError} when a variable is missing, malformed or out of range.
 */
export function loadConfig(env: Env = process.env): BridgeConfig {
  const modulePath = nonEmpty(env, 'HSM_MODULE')
  if (modulePath === undefined) {
    throw new ConfigError('HSM_MODULE is required (path to the PKCS#11 library)')
  }

  const slotText = nonEmpty(env, 'HSM_SLOT')
  let slot: bigint | undefined
  if (slotText !== undefined) {
    if (!/^\d{1,20}$/.test(slotText)) throw new ConfigError('HSM_SLOT must be a decimal slot id')
    slot = BigInt(slotText)
  }
  const tokenLabel = nonEmpty(env, 'HSM_TOKEN_LABEL') ?? (slot === undefined ? DEFAULT_TOKEN_LABEL : undefined)
  if (tokenLabel !== undefined && tokenLabel.length > 32) {
    throw new ConfigError('HSM_TOKEN_LABEL must be at most 32 characters (CK_TOKEN_INFO.label)')
  }

  const pin = secretValue(env, 'HSM_PIN')
  const secret = secretValue(env, 'HSM_BRIDGE_SECRET')
  if (new TextEncoder().encode(secret).length < MIN_SECRET_BYTES) {
    throw new ConfigError(`HSM_BRIDGE_SECRET must be at least ${MIN_SECRET_BYTES} bytes`)
  }

  const logLevel = nonEmpty(env, 'HSM_BRIDGE_LOG_LEVEL') ?? 'info'
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`HSM_BRIDGE_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`)
  }

  return {
    host: nonEmpty(env, 'HSM_BRIDGE_HOST') ?? '127.0.0.1',
    port: integer(env, 'HSM_BRIDGE_PORT', 8790, 0, 65535),
    modulePath,
    tokenLabel,
    slot,
    pin,
    secret,
    poolSize: integer(env, 'HSM_POOL_SIZE', 4, 1, 64),
    opTimeoutMs: integer(env, 'HSM_OP_TIMEOUT_MS', 5000, 50, 600_000),
    generateTimeoutMs: integer(env, 'HSM_GENERATE_TIMEOUT_MS', 30_000, 50, 600_000),
    logLevel: logLevel as BridgeConfig['logLevel'],
  }
}

function nonEmpty(env: Env, name: string): string | undefined {
  const v = env[name]
  return v === undefined || v === '' ? undefined : v
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const text = nonEmpty(env, name)
  if (text === undefined) return fallback
  if (!/^\d{1,9}$/.test(text)) throw new ConfigError(`${name} must be a non-negative integer`)
  const n = Number(text)
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}`)
  return n
}

/** `NAME` or the contents of the file named by `NAME_FILE` (one trailing newline stripped). */
function secretValue(env: Env, name: string): string {
  const direct = nonEmpty(env, name)
  const file = nonEmpty(env, `${name}_FILE`)
  if (direct !== undefined && file !== undefined) {
    throw new ConfigError(`set only one of ${name} and ${name}_FILE`)
  }
  if (direct !== undefined) return direct
  if (file === undefined) throw new ConfigError(`${name} or ${name}_FILE is required`)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    throw new ConfigError(`${name}_FILE could not be read`)
  }
  text = text.replace(/\r?\n$/, '')
  if (text === '') throw new ConfigError(`${name}_FILE is empty`)
  return text
}
