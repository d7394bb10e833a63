/**
 * @module core/domain/keys/byok/expire-material-job
 *
 * Scheduled job: imported key material whose `KeyMaterialExpireUnix` has passed is deleted and
 * the key returns to PendingImport (as DeleteKeyMaterial does). Due keys come from the due-time
 * index (gsi2, `DUE#KEY_MATERIAL_EXPIRY`, entries of Enabled and Disabled keys with an expiry),
 * at most `budget` per run; each key is one conditional write on its revision, so overlapping
 * runs expire a key exactly once and a concurrent re-import is never undone.
 */
import type { KeyRecord } from '../../model'
import { ConditionFailed, type KeyDeps } from '../../ports'
import { isoSeconds } from '../common'
import { forEachIsolated, type ScheduledJob } from '../../jobs/job'
import { withoutKeyMaterial } from './delete-key-material'

/** Whether the key's imported material has expired at `nowMs`. */
export function isMaterialExpired(key: KeyRecord, nowMs: number): boolean {
  return (
    (key.keyState === 'Enabled' || key.keyState === 'Disabled') &&
    key.materialExpireTime !== undefined &&
    Date.parse(key.materialExpireTime) <= nowMs
  )
}

export const expireImportedMaterial: ScheduledJob<Pick<KeyDeps, 'keys'>> = {
  name: 'expire-imported-material',
  async run(deps, nowMs, budget) {
    const { keyIds, more } = await deps.keys.listDue('materialExpiry', isoSeconds(nowMs), budget)
    return forEachIsolated(
      this.name,
      keyIds,
      async (keyId) => {
        const key = await deps.keys.get(keyId)
        if (!key || !isMaterialExpired(key, nowMs)) return 'skipped'
        try {
          await deps.keys.replace({ ...withoutKeyMaterial(key), rev: key.rev + 1 }, key.rev)
          return 'processed'
        } catch (err) {
          if (err instanceof ConditionFailed) return 'skipped'
          throw err
        }
      },
      more,
    )
  },
}
