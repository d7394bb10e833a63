/**
 * @module core/domain/secrets/purge
 *
 * Removing items for good, without transactions:
 *
 * - purge (recovery window over, or ForceDeleteWithoutRecovery): the head first becomes a
 *   `Deleted` tombstone (conditional on `rev`, so it races safely with RestoreSecret), then the
 *   version items go, then the secret's policy, then the head (conditional on the tombstone's
 *   `rev`). The head is deleted
 *   last so that a new secret of the same name cannot be created while old items remain.
 * - sweep: version items no head references (evicted versions, writes that lost a race) are
 *   deleted once they are older than ORPHAN_GRACE_MS.
 *
 * Every delete is conditional on the token read, so an item re-stamped by a writer in between
 * survives. Young unreferenced items are left alone (a writer may be about to commit them); the
 * tombstone or the sweep time is then moved to when they will be old enough.
 */
import { isoSeconds } from '../keys/common'
import { ConditionFailed, type IamRepository, type SecretDeps } from '../ports'
import { releaseOnPurge, type ReleaseDeps } from '../instances/instances'
import { ORPHAN_GRACE_MS, type SecretRecord, type SecretVersionRecord } from './model'

export type RemovalOutcome = 'purged' | 'swept' | 'waiting' | 'skipped'

/**
 * `iam` deletes the secret's policy with it. It is optional only for tests of the secrets alone:
 * a policy left behind is never applied to a later secret of the same name (it is keyed by the
 * head's per-creation uid), it just stays as garbage.
 */
type Deps = Pick<SecretDeps, 'secrets'> & { iam?: Pick<IamRepository, 'deleteResourcePolicy'> } & ReleaseDeps

/** Deletes the policy of this creation of the secret, and any by-name one (idempotent). */
async function removePolicies(deps: Deps, head: SecretRecord): Promise<void> {
  if (!deps.iam) return
  const { accountId, region, secretName, uid } = head
  if (uid !== undefined) await deps.iam.deleteResourcePolicy({ kind: 'secret', accountId, region, secretName, uid })
  await deps.iam.deleteResourcePolicy({ kind: 'secret', accountId, region, secretName })
}

async function deleteIfUnchanged(deps: Deps, item: SecretVersionRecord): Promise<boolean> {
  try {
    const { accountId, region, secretName, versionId, token } = item
    await deps.secrets.deleteVersion(accountId, region, secretName, versionId, token)
    return true
  } catch (err) {
    if (err instanceof ConditionFailed) return false
    throw err
  }
}

/**
 * Deletes the version items of `head`'s partition that may go: all referenced ones when
 * `includeReferenced`, and unreferenced ones older than the grace period. Returns the write time
 * of the youngest item left, if any.
 */
async function removeItems(deps: Deps, head: SecretRecord, nowMs: number, includeReferenced: boolean): Promise<number | undefined> {
  const referenced = new Set(head.versions.map((v) => v.versionId))
  const items = await deps.secrets.listVersionItems(head.accountId, head.region, head.secretName)
  let youngestLeft: number | undefined
  for (const item of items) {
    const isReferenced = referenced.has(item.versionId)
    const removable = isReferenced ? includeReferenced : item.writtenAt < nowMs - ORPHAN_GRACE_MS
    if (removable && (await deleteIfUnchanged(deps, item))) continue
    if (!isReferenced || includeReferenced) {
      youngestLeft = Math.max(youngestLeft ?? 0, item.writtenAt)
    }
  }
  return youngestLeft
}

function retryTime(youngestLeft: number): string {
  return isoSeconds(youngestLeft + ORPHAN_GRACE_MS + 1000)
}

/**
 * Purges a secret whose recovery window is over (or that was force-deleted). The caller checked
 * that it is due.
 *
 * @returns `purged` when every item is gone; `waiting` when young unreferenced items remain (the
 *   tombstone stays, due again later); `skipped` when a concurrent change won the race.
 * @throws KmsError store.unavailable
 */
export async function purgeSecret(deps: Deps, head: SecretRecord, nowMs: number): Promise<RemovalOutcome> {
  let tombstone = head
  if (head.state !== 'Deleted') {
    const at = isoSeconds(nowMs)
    tombstone = { ...head, state: 'Deleted', plannedDeleteTime: at, rev: head.rev + 1 }
    delete tombstone.sweepAt
    try {
      await deps.secrets.replaceHead(tombstone, head.rev)
    } catch (err) {
      if (err instanceof ConditionFailed) return 'skipped'
      throw err
    }
    // A secret of a KMS instance gives its quota unit back (only the writer of the tombstone).
    await releaseOnPurge(deps, head.instanceId, 'secret')
  }
  const youngestLeft = await removeItems(deps, tombstone, nowMs, true)
  try {
    if (youngestLeft !== undefined) {
      const later = { ...tombstone, sweepAt: retryTime(youngestLeft), rev: tombstone.rev + 1 }
      await deps.secrets.replaceHead(later, tombstone.rev)
      return 'waiting'
    }
    // Before the head: a crash in between leaves the tombstone due, and the next run repeats this.
    await removePolicies(deps, tombstone)
    const { accountId, region, secretName, rev } = tombstone
    await deps.secrets.deleteHead(accountId, region, secretName, rev)
    return 'purged'
  } catch (err) {
    if (err instanceof ConditionFailed) return 'skipped'
    throw err
  }
}

/**
 * Deletes the old unreferenced version items of a live secret and clears (or postpones) its
 * sweep time.
 *
 * @throws KmsError store.unavailable
 */
export async function sweepSecret(deps: Deps, head: SecretRecord, nowMs: number): Promise<RemovalOutcome> {
  const youngestLeft = await removeItems(deps, head, nowMs, false)
  const sweepAt = youngestLeft === undefined ? undefined : retryTime(youngestLeft)
  try {
    await deps.secrets.replaceHead({ ...head, sweepAt, rev: head.rev + 1 }, head.rev)
  } catch (err) {
    // A concurrent write keeps (or renews) the sweep time, so the next run comes back.
    if (err instanceof ConditionFailed) return 'skipped'
    throw err
  }
  return sweepAt === undefined ? 'swept' : 'waiting'
}
