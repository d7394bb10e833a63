/**
 * @module core/domain/keys/common
 *
 * What every key operation shares: naming a key (id, ARN, alias, alias ARN), the state check
 * against the key-state table, and the optimistic read-modify-write loop.
 */
import { KmsError, invalidParameter } from '../../errors'
import type { Caller, KeyRecord } from '../model'
import { ConditionFailed, type KeyDeps } from '../ports'
import { keyStateOutcome, type KeyOperation } from './key-state-table'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
/** Alibaba: `alias/` then 1–249 of letters, digits, `_`, `-`, `/`; `alias/acs/` is reserved. */
const ALIAS_NAME = /^alias\/[A-Za-z0-9_\-/]{1,249}$/
const ARN = /^acs:kms:([a-z0-9-]{1,64}):(\d{1,32}):(key|alias)\/(.+)$/

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
  if (!ALIAS_NAME.test(name) || name.includes('//') || name.endsWith('/')) {
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

export type KeyReference =
  | { kind: 'id'; keyId: string }
  | { kind: 'alias'; aliasName: string }
  | { kind: 'unknown' }

/**
 * Parses how a request names a key: id, `acs:kms:<region>:<account>:key/<id>`, `alias/<name>`
 * or `acs:kms:<region>:<account>:alias/<name>`.
 *
 * @throws KmsError validation.invalidParameter for malformed input or an ARN of another region;
 *   auth.forbidden for an ARN of another account (cross-account use is decided by policy).
 */
export function parseKeyReference(value: string, caller: Caller, parameter = 'KeyId'): KeyReference {
  if (value.length === 0 || value.length > 512 || /[\u0000-\u001f\u007f]/.test(value)) {
    throw invalidParameter(parameter, 'the key identifier is malformed.')
  }
  if (value.startsWith('acs:')) {
    const m = ARN.exec(value)
    if (!m) throw invalidParameter(parameter, 'the ARN is malformed.')
    const [, region, account, kind, rest] = m as unknown as [string, string, string, string, string]
    if (region !== caller.region) throw invalidParameter(parameter, 'the ARN names another region.')
    if (account !== caller.accountId) {
      throw new KmsError('auth.forbidden', 'You are not authorized to perform this operation.')
    }
    if (kind === 'key') return UUID.test(rest) ? { kind: 'id', keyId: rest } : { kind: 'unknown' }
    return ALIAS_NAME.test(`alias/${rest}`) ? { kind: 'alias', aliasName: `alias/${rest}` } : { kind: 'unknown' }
  }
  if (value.startsWith('alias/')) {
    return ALIAS_NAME.test(value) ? { kind: 'alias', aliasName: value } : { kind: 'unknown' }
  }
  return UUID.test(value) ? { kind: 'id', keyId: value } : { kind: 'unknown' }
}

export function keyNotFound(): KmsError {
  return new KmsError('key.notFound', 'The specified Key is not found.')
}

/**
 * Loads the key a request names, in the caller's account and region.
 * @throws KmsError key.notFound (also for deleted keys and keys of other accounts)
 */
export async function resolveKey(
  deps: Pick<KeyDeps, 'keys' | 'aliases'>,
  caller: Caller,
  identifier: string,
  parameter = 'KeyId',
): Promise<KeyRecord> {
  const ref = parseKeyReference(identifier, caller, parameter)
  let keyId: string
  if (ref.kind === 'unknown') throw keyNotFound()
  if (ref.kind === 'alias') {
    const alias = await deps.aliases.get(caller.accountId, caller.region, ref.aliasName)
    if (!alias) throw new KmsError('alias.notFound', 'The specified Alias is not found.')
    keyId = alias.keyId
  } else {
    keyId = ref.keyId
  }
  const key = await deps.keys.get(keyId)
  if (!key || key.keyState === 'Deleted' || key.accountId !== caller.accountId || key.region !== caller.region) {
    throw keyNotFound()
  }
  return key
}

const STATE_MESSAGES: Partial<Record<string, string>> = {
  'key.disabled': 'The key is disabled.',
  'key.pendingDeletion': 'The key is pending deletion.',
  'key.pendingImport': 'The key is pending import of key material.',
  'key.invalidState': 'The operation is not allowed in the key\'s current state.',
  'key.notFound': 'The specified Key is not found.',
}

/**
 * @throws KmsError with the key-state table's code when `operation` is not allowed.
 */
export function assertKeyState(operation: KeyOperation, key: KeyRecord): void {
  const outcome = keyStateOutcome(operation, key.keyState)
  if (outcome === 'ok') return
  throw new KmsError(outcome, STATE_MESSAGES[outcome] ?? 'The operation is not allowed in the key\'s current state.', {
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
  caller: Caller,
  identifier: string,
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
