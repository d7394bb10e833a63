/**
 * @module core/domain/secrets/common
 *
 * What the secrets operations share: loading a head by name or ARN with the state check, the
 * optimistic read-modify-write loop on the head, and writing a version item so that concurrent
 * and retried writers of the same version id converge on one item.
 */
import { timingSafeEqual, zeroize } from '../../crypto/bytes'
import { KmsError } from '../../errors'
import { isoSeconds } from '../keys/common'
import type { Caller, KeyRecord } from '../model'
import { ConditionFailed, type SecretDeps } from '../ports'
import { ADOPT_REFRESH_MS, ORPHAN_GRACE_MS, type SecretRecord, type SecretValue, type SecretVersionRecord } from './model'
import { parseSecretReference } from './names'
import type { Owner } from '../targets/parse'
import { openSecretVersion, restamp, sealSecretVersion } from './value-crypto'

export function secretNotFound(): KmsError {
  return new KmsError('secret.notFound', 'The specified secret is not found.')
}

export function versionNotFound(): KmsError {
  return new KmsError('secret.versionNotFound', 'The specified secret version is not found.')
}

/** A head names a version whose item is missing: corruption, never client input. */
export function danglingVersion(): KmsError {
  return new KmsError('internal', 'A committed secret version has no stored value.')
}

export function pendingDeletion(): KmsError {
  return new KmsError('secret.invalidState', 'The secret is pending deletion. Restore it first.')
}

/** How an operation treats a secret in its recovery window. */
export type PendingPolicy = 'allow' | 'refuse'

/**
 * Reads the head a request names (consistent read), in `caller`'s account and region (the key
 * owner's for authorised cross-account use). Deleted tombstones are not found.
 *
 * @throws KmsError validation.*, auth.forbidden (ARN of another account), secret.notFound,
 *   secret.invalidState (pending deletion, unless allowed), internal (corrupt head)
 */
export async function loadSecret(
  deps: Pick<SecretDeps, 'secrets'>,
  caller: Owner,
  reference: string,
  pending: PendingPolicy,
  parameter = 'SecretName',
): Promise<SecretRecord> {
  const name = parseSecretReference(reference, caller, parameter)
  const head = await deps.secrets.getHead(caller.accountId, caller.region, name)
  if (!head || head.state === 'Deleted') throw secretNotFound()
  // Values are authenticated against this identity, so a head must be where its fields say.
  const elsewhere = head.accountId !== caller.accountId || head.region !== caller.region || head.secretName !== name
  if (elsewhere) {
    throw new KmsError('internal', 'The stored secret failed its integrity check.')
  }
  if (head.state === 'PendingDeletion' && pending === 'refuse') throw pendingDeletion()
  return head
}

const MAX_ATTEMPTS = 80

/** Jittered backoff between attempts of a lost race, so that many writers spread out. */
export function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(40, 2 ** Math.min(attempt, 6))
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling))
}

export function conflict(): KmsError {
  return new KmsError('concurrency.conflict', 'The secret was modified concurrently. Retry the request.')
}

/**
 * Optimistic read-modify-write of one head: load, apply `change`, write conditional on the
 * revision read; a lost race re-reads and re-applies. `change` returns undefined for "nothing to
 * do" (the call then writes nothing and succeeds).
 *
 * @throws KmsError from loading or `change`; concurrency.conflict when the head keeps changing.
 */
export async function mutateSecret(
  deps: Pick<SecretDeps, 'secrets' | 'clock'>,
  caller: Caller,
  reference: string,
  pending: PendingPolicy,
  change: (head: SecretRecord, nowMs: number) => SecretRecord | undefined,
): Promise<SecretRecord> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const head = await loadSecret(deps, caller, reference, pending)
    const now = deps.clock.now()
    const next = change(structuredClone(head), now)
    if (!next) return head
    next.rev = head.rev + 1
    try {
      await deps.secrets.replaceHead(next, head.rev)
      return next
    } catch (err) {
      if (!(err instanceof ConditionFailed)) throw err
    }
    await backoff(attempt)
  }
  throw conflict()
}

export const MAX_HEAD_ATTEMPTS = MAX_ATTEMPTS

/** When the sweep should next look at a secret after a write that may leave garbage. */
export function sweepTime(nowMs: number): string {
  return isoSeconds(nowMs + ORPHAN_GRACE_MS)
}

/**
 * Best effort, one attempt: asks the sweep to look at a secret after a write that may have left
 * an unreferenced version item behind (a lost create or a failed put). Never throws.
 */
