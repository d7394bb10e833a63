/**
 * @module functions/scheduled
 *
 * The Worker's cron handler: runs every scheduled job once (see core/domain/jobs/job.ts for the
 * contract). `SCHEDULED_JOBS` is the one list of jobs.
 */
import { sealAuditTrail } from '../core/domain/audit/seal-audit-trail'
import { runJobs, type JobReport, type ScheduledJob } from '../core/domain/jobs/job'
import { purgeDeletedKeys } from '../core/domain/jobs/purge-deleted-keys'
import { rotateDueKeys } from '../core/domain/jobs/rotate-due-keys'
import { reconcileHsmKeys } from '../core/domain/keys/hsm/reconcile-hsm-keys'
import { expireImportedMaterial } from '../core/domain/keys/byok/expire-material-job'
import { secretsJob } from '../core/domain/secrets/purge-job'
import { secretRotationJob } from '../core/domain/secrets/rotation/job'
import type { Deps } from './deps'

export const SCHEDULED_JOBS: ReadonlyArray<ScheduledJob<Deps>> = [
  rotateDueKeys,
  purgeDeletedKeys,
  secretsJob,
  secretRotationJob,
  expireImportedMaterial,
  sealAuditTrail,
  reconcileHsmKeys,
]

export async function runScheduled(deps: Deps, nowMs: number, budget?: number): Promise<JobReport[]> {
  const reports = await runJobs(SCHEDULED_JOBS, deps, nowMs, budget)
  console.log(JSON.stringify({ level: 'info', event: 'scheduled', at: new Date(nowMs).toISOString(), reports }))
  return reports
}
