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
 * (./hsm-keys `withHsmVersion`); the job cannot enumerate HSM rows without a table scan. It does
 * check, proactively, the sibling versions of every key it reads: an `Active` version whose
 * object id is absent from the listing is marked `Missing` — only when the version is older
 * than the listing by more than {@link HSM_INTENT_GRACE_MS} (its object was generated, and
 * confirmed, before the list was taken), so a version created during the run is never marked.
 * `Missing` is undone by the rule above when the object shows up again. Keys that lost every
 * object are still found only on use (README "HSM keys" has the design for those).
 * At most `budget` ids are looked at per run, starting at an offset that moves every run.
 */
import type { KeyRecord } from '../../model'
import { ConditionFailed, type HsmDeps, type KeyDeps } from '../../ports'
import { forEachIsolated, type JobReport, type ScheduledJob } from '../../jobs/job'
import { hsmObjectId, parseHsmObjectId } from './hsm-keys'
import { HSM_INTENT_GRACE_MS } from './create-hsm-key'

export const reconcileHsmKeys: ScheduledJob<Pick<KeyDeps, 'keys'> & HsmDeps> = {
  name: 'reconcile-hsm-keys',
  async run(deps, nowMs, budget): Promise<JobReport> {
    const hsm = deps.hsm
    if (!hsm) return { job: this.name, processed: 0, skipped: 0, failed: 0, more: false }
    const ids = (await hsm.listKeys()).filter((id) => parseHsmObjectId(id) !== undefined)
    const listed = new Set(ids)
    // The listing's real time (a time-travelled `nowMs` is later than when the objects were listed).
    const listedAt = Math.min(nowMs, Date.now())
    const more = ids.length > budget
    const start = more ? Math.floor(nowMs / 60_000) % ids.length : 0
    const slice = more ? [...ids.slice(start), ...ids.slice(0, start)].slice(0, budget) : ids
    return forEachIsolated(
      this.name,
      slice,
      async (objectId) => {
        const { keyId, versionId } = parseHsmObjectId(objectId)!
        const key = await deps.keys.get(keyId)
        const version = key?.versions.find((v) => v.versionId === versionId)
        if (!key || key.keyState === 'Deleted' || key.protectionLevel !== 'HSM' || !version) {
          await hsm.destroyKey(objectId)
          return 'processed'
        }
        if (await markMissingSiblings(deps, key, listed, listedAt)) return 'processed'
        if (version.hsmState === 'Active' || version.hsmState === undefined) return 'skipped'
        if (version.hsmState === 'Creating' && key.keyState === 'PendingDeletion') return 'skipped'
        return (await setActive(deps, key, versionId)) ? 'processed' : 'skipped'
      },
      more,
    )
  },
}

/** Marks the old-enough Active versions of `key` whose object is not listed `Missing`; true when written. */
async function markMissingSiblings(
  deps: Pick<KeyDeps, 'keys'>,
  key: KeyRecord,
  listed: ReadonlySet<string>,
  listedAt: number,
): Promise<boolean> {
  const gone = key.versions.filter(
    (v) =>
      (v.hsmState === 'Active' || v.hsmState === undefined) &&
      Date.parse(v.createdAt) < listedAt - HSM_INTENT_GRACE_MS &&
      !listed.has(hsmObjectId(key.keyId, v.versionId)),
  )
  if (gone.length === 0) return false
  return writeHsmState(deps, key, new Set(gone.map((v) => v.versionId)), 'Missing')
}

/** Writes `key` with the versions `ids` in `hsmState`; false when the key changed meanwhile. */
async function writeHsmState(
  deps: Pick<KeyDeps, 'keys'>,
  key: KeyRecord,
  ids: ReadonlySet<string>,
  hsmState: 'Active' | 'Missing',
): Promise<boolean> {
  const next: KeyRecord = {
    ...key,
    versions: key.versions.map((v) => (ids.has(v.versionId) ? { ...v, hsmState } : v)),
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

async function setActive(deps: Pick<KeyDeps, 'keys'>, key: KeyRecord, versionId: string): Promise<boolean> {
  return writeHsmState(deps, key, new Set([versionId]), 'Active')
}
