/**
 * @module core/domain/jobs/rotate-due-keys
 *
 * Scheduled job: rotate every key whose automatic rotation is due. Due keys come from the
 * due-time index (gsi2, `DUE#KEY_ROTATION`), at most `budget` per run. Each key is one
 * conditional write on its revision, so two overlapping runs produce exactly one new version:
 * the loser's write fails its condition, and on re-reading the key is no longer due.
 */
import { isoSeconds } from '../keys/common'
import { rotateIfDue } from '../keys/key-versions'
import { ConditionFailed, type KeyDeps } from '../ports'
import { forEachIsolated, type ScheduledJob } from './job'

export const rotateDueKeys: ScheduledJob<Pick<KeyDeps, 'keys' | 'random' | 'rootKeys'>> = {
  name: 'rotate-due-keys',
  async run(deps, nowMs, budget) {
    const { keyIds, more } = await deps.keys.listDue('rotation', isoSeconds(nowMs), budget)
    return forEachIsolated(
      this.name,
      keyIds,
      async (keyId) => {
        const key = await deps.keys.get(keyId)
        if (!key) return 'skipped'
        const next = await rotateIfDue(deps, key, nowMs)
        if (!next) return 'skipped'
        try {
          await deps.keys.replace({ ...next, rev: key.rev + 1 }, key.rev)
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
