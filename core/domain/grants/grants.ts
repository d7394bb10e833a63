/**
 * @module core/domain/grants/grants
 *
 * The grant rules, runtime-agnostic: validation of CreateGrant's input (AWS's rules, messages
 * that never echo a value), whether a grant allows one operation for a caller and encryption
 * context, the idempotency of named grants, the delegation rule (a grant created through a
 * grant's CreateGrant permission: a subset of its operations, constraints as strict or
 * stricter), and the writes (one conditional item write each, ConditionFailed-safe to repeat).
 */
import { toHex } from '../../crypto/bytes'
import { KmsError, invalidParameter, missingParameter } from '../../errors'
import { ConditionFailed, type GrantRepository } from '../ports'
import type { RandomSource } from '../../crypto/random'
import {
  CONSTRAINT_NEUTRAL_OPERATIONS,
  CONTEXT_OPERATIONS,
  GRANT_ID,
  GRANT_OPERATIONS,
  MAX_GRANTS_PER_KEY,
  isGrantOperation,
  type GrantConstraints,
  type GrantOperation,
  type GrantRecord,
} from './model'
import { normalisePrincipal, principalAccount } from './principals'
import { MAX_GRANT_TOKEN_CHARS, MAX_GRANT_TOKENS } from './token'

/** AWS: at most 8 pairs per constraint, keys and values ≤ 384 characters. */
const MAX_CONSTRAINT_PAIRS = 8
const MAX_CONSTRAINT_CHARS = 384
const GRANT_NAME = /^[a-zA-Z0-9:/_-]{1,256}$/

/** What CreateGrant asks for, validated and normalised. */
export interface GrantSpec {
  granteePrincipal: string
  retiringPrincipal?: string
  operations: GrantOperation[]
  constraints?: GrantConstraints
  name?: string
}

/**
 * A principal parameter, normalised; it must be a principal of `accountId` (grants to other
 * accounts are not offered: see README).
 * @throws KmsError validation.*
 */
export function principalParam(value: unknown, parameter: string, accountId: string | undefined): string {
  if (value === undefined || value === null || value === '') throw missingParameter(parameter)
  if (typeof value !== 'string') throw invalidParameter(parameter, 'must be a string.')
  const normalised = normalisePrincipal(value)
  if (!normalised) {
    throw invalidParameter(
      parameter,
      'must be the ARN of the account root, a user, a role or an assumed role (arn:aws:iam:: or acs:ram::).',
    )
  }
  if (accountId !== undefined && principalAccount(normalised) !== accountId) {
    throw invalidParameter(parameter, "must be a principal of the key's account; grants to other accounts are not supported.")
  }
  return normalised
}

function contextMap(value: unknown, parameter: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidParameter(parameter, 'must be a map of strings to strings.')
  const entries = Object.entries(value as Record<string, unknown>)
  if (entries.length === 0) throw invalidParameter(parameter, 'must have at least one pair.')
  if (entries.length > MAX_CONSTRAINT_PAIRS) throw invalidParameter(parameter, `must have at most ${MAX_CONSTRAINT_PAIRS} pairs.`)
  const out = Object.create(null) as Record<string, string>
  const seen = new Set<string>()
  for (const [k, v] of entries) {
    if (typeof v !== 'string') throw invalidParameter(parameter, 'must be a map of strings to strings.')
    if (k.length === 0 || k.length > MAX_CONSTRAINT_CHARS || v.length > MAX_CONSTRAINT_CHARS) {
      throw invalidParameter(parameter, `keys must be 1 to ${MAX_CONSTRAINT_CHARS} characters and values at most ${MAX_CONSTRAINT_CHARS}.`)
    }
    // Constraint keys are case-insensitive (AWS): two keys differing only by case are one key.
    if (seen.has(k.toLowerCase())) throw invalidParameter(parameter, 'must not have two keys that differ only by case.')
    seen.add(k.toLowerCase())
    out[k] = v
  }
  return out
}

/** `Constraints` of CreateGrant. @throws KmsError validation.invalidParameter */
export function constraintsParam(value: unknown): GrantConstraints | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParameter('Constraints', 'must be an object.')
  const v = value as Record<string, unknown>
  for (const k of Object.keys(v)) {
    if (k !== 'EncryptionContextSubset' && k !== 'EncryptionContextEquals') {
      throw invalidParameter('Constraints', 'may have only EncryptionContextSubset or EncryptionContextEquals.')
    }
  }
  const subset = v.EncryptionContextSubset ?? undefined
  const equals = v.EncryptionContextEquals ?? undefined
  if (subset !== undefined && equals !== undefined) {
    throw invalidParameter('Constraints', 'must have either EncryptionContextSubset or EncryptionContextEquals, not both.')
  }
  if (subset !== undefined) return { encryptionContextSubset: contextMap(subset, 'Constraints.EncryptionContextSubset') }
  if (equals !== undefined) return { encryptionContextEquals: contextMap(equals, 'Constraints.EncryptionContextEquals') }
  return undefined
}

