/**
 * @module core/domain/secrets/rotation/strategies/managed-common
 *
 * What the Rds and ECS strategies share: the context they expect from the rotation engine, the
 * failure they throw, field checks for ExtendedConfig and SecretData (4xx `InvalidParameter`
 * naming the field, never echoing a value), the admin-secret reader and new passwords.
 *
 * Every connection to a database or host runs in the hsm-bridge (core/hsm-client/rotation.ts):
 * a strategy only decides what to change and with which login.
 */
import type { RandomSource } from '../../../../crypto/random'
import { invalidParameter, KmsError } from '../../../../errors'
import type { RotationConnectors, RotationFailureReason, RotationOutcome } from '../../../../hsm-client/rotation'
import { generateRandomPassword } from '../../random-password'

/**
 * The step context a managed strategy needs. Values are SecretData texts of the secret's versions.
 */
export interface ManagedRotationContext {
  secretName: string
  /** The secret's parsed ExtendedConfig. */
  config: Record<string, unknown>
  /** ACSCurrent's SecretData. */
  current: string
  /** ACSPrevious's SecretData, when there is one. */
  previous?: string
  /** The pending version's SecretData (from createPending), for set/test/finish. */
  pending?: string
  /** ACSCurrent SecretData of another secret of the same account (AdminSecretName). */
  readSecret(name: string): Promise<string>
  random?: RandomSource
  /** The engine's dependencies; the bridge client is `deps.rotationBridge` (functions/deps.ts). */
  deps?: object
}

/** A rotation strategy as the engine drives it: create-pending → set → test → (move) → finish. */
export interface ManagedRotationStrategy {
  readonly secretType: 'Rds' | 'ECS'
  /** @throws {KmsError} validation.invalidParameter (4xx) for a bad ExtendedConfig or SecretData. */
  validate(config: Record<string, unknown>, data: string): void
  /** @returns the pending version's SecretData. */
  createPending(ctx: ManagedRotationContext): Promise<string>
  setPending(ctx: ManagedRotationContext): Promise<void>
  testPending(ctx: ManagedRotationContext): Promise<void>
  finish?(ctx: ManagedRotationContext): Promise<void>
  /** The engine gave up before the move: undo what setPending changed on the target. */
  rollback?(ctx: ManagedRotationContext): Promise<void>
}

export interface ManagedStrategyDeps {
  /** The bridge connectors for this rotation, or undefined when no bridge is configured. */
  connectors: (ctx: ManagedRotationContext) => RotationConnectors | undefined
}

/** The default: the `rotationBridge` the Worker puts into the engine's deps when HSM_BRIDGE_URL is set. */
export const bridgeFromDeps: ManagedStrategyDeps = {
  connectors: (ctx) => (ctx.deps as { rotationBridge?: RotationConnectors } | undefined)?.rotationBridge,
}

const REASON_TEXT: Record<RotationFailureReason | 'notConfigured' | 'invalidValue', string> = {
  unreachable: 'the target could not be reached',
  timeout: 'the target did not answer in time',
  authFailed: 'the target refused the login',
  hostKeyMismatch: 'the host key does not match HostKeyFingerprint',
  denied: 'the target refused the change',
  failed: 'the change failed on the target',
  bridgeUnavailable: 'the rotation bridge is unavailable',
  notConfigured: 'no rotation bridge is configured (HSM_BRIDGE_URL)',
  invalidValue: 'a secret value does not have the expected shape',
}

/**
 * A failed rotation step. The message names the step and a fixed reason, never a value;
 * `reason` and `code` (SQLSTATE, errno, exit status) are for the engine's record.
 */
export class RotationStepError extends KmsError {
  readonly reason: RotationFailureReason | 'notConfigured' | 'invalidValue'
  readonly step: string

  constructor(step: string, reason: RotationStepError['reason'], code?: string) {
    super('secret.invalidState', `The secret rotation failed at ${step}: ${REASON_TEXT[reason]}.`, {
      details: { step, reason, ...(code === undefined ? {} : { code }) },
    })
    this.name = 'RotationStepError'
    this.reason = reason
    this.step = step
  }
}

/**
 * @throws {RotationStepError} unless the outcome is ok.
 */
export function expectOk(step: string, outcome: RotationOutcome): void {
  if (!outcome.ok) throw new RotationStepError(step, outcome.reason, outcome.code)
}

