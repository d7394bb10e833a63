/**
 * @module core/domain/keys/common
 *
 * What every key operation shares: loading the key it acts on (resolved by authorisation, or
 * named by id, ARN, alias, alias ARN: core/domain/targets/parse.ts), the state check
 * against the key-state table, and the optimistic read-modify-write loop.
 */
import { KmsError } from '../../errors'
import type { KeyRecord } from '../model'
import { ConditionFailed, type KeyDeps } from '../ports'
import type { KeyTarget } from '../targets/model'
import { isAliasName, isKeyId, parseKeyReference, type Owner } from '../targets/parse'
import { keyStateOutcome, type KeyOperation } from './key-state-table'

export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

export function keyArn(key: Pick<KeyRecord, 'region' | 'accountId' | 'keyId'>): string {
  return `acs:kms:${key.region}:${key.accountId}:key/${key.keyId}`
}

export function aliasArn(region: string, accountId: string, aliasName: string): string {
  return `acs:kms:${region}:${accountId}:${aliasName}`
}

/**
 * Checks an alias name for CreateAlias/UpdateAlias.
 * @throws KmsError alias.invalidName
 */
export function assertAliasName(name: string, parameter = 'AliasName'): void {
  if (!isAliasName(name) || name.includes('//') || name.endsWith('/')) {
    throw new KmsError(
      'alias.invalidName',
      `The parameter "${parameter}" must be "alias/" followed by 1 to 249 letters, digits, "_", "-" or "/".`,
      { details: { parameter } },
    )
  }
  if (name.toLowerCase().startsWith('alias/acs/')) {
    throw new KmsError('alias.invalidName', 'Alias names beginning with "alias/acs/" are reserved.', {
      details: { parameter },
    })
  }
}

export function keyNotFound(): KmsError {
  return new KmsError('key.notFound', 'The specified Key is not found.')
}

/**
 * A key as an operation receives it: resolved by authorisation ({@link KeyTarget}, in the account
 * that owns it), or as a request names it (id, ARN, alias, alias ARN) for callers that have no
 * resolved target (the scheduled jobs, tests), resolved then in the caller's account.
 */
export type KeyRef = string | KeyTarget

/**
 * Loads the key an operation acts on. A {@link KeyTarget} is loaded by id in the account and
 * region it was authorised in, never through an alias again; a string is parsed
 * (core/domain/targets/parse.ts) and resolved in the caller's account and region.
 * @throws KmsError key.notFound (also for deleted keys and keys elsewhere), alias.notFound;
 *   validation.invalidParameter for a malformed name; auth.forbidden for an ARN of another account
 */
export async function resolveKey(
  deps: Pick<KeyDeps, 'keys' | 'aliases'>,
  caller: Owner,
  ref: KeyRef,
  parameter = 'KeyId',
): Promise<KeyRecord> {
  const target = typeof ref === 'string' ? await namedKey(deps, caller, ref, parameter) : ref
  if (!isKeyId(target.keyId)) throw keyNotFound()
  const key = await deps.keys.get(target.keyId)
  if (!key || key.keyState === 'Deleted' || key.accountId !== target.accountId || key.region !== target.region) {
    throw keyNotFound()
  }
  return key
}

/** A key named in a request, in the caller's account (cross-account use comes resolved). */
async function namedKey(deps: Pick<KeyDeps, 'aliases'>, caller: Owner, value: string, parameter: string): Promise<KeyTarget> {
  const ref = parseKeyReference(value, caller, parameter)
  if (ref.accountId !== caller.accountId) {
    throw new KmsError('auth.forbidden', 'You are not authorized to perform this operation.')
  }
  if (ref.kind === 'id') return { keyId: ref.keyId, accountId: caller.accountId, region: caller.region }
  if (!isAliasName(ref.aliasName)) throw keyNotFound()
  const alias = await deps.aliases.get(caller.accountId, caller.region, ref.aliasName)
  if (!alias) throw new KmsError('alias.notFound', 'The specified Alias is not found.')
  return { keyId: alias.keyId, accountId: caller.accountId, region: caller.region }
}

const STATE_MESSAGES: Partial<Record<string, string>> = {
  'key.disabled': 'The key is disabled.',
  'key.pendingDeletion': 'The key is pending deletion.',
  'key.pendingImport': 'The key is pending import of key material.',
  'key.invalidState': "The operation is not allowed in the key's current state.",
  'key.notFound': 'The specified Key is not found.',
}

/**
 * @throws KmsError with the key-state table's code when `operation` is not allowed.
 */
export function assertKeyState(operation: KeyOperation, key: KeyRecord): void {
  const outcome = keyStateOutcome(operation, key.keyState)
  if (outcome === 'ok') return
  throw new KmsError(outcome, STATE_MESSAGES[outcome] ?? "The operation is not allowed in the key's current state.", {
    details: { keyState: key.keyState },
  })
}

const MAX_ATTEMPTS = 16

/** Jittered backoff after a lost race, so contending writers spread out (≤ ~50 ms). */
function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(50, 2 ** attempt)
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Optimistic read-modify-write of one key: resolve, check state, apply `change`, write with a
 * condition on the revision read. Lost races are retried with the fresh item, so concurrent
 * callers serialise and retries by clients are safe. `change` returns undefined for "nothing to
 * do" (idempotent calls write nothing).
 *
 * @throws KmsError from resolution, the state table or `change`; concurrency.conflict when the
 *   item keeps changing under us.
 */
export async function mutateKey(
  deps: Pick<KeyDeps, 'keys' | 'aliases' | 'clock'>,
  caller: Owner,
  identifier: KeyRef,
  operation: KeyOperation,
  change: (key: KeyRecord, nowMs: number) => KeyRecord | undefined,
  parameter = 'KeyId',
): Promise<KeyRecord> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const key = await resolveKey(deps, caller, identifier, parameter)
    assertKeyState(operation, key)
    const next = change(structuredClone(key), deps.clock.now())
    if (!next) return key
    next.rev = key.rev + 1
    try {
      await deps.keys.replace(next, key.rev)
      return next
    } catch (err) {
      if (!(err instanceof ConditionFailed)) throw err
      await backoff(attempt)
    }
  }
  throw new KmsError('concurrency.conflict', 'The key was modified concurrently. Retry the request.')
}