/** `Operations` of CreateGrant: unique, in catalogue order. @throws KmsError validation.* */
export function operationsParam(value: unknown): GrantOperation[] {
  if (value === undefined || value === null) throw missingParameter('Operations')
  if (!Array.isArray(value)) throw invalidParameter('Operations', 'must be a list.')
  if (value.length === 0) throw invalidParameter('Operations', 'must name at least one operation.')
  if (value.length > GRANT_OPERATIONS.length)
    throw invalidParameter('Operations', `must name at most ${GRANT_OPERATIONS.length} operations.`)
  for (const op of value) {
    if (!isGrantOperation(op)) throw invalidParameter('Operations', `each must be one of ${GRANT_OPERATIONS.join(', ')}.`)
  }
  const set = new Set(value as GrantOperation[])
  return GRANT_OPERATIONS.filter((op) => set.has(op))
}

/** `Name` of CreateGrant. */
export function grantNameParam(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string' || !GRANT_NAME.test(value)) {
    throw invalidParameter('Name', 'must be 1 to 256 letters, digits or the characters : / _ -.')
  }
  return value
}

/**
 * The whole CreateGrant input (principals in `accountId`, the key owner's).
 * @throws KmsError validation.*
 */
export function grantSpec(
  body: { GranteePrincipal?: unknown; RetiringPrincipal?: unknown; Operations?: unknown; Constraints?: unknown; Name?: unknown },
  accountId: string | undefined,
): GrantSpec {
  const granteePrincipal = principalParam(body.GranteePrincipal, 'GranteePrincipal', accountId)
  const retiring =
    body.RetiringPrincipal === undefined || body.RetiringPrincipal === null
      ? undefined
      : principalParam(body.RetiringPrincipal, 'RetiringPrincipal', accountId)
  const operations = operationsParam(body.Operations)
  const constraints = constraintsParam(body.Constraints)
  if (constraints) {
    if (!operations.some((op) => CONTEXT_OPERATIONS.has(op))) {
      throw invalidParameter(
        'Constraints',
        'apply only to grants of operations that take an encryption context (Encrypt, Decrypt, GenerateDataKey…).',
      )
    }
    if (operations.some((op) => !CONTEXT_OPERATIONS.has(op) && !CONSTRAINT_NEUTRAL_OPERATIONS.has(op))) {
      throw invalidParameter(
        'Constraints',
        'cannot be used with Sign, Verify, GetPublicKey, GenerateMac or VerifyMac (no encryption context).',
      )
    }
  }
  const name = grantNameParam(body.Name)
  return {
    granteePrincipal,
    ...(retiring ? { retiringPrincipal: retiring } : {}),
    operations,
    ...(constraints ? { constraints } : {}),
    ...(name ? { name } : {}),
  }
}

/**
 * `GrantTokens` of any operation: a list of at most 10 strings of 1–8192 characters. The tokens
 * add nothing here (grants are effective at once), so only the shape is checked.
 * @throws KmsError validation.invalidParameter
 */
export function assertGrantTokens(value: unknown): void {
  if (value === undefined || value === null) return
  if (!Array.isArray(value)) throw invalidParameter('GrantTokens', 'must be a list of strings.')
  if (value.length > MAX_GRANT_TOKENS) throw invalidParameter('GrantTokens', `must have at most ${MAX_GRANT_TOKENS} tokens.`)
  for (const t of value) {
    if (typeof t !== 'string' || t.length === 0 || t.length > MAX_GRANT_TOKEN_CHARS) {
      throw invalidParameter('GrantTokens', `each must be a string of 1 to ${MAX_GRANT_TOKEN_CHARS} characters.`)
    }
  }
}

/** `GrantId`. @throws KmsError grant.invalidId */
export function grantIdParam(value: unknown): string {
  if (value === undefined || value === null || value === '') throw missingParameter('GrantId')
  if (typeof value !== 'string' || !GRANT_ID.test(value)) throw new KmsError('grant.invalidId', 'The GrantId is not a valid grant id.')
  return value
}

export function grantNotFound(): KmsError {
  return new KmsError('grant.notFound', 'The specified grant is not found.')
}

const lowerKeys = (m: Readonly<Record<string, string>>) => new Map(Object.entries(m).map(([k, v]) => [k.toLowerCase(), v]))

/** Whether `context` satisfies the constraints (keys case-insensitive, values exact). */
export function constraintsHold(constraints: GrantConstraints | undefined, context: Readonly<Record<string, string>>): boolean {
  if (!constraints) return true
  const request = lowerKeys(context)
  if (constraints.encryptionContextEquals) {
    const want = lowerKeys(constraints.encryptionContextEquals)
    if (want.size !== request.size) return false
    for (const [k, v] of want) if (request.get(k) !== v) return false
    return true
  }
  if (constraints.encryptionContextSubset) {
    for (const [k, v] of lowerKeys(constraints.encryptionContextSubset)) if (request.get(k) !== v) return false
    return true
  }
  return false
}

