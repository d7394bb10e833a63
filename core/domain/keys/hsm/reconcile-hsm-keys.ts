/**
 * @module core/domain/keys/hsm/reconcile-hsm-keys
 *
 * Scheduled job: make the HSM and the table agree. It lists the bridge's object ids (ids this
 * service did not make are left alone) and, for each of ours, reads the row that owns it (the id
 * names key and version, see ./hsm-keys):
 *
 * - no row, a tombstone, or a row without that version → an orphan: the object is destroyed.
 *   Rows are always written before objects are generated (./create-hsm-key), so an object whose
 *   row does not exist can never become live; no grace period is needed for those;
 * - a live row whose version is still `Creating`: while the intent is `PendingDeletion` within its
 *   grace period the creation may be in flight and nothing happens (after it the purge job undoes
 *   the intent); in any other state (e.g. the intent's deletion was cancelled) the object exists,
 *   so the version is confirmed `Active`;
 * - a live row whose version is `Missing` while the object exists again → marked `Active`.
 *
 * Rows whose object is missing are marked `Missing` when an operation finds the object gone
 * (./hsm-keys `withHsmVersion`); the job cannot enumerate HSM rows without a table scan.
 * At most `budget` ids are looked at per run, starting at an offset that moves every run.
 */
import type { KeyRecord } from '../../model'
import { ConditionFailed, type HsmDeps, type KeyDeps } from '../../ports'
import { forEachIsolated, type JobReport, type ScheduledJob } from '../../jobs/job'
import { parseHsmObjectId } from './hsm-keys'

export const reconcileHsmKeys: ScheduledJob<Pick<KeyDeps, 'keys'> & HsmDeps> = {
  name: 'reconcile-hsm-keys',
  async run(deps, nowMs, budget): Promise<JobReport> {
    const hsm = deps.hsm
    if (!hsm) return { job: this.name, processed: 0, skipped: 0, failed: 0, more: false }
    const ids = (await hsm.listKeys()).filter((id) => parseHsmObjectId(id) !== undefined)
    const more = ids.length > budget
    const start = more ? Math.floor(nowMs / 60_000) % ids.length : 0
    const slice = more ? [...ids.slice(start), ...ids.slice(0, start)].slice(0, budget) : ids
    return forEachIsolated(this.name, slice, async (objectId) => {
      const { keyId, versionId } = parseHsmObjectId(objectId)!
      const key = await deps.keys.get(keyId)
      const version = key?.versions.find((v) => v.versionId === versionId)
      if (!key || key.keyState === 'Deleted' || key.protectionLevel !== 'HSM' || !version) {
        await hsm.destroyKey(objectId)
        return 'processed'
      }
      if (version.hsmState === 'Active' || version.hsmState === undefined) return 'skipped'
      if (version.hsmState === 'Creating' && key.keyState === 'PendingDeletion') return 'skipped'
      return (await setActive(deps, key, versionId)) ? 'processed' : 'skipped'
    }, more)
  },
}

async function setActive(deps: Pick<KeyDeps, 'keys'>, key: KeyRecord, versionId: string): Promise<boolean> {
  const next: KeyRecord = {
    ...key,
    versions: key.versions.map((v) => (v.versionId === versionId ? { ...v, hsmState: 'Active' as const } : v)),
    rev: key.rev + 1,
  }
  try {
    await deps.keys.replace(next, key.rev)
    return true
  } catch (err) {
    if (err instanceof ConditionFailed) return false
    throw err
  }
}
