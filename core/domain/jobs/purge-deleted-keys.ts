/**
 * @module core/domain/jobs/purge-deleted-keys
 *
 * Scheduled job: destroy keys whose pending-deletion window has ended. For each due key:
 * 1. release its aliases (each a conditional delete on the alias still pointing at this key);
 * 2. HSM keys: destroy every version's HSM object (idempotent; without a bridge the
 *    item fails and stays due);
 * 3. replace the key with a tombstone (state Deleted, every version's material removed, tags
 *    dropped) — one conditional write on the revision read;
 * 4. delete the key's policy item (idempotent);
 * 5. delete the key's grants (AWS dialect, core/domain/grants): each an idempotent delete; a grant
 *    left by a failure names a tombstone, which every operation treats as not found.
 * The tombstone keeps the id taken forever (ids are never reused); every later call naming the
 * key gets Forbidden.KeyNotFound. A crash between 1 and 3 leaves the key due, so the next run
 * finishes the job (also between 2 and 3: destroying an absent object is a no-op); overlapping runs are safe (conditional writes; lost races are skips).
 */
import { isoSeconds } from '../keys/common'
import type { KeyRecord } from '../model'
import { ConditionFailed, type HsmDeps, type IamRepository, type KeyDeps } from '../ports'
import type { GrantRepository } from '../ports'
import { destroyHsmVersions, isHsmKey } from '../keys/hsm/hsm-keys'
import { forEachIsolated, type ScheduledJob } from './job'
import { releaseOnPurge, type ReleaseDeps } from '../instances/instances'

export function isDeletionDue(key: KeyRecord, nowMs: number): boolean {
  return key.keyState === 'PendingDeletion' && key.deleteDate !== undefined && Date.parse(key.deleteDate) <= nowMs
}

/** `iam` removes the key's policy; optional for tests of the keys alone. */
type PurgeDeps = Pick<KeyDeps, 'keys' | 'aliases'> &
  HsmDeps & { iam?: Pick<IamRepository, 'deleteResourcePolicy'> } & ReleaseDeps & { grants?: Pick<GrantRepository, 'listByKey' | 'delete'> }

export const purgeDeletedKeys: ScheduledJob<PurgeDeps> = {
  name: 'purge-deleted-keys',
  async run(deps, nowMs, budget) {
    const { keyIds, more } = await deps.keys.listDue('deletion', isoSeconds(nowMs), budget)
    return forEachIsolated(
      this.name,
      keyIds,
      async (keyId) => {
        const key = await deps.keys.get(keyId)
        if (!key || !isDeletionDue(key, nowMs)) return 'skipped'
        for (const alias of await deps.aliases.listByAccount(key.accountId, key.region)) {
          if (alias.keyId !== key.keyId) continue
          try {
            await deps.aliases.delete(alias.accountId, alias.region, alias.aliasName, key.keyId)
          } catch (err) {
            if (!(err instanceof ConditionFailed)) throw err
          }
        }
        if (isHsmKey(key)) await destroyHsmVersions(deps, key)
        const tombstone: KeyRecord = {
          ...key,
          keyState: 'Deleted',
          versions: key.versions.map(({ versionId, createdAt }) => ({ versionId, createdAt })),
          // (public keys go too: the key no longer exists)
          tags: {},
          description: '',
          automaticRotation: false,
          nextRotationDate: undefined,
          // Nothing that could ever unwrap or identify material survives the tombstone.
          importParameters: undefined,
          materialFingerprint: undefined,
          materialExpireTime: undefined,
          rev: key.rev + 1,
        }
        try {
          await deps.keys.replace(tombstone, key.rev)
        } catch (err) {
          if (err instanceof ConditionFailed) return 'skipped'
          throw err
        }
        // A key of a KMS instance gives its quota unit back (only the purger whose tombstone won).
        await releaseOnPurge(deps, key.instanceId, 'key')
        // Only once the tombstone is written (a deletion cancelled meanwhile keeps its policy). Key
        // ids are never reused and a tombstone is judged by the default policy, so a policy left by
        // a failure here is never read again: it is garbage, not a grant.
        try {
          await deps.iam?.deleteResourcePolicy({ kind: 'key', keyId: key.keyId })
        } catch {
          console.error(JSON.stringify({ level: 'warn', event: 'key-policy-cleanup-failed' }))
        }
        try {
          for (const grant of (await deps.grants?.listByKey(key.keyId)) ?? []) {
            try {
              await deps.grants!.delete(key.keyId, grant.grantId)
            } catch (err) {
              if (!(err instanceof ConditionFailed)) throw err
            }
          }
        } catch {
          console.error(JSON.stringify({ level: 'warn', event: 'key-grants-cleanup-failed' }))
        }
        return 'processed'
      },
      more,
    )
  },
}