/**
 * Whether `grant` lets a caller (its normalised forms) perform `operation` with `context`
 * (a thunk: parsed only for an operation that a constraint applies to).
 */
export function grantAllows(
  grant: GrantRecord,
  callerForms: readonly string[],
  operation: GrantOperation,
  context: () => Readonly<Record<string, string>> | undefined,
): boolean {
  if (!callerForms.includes(grant.granteePrincipal)) return false
  if (!grant.operations.includes(operation)) return false
  if (!grant.constraints || !CONTEXT_OPERATIONS.has(operation)) return true
  return constraintsHold(grant.constraints, context() ?? {})
}

/** Whether constraints `child` are at least as strict as `parent` (AWS's CreateGrant delegation rule). */
export function atLeastAsStrict(child: GrantConstraints | undefined, parent: GrantConstraints | undefined): boolean {
  if (!parent) return true
  if (!child) return false
  if (parent.encryptionContextEquals) {
    return (
      child.encryptionContextEquals !== undefined &&
      constraintsHold({ encryptionContextEquals: parent.encryptionContextEquals }, child.encryptionContextEquals)
    )
  }
  const childPairs = child.encryptionContextEquals ?? child.encryptionContextSubset ?? {}
  return constraintsHold(parent, childPairs)
}

/** Whether a grant created through `parent`'s CreateGrant permission may be `spec`. */
export function mayDelegate(parent: GrantRecord, spec: GrantSpec): boolean {
  return spec.operations.every((op) => parent.operations.includes(op)) && atLeastAsStrict(spec.constraints, parent.constraints)
}

function canonical(c: GrantConstraints | undefined): string {
  if (!c) return ''
  const sorted = (m: Readonly<Record<string, string>>) => JSON.stringify(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  return c.encryptionContextEquals ? `=${sorted(c.encryptionContextEquals)}` : `<${sorted(c.encryptionContextSubset ?? {})}`
}

/** Same name and identical parameters: CreateGrant answers the existing grant. */
export function sameGrant(grant: GrantRecord, spec: GrantSpec): boolean {
  return (
    grant.name !== undefined &&
    grant.name === spec.name &&
    grant.granteePrincipal === spec.granteePrincipal &&
    grant.retiringPrincipal === spec.retiringPrincipal &&
    grant.operations.join(',') === spec.operations.join(',') &&
    canonical(grant.constraints) === canonical(spec.constraints)
  )
}

export interface CreateGrantDeps {
  grants: GrantRepository
  random: RandomSource
  clock: { now(): number }
}

/**
 * Creates the grant on `key`, or answers the existing one for the same name and parameters.
 * The per-key limit is checked before the write. One conditional write (absent): a retry after a
 * lost answer with a Name finds its grant; without a Name every call is a new grant (AWS).
 * @throws KmsError limit.exceeded
 */
export async function createGrant(
  deps: CreateGrantDeps,
  key: { keyId: string; accountId: string; region: string },
  spec: GrantSpec,
  issuingAccount: string,
): Promise<GrantRecord> {
  const existing = await deps.grants.listByKey(key.keyId)
  if (spec.name !== undefined) {
    const same = existing.find((g) => sameGrant(g, spec))
    if (same) return same
  }
  if (existing.length >= MAX_GRANTS_PER_KEY) {
    throw new KmsError('limit.exceeded', `A key can have at most ${MAX_GRANTS_PER_KEY} grants.`)
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const grant: GrantRecord = {
      grantId: toHex(deps.random(32)),
      keyId: key.keyId,
      accountId: key.accountId,
      region: key.region,
      ...(spec.name ? { name: spec.name } : {}),
      granteePrincipal: spec.granteePrincipal,
      ...(spec.retiringPrincipal ? { retiringPrincipal: spec.retiringPrincipal } : {}),
      operations: spec.operations,
      ...(spec.constraints ? { constraints: spec.constraints } : {}),
      issuingAccount: `arn:aws:iam::${issuingAccount}:root`,
      createdAt: new Date(deps.clock.now()).toISOString(),
    }
    try {
      await deps.grants.create(grant)
      return grant
    } catch (err) {
      // A 256-bit id collision: draw again.
      if (!(err instanceof ConditionFailed)) throw err
    }
  }
  throw new KmsError('internal', 'Could not allocate a grant id.')
}

/**
 * Deletes one grant (RevokeGrant, RetireGrant). One conditional delete (present): a grant
 * already gone — retired meanwhile, or a repeated call — is NotFoundException, as on AWS.
 * @throws KmsError grant.notFound
 */
export async function deleteGrant(grants: GrantRepository, keyId: string, grantId: string): Promise<void> {
  try {
    await grants.delete(keyId, grantId)
  } catch (err) {
    if (err instanceof ConditionFailed) throw grantNotFound()
    throw err
  }
}