export async function markForSweep(
  deps: Pick<SecretDeps, 'secrets' | 'clock'>,
  secret: Pick<SecretRecord, 'accountId' | 'region' | 'secretName'>,
): Promise<void> {
  try {
    const head = await deps.secrets.getHead(secret.accountId, secret.region, secret.secretName)
    if (!head || head.state !== 'Enabled' || head.sweepAt !== undefined) return
    const marked = { ...head, sweepAt: sweepTime(deps.clock.now()), rev: head.rev + 1 }
    await deps.secrets.replaceHead(marked, head.rev)
  } catch {
    // The item stays invisible either way; the next write or the purge removes it.
  }
}

/**
 * After the head commit that references `item`: re-stamps it, so that a sweep which read the
 * head before the commit (and so judged the item unreferenced) fails its delete, which is
 * conditional on the token it read; if such a sweep already deleted it, puts it back. Either
 * order of the two leaves the committed version readable. One attempt; a failure of its own is
 * ignored (then only a writer stalled past ORPHAN_GRACE_MS between its item and head writes, or
 * a sweep dated that far ahead — the local cron's time travel — could still lose the item).
 */
export async function confirmVersionItem(deps: Pick<SecretDeps, 'secrets' | 'clock' | 'random'>, item: SecretVersionRecord): Promise<void> {
  const fresh = restamp(deps, item, deps.clock.now())
  try {
    try {
      await deps.secrets.replaceVersion(fresh, item.token)
      return
    } catch (err) {
      if (!(err instanceof ConditionFailed)) throw err
    }
    // Gone (deleted by such a sweep), or re-stamped by a concurrent writer of the same value.
    await deps.secrets.createVersion(fresh)
  } catch {
    // ConditionFailed: it exists (re-stamped by that writer). Store errors: best effort.
  }
}

/**
 * Whether a stored item holds exactly `value` (type and bytes, compared in constant time).
 * @throws KmsError key.* state errors of the CMK, internal for a corrupt item
 */
export async function holdsValue(
  deps: Pick<SecretDeps, 'keys' | 'rootKeys'>,
  secret: SecretRecord,
  versionId: string,
  item: SecretVersionRecord,
  value: SecretValue,
): Promise<boolean> {
  if (item.secretDataType !== value.type) return false
  const stored = await openSecretVersion(deps, secret, versionId, item)
  try {
    return timingSafeEqual(stored, value.bytes)
  } finally {
    zeroize(stored)
  }
}

/**
 * Makes sure an item for `versionId` holding `value` under `key` exists and is fresh, and returns
 * it. The caller has just read a head that does NOT reference `versionId`.
 *
 * - No item: seal and create one (conditional on absence).
 * - An item with the same value and key (a concurrent or retried writer, or an unreferenced
 *   leftover): use it; if it is old, re-stamp it first so no sweep can remove it before the head
 *   commit. Nobody deletes an item whose token changed since they read it.
 * - An item with another value: if old, it is unreferenced garbage (a referenced item would be
 *   young, see below) and is replaced; if young, another writer is using this version id with
 *   different data: `onConflict()`.
 *
 * "Old unreferenced ⇒ garbage" holds because an item only becomes referenced through a commit
 * that follows its creation or re-stamp by less than a request's lifetime.
 *
 * @throws KmsError from `onConflict`, key.*, concurrency.conflict
 */
export async function ensureVersionItem(
  deps: SecretDeps,
  secret: SecretRecord,
  key: KeyRecord,
  versionId: string,
  value: SecretValue,
  createdAt: string,
  onConflict: () => KmsError,
): Promise<SecretVersionRecord> {
  let sealed: SecretVersionRecord | undefined
  for (let attempt = 0; attempt < 6; attempt++) {
    const now = deps.clock.now()
    sealed ??= await sealSecretVersion(deps, key, secret, versionId, value, now, createdAt)
    try {
      await deps.secrets.createVersion(sealed)
      return sealed
    } catch (err) {
      if (!(err instanceof ConditionFailed)) throw err
    }
    const { accountId, region, secretName } = secret
    const existing = await deps.secrets.getVersion(accountId, region, secretName, versionId)
    if (!existing) continue
    const same = existing.keyId === key.keyId && (await holdsValue(deps, secret, versionId, existing, value).catch(() => false))
    const old = existing.writtenAt < now - ADOPT_REFRESH_MS
    if (same && !old) return existing
    if (!same && existing.writtenAt >= now - ORPHAN_GRACE_MS) throw onConflict()
    const replacement = same ? restamp(deps, existing, now) : { ...sealed, writtenAt: now }
    try {
      await deps.secrets.replaceVersion(replacement, existing.token)
      return replacement
    } catch (err) {
      if (!(err instanceof ConditionFailed)) throw err
    }
  }
  throw conflict()
}
