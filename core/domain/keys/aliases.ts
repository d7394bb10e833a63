/**
 * @module core/domain/keys/aliases
 *
 * CreateAlias, UpdateAlias, DeleteAlias, ListAliases, ListAliasesByKeyId. An alias item is its
 * own row (`ALIAS#<account>#<region>#<name>`): creation is conditional on absence, so an alias
 * name maps to exactly one key; re-pointing and deletion are single conditional writes.
 */
import { KmsError } from '../../errors'
import type { AliasRecord, Caller } from '../model'
import { ConditionFailed, type KeyDeps } from '../ports'
import { assertUserManaged } from './key-lifecycle'
import { assertAliasName, assertKeyState, isoSeconds, resolveKey, type KeyRef } from './common'

type Deps = Pick<KeyDeps, 'keys' | 'aliases' | 'clock'>

/** At most this many aliases per key (Alibaba documents a per-key quota). */
export const MAX_ALIASES_PER_KEY = 50

function aliasNotFound(): KmsError {
  return new KmsError('alias.notFound', 'The specified Alias is not found.')
}

/** @throws KmsError alias.invalidName, alias.alreadyExists, key.*, limit.exceeded */
export async function createAlias(deps: Deps, caller: Caller, aliasName: string, keyId: KeyRef): Promise<AliasRecord> {
  assertAliasName(aliasName)
  const key = await resolveKey(deps, caller, keyId)
  assertKeyState('CreateAlias', key)
  assertUserManaged(key)
  const existing = (await deps.aliases.listByAccount(caller.accountId, caller.region)).filter((a) => a.keyId === key.keyId)
  if (existing.length >= MAX_ALIASES_PER_KEY) {
    throw new KmsError('limit.exceeded', `A key can have at most ${MAX_ALIASES_PER_KEY} aliases.`)
  }
  const alias: AliasRecord = {
    accountId: caller.accountId,
    region: caller.region,
    aliasName,
    keyId: key.keyId,
    createdAt: isoSeconds(deps.clock.now()),
  }
  try {
    await deps.aliases.create(alias)
  } catch (err) {
    if (err instanceof ConditionFailed) {
      throw new KmsError('alias.alreadyExists', 'The specified Alias already exists.')
    }
    throw err
  }
  return alias
}

function movedSinceAuthorised(): KmsError {
  return new KmsError('concurrency.conflict', 'The alias was modified concurrently. Retry the request.')
}

/**
 * Re-points an alias. With `expectedKeyId` (the key the alias pointed at when the call was
 * authorised) the write is conditional on the alias still pointing there, so a concurrent
 * re-pointing can never be overwritten by a caller authorised only on the former key.
 * @throws KmsError alias.invalidName, alias.notFound, key.*, concurrency.conflict
 */
export async function updateAlias(
  deps: Deps,
  caller: Caller,
  aliasName: string,
  keyId: KeyRef,
  expectedKeyId?: string,
): Promise<AliasRecord> {
  assertAliasName(aliasName)
  const current = await deps.aliases.get(caller.accountId, caller.region, aliasName)
  if (!current) throw aliasNotFound()
  if (expectedKeyId !== undefined && current.keyId !== expectedKeyId) throw movedSinceAuthorised()
  const key = await resolveKey(deps, caller, keyId)
  assertKeyState('UpdateAlias', key)
  assertUserManaged(key)
  const alias: AliasRecord = { ...current, keyId: key.keyId }
  try {
    await deps.aliases.update(alias, current.keyId)
  } catch (err) {
    if (!(err instanceof ConditionFailed)) throw err
    if (await deps.aliases.get(caller.accountId, caller.region, aliasName)) throw movedSinceAuthorised()
    throw aliasNotFound()
  }
  return alias
}

/**
 * Deletes an alias; with `expectedKeyId`, only while it still points at the key the call was
 * authorised on.
 * @throws KmsError alias.invalidName, alias.notFound, concurrency.conflict
 */
export async function deleteAlias(deps: Deps, caller: Caller, aliasName: string, expectedKeyId?: string): Promise<void> {
  assertAliasName(aliasName)
  try {
    await deps.aliases.delete(caller.accountId, caller.region, aliasName, expectedKeyId)
  } catch (err) {
    if (!(err instanceof ConditionFailed)) throw err
    if (expectedKeyId !== undefined && (await deps.aliases.get(caller.accountId, caller.region, aliasName))) throw movedSinceAuthorised()
    throw aliasNotFound()
  }
}

/** Aliases of the caller's account and region whose key still exists, sorted by name. */
export async function listAliases(deps: Deps, caller: Caller): Promise<AliasRecord[]> {
  const aliases = await deps.aliases.listByAccount(caller.accountId, caller.region)
  return aliases.sort((a, b) => (a.aliasName < b.aliasName ? -1 : a.aliasName > b.aliasName ? 1 : 0))
}

/** @throws KmsError key.* */
export async function listAliasesByKeyId(deps: Deps, caller: Caller, keyId: KeyRef): Promise<AliasRecord[]> {
  const key = await resolveKey(deps, caller, keyId)
  assertKeyState('ListAliasesByKeyId', key)
  return (await listAliases(deps, caller)).filter((a) => a.keyId === key.keyId)
}
