/**
 * @module core/domain/secrets/rotation/job
 *
 * Scheduled job `secrets.rotate`: secrets whose rotation pointer (`DUE#SECRET_ROTATION`, see
 * ./schedule.ts) is due, at most `budget` per run. For each, the head is re-read: a due automatic
 * rotation is started (version id derived from the due time, so overlapping runs start the same
 * rotation, and only one of them wins the start write), a pending rotation is driven on, a due
 * cleanup runs, and the pointer is moved to the head's next due time (or deleted).
 */
import { forEachIsolated, type JobReport, type ScheduledJob } from '../../jobs/job'
import { isoSeconds } from '../../keys/common'
import { KmsError } from '../../../errors'
import { driveRotation, startRotation, syncSchedule } from './engine'
import { rotationDueTime, scheduleStore } from './schedule'
import type { RotationDeps } from './strategy'

export const SECRET_ROTATION_JOB_NAME = 'secrets.rotate'

export async function runSecretRotationJob(deps: RotationDeps, nowMs: number, budget: number): Promise<JobReport> {
  const store = scheduleStore(deps.secrets)
  if (!store) return { job: SECRET_ROTATION_JOB_NAME, processed: 0, skipped: 0, failed: 0, more: false }
  const nowIso = isoSeconds(nowMs)
  const { items, more } = await store.listDueRotations(nowIso, budget)
  return forEachIsolated(
    SECRET_ROTATION_JOB_NAME,
    items,
    async (ref) => {
      let head = await deps.secrets.getHead(ref.accountId, ref.region, ref.secretName)
      if (!head || head.state === 'Deleted') {
        await store.deleteRotationSchedule(ref, ref.due).catch(() => undefined)
        return 'skipped'
      }
      const due = rotationDueTime(head)
      if (due === undefined || due > nowIso) {
        await syncSchedule(deps, head, ref.due)
        return 'skipped'
      }
      const r = head.rotation!
      if (!r.pending && r.enabled && r.nextRotationDate && r.nextRotationDate <= nowIso && head.state === 'Enabled') {
        // Same id for every run that sees this due time: they contend for one start write.
        const versionId = `auto-${r.nextRotationDate.replace(/[^0-9]/g, '')}`
        try {
          head = (await startRotation(deps, head, versionId, 'schedule', nowMs)).head
        } catch (err) {
          if (!(err instanceof KmsError && err.code === 'secret.invalidState')) throw err
        }
      }
      const outcome = await driveRotation(deps, head, nowMs)
      const after = await deps.secrets.getHead(ref.accountId, ref.region, ref.secretName)
      if (after) await syncSchedule(deps, after, ref.due)
      return outcome === 'idle' || outcome === 'busy' ? 'skipped' : 'processed'
    },
    more,
  )
}

export const secretRotationJob: ScheduledJob<RotationDeps> = {
  name: SECRET_ROTATION_JOB_NAME,
  run: runSecretRotationJob,
}
