/**
 * @module core/domain/secrets/purge-job
 *
 * The scheduled job of the secrets manager: secrets whose recovery window has ended are deleted
 * for good, force-deleted tombstones are finished, and unreferenced version items are swept.
 * Due work is found through the due-time index (`gsi2pk = DUE#SECRET`), never a scan; at most
 * `budget` secrets per run; each secret is re-read (consistent) and re-checked against `now`
 * before anything is written, and every write is conditional, so overlapping runs are safe.
 */
import { forEachIsolated, type JobReport, type ScheduledJob } from '../jobs/job'
import { isoSeconds } from '../keys/common'
import type { IamRepository, SecretDeps } from '../ports'
import { secretDueTime } from './model'
import { purgeSecret, sweepSecret } from './purge'

export const SECRETS_JOB_NAME = 'secrets.purge'

/**
 * One run at `nowMs`.
 * @throws KmsError store.unavailable when the due index cannot be read (items fail in isolation)
 */
export async function runSecretsJob(
  deps: Pick<SecretDeps, 'secrets'> & { iam?: Pick<IamRepository, 'deleteResourcePolicy'> },
  nowMs: number,
  budget: number,
): Promise<JobReport> {
  const nowIso = isoSeconds(nowMs)
  const { items, more } = await deps.secrets.listDue(nowIso, budget)
  return forEachIsolated(
    SECRETS_JOB_NAME,
    items,
    async (ref) => {
      const head = await deps.secrets.getHead(ref.accountId, ref.region, ref.secretName)
      const due = head ? secretDueTime(head) : undefined
      if (!head || due === undefined || due > nowIso) return 'skipped'
      const outcome = head.state === 'Enabled' ? await sweepSecret(deps, head, nowMs) : await purgeSecret(deps, head, nowMs)
      return outcome === 'skipped' ? 'skipped' : 'processed'
    },
    more,
  )
}

export const secretsJob: ScheduledJob<Pick<SecretDeps, 'secrets'> & { iam: Pick<IamRepository, 'deleteResourcePolicy'> }> = {
  name: SECRETS_JOB_NAME,
  run: runSecretsJob,
}