/** @throws {RotationStepError} notConfigured */
export function connectorsOf(deps: ManagedStrategyDeps, ctx: ManagedRotationContext, step: string): RotationConnectors {
  const c = deps.connectors(ctx)
  if (c === undefined) throw new RotationStepError(step, 'notConfigured')
  return c
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** @throws {KmsError} validation.invalidParameter */
export function configObject(config: unknown): Record<string, unknown> {
  if (!isObject(config)) throw invalidParameter('ExtendedConfig', 'must be a JSON object.')
  return config
}

/** @throws {KmsError} validation.invalidParameter */
export function reqString(obj: Record<string, unknown>, field: string, where: string, max = 255, pattern?: RegExp): string {
  const v = obj[field]
  if (typeof v !== 'string' || v.length === 0 || v.length > max || /[\0\r\n]/.test(v) || (pattern && !pattern.test(v))) {
    throw invalidParameter(`${where}.${field}`, `must be a string of 1 to ${max} characters${pattern ? ' in the documented format' : ''}.`)
  }
  return v
}

/** @throws {KmsError} validation.invalidParameter */
export function optString(obj: Record<string, unknown>, field: string, where: string, max = 255, pattern?: RegExp): string | undefined {
  return obj[field] === undefined ? undefined : reqString(obj, field, where, max, pattern)
}

/** @throws {KmsError} validation.invalidParameter */
export function optPort(obj: Record<string, unknown>, where: string): number | undefined {
  const v = obj.Port
  if (v === undefined) return undefined
  const n = typeof v === 'string' && /^\d{1,5}$/.test(v) ? Number(v) : v
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535) {
    throw invalidParameter(`${where}.Port`, 'must be an integer from 1 to 65535.')
  }
  return n
}

/** Host names and IP literals the bridge accepts. */
export const HOST_PATTERN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|[0-9A-Fa-f:.]{2,45})$/

const SECRET_NAME = /^[A-Za-z0-9_/+=.@-]{1,192}$/

/**
 * ExtendedConfig.AdminSecretName, when given: the name of the secret with the privileged login.
 *
 * @throws {KmsError} validation.invalidParameter
 */
export function optAdminSecretName(config: Record<string, unknown>): string | undefined {
  return optString(config, 'AdminSecretName', 'ExtendedConfig', 192, SECRET_NAME)
}

/**
 * ExtendedConfig.CustomData, when given, must be a JSON object (kept, not used).
 *
 * @throws {KmsError} validation.invalidParameter
 */
export function checkCustomData(config: Record<string, unknown>): void {
  if (config.CustomData !== undefined && !isObject(config.CustomData)) {
    throw invalidParameter('ExtendedConfig.CustomData', 'must be a JSON object.')
  }
}

/** @throws {KmsError} validation.invalidParameter */
export function allowOnlyKeys(obj: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw invalidParameter(where, `allows only the fields ${allowed.join(', ')}.`)
  }
}

/** @throws {KmsError} validation.invalidParameter */
export function parseJsonObject(text: string, where: string): Record<string, unknown> {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    throw invalidParameter(where, 'must be a JSON object.')
  }
  if (!isObject(v)) throw invalidParameter(where, 'must be a JSON object.')
  return v
}

/**
 * A JSON value read during rotation: a shape error is a failed rotation, not a 4xx.
 *
 * @throws {RotationStepError} invalidValue
 */
export function stepJson<T>(step: string, parse: () => T): T {
  try {
    return parse()
  } catch (err) {
    if (err instanceof RotationStepError) throw err
    throw new RotationStepError(step, 'invalidValue')
  }
}

export interface AdminLogin {
  user: string
  password?: string
  privateKey?: string
}

/**
 * The privileged login kept in the generic secret `name`: `{"AccountName","AccountPassword"}`,
 * `{"Accounts":[{…}]}`, `{"UserName","Password"}` or `{"UserName","PrivateKey"}`.
 *
 * @throws {RotationStepError} invalidValue (unreadable or of another shape)
 */
export async function readAdminLogin(ctx: ManagedRotationContext, name: string, step: string): Promise<AdminLogin> {
  let text: string
  try {
    text = await ctx.readSecret(name)
  } catch {
    throw new RotationStepError(step, 'invalidValue')
  }
  return stepJson(step, () => {
    const o = parseJsonObject(text, 'AdminSecret')
    const acct = Array.isArray(o.Accounts) && isObject(o.Accounts[0]) ? o.Accounts[0] : o
    if (typeof acct.AccountName === 'string' && typeof acct.AccountPassword === 'string') {
      return { user: acct.AccountName, password: acct.AccountPassword }
    }
    if (typeof o.UserName === 'string' && typeof o.PrivateKey === 'string') return { user: o.UserName, privateKey: o.PrivateKey }
    if (typeof o.UserName === 'string' && typeof o.Password === 'string') return { user: o.UserName, password: o.Password }
    throw new Error('shape')
  })
}

/**
 * A new 32-character password: letters, digits and punctuation that needs no quoting in SQL,
 * shells or connection strings.
 *
 * @throws never
 */
export function newPassword(ctx: ManagedRotationContext): string {
  const random = ctx.random ?? ((n: number) => crypto.getRandomValues(new Uint8Array(n)))
  return generateRandomPassword(random, { passwordLength: 32, excludeCharacters: '"\'`\\$;:&|<>(){}[]*?!~#= ,/' })
}
