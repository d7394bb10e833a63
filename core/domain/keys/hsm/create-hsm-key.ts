/**
 * @module core/domain/keys/hsm/create-hsm-key
 *
 * CreateKey with ProtectionLevel=HSM, in three steps that can never leave an HSM object without
 * a row that owns it (dynalite has no transactions: one conditional write per step):
 *
 * 1. **Intent**: the key item is created (conditional on the id not existing) in state
 *    `PendingDeletion` with `deleteDate = now + HSM_INTENT_GRACE_MS` and its one version marked
 *    `hsmState: 'Creating'`. It cannot be used, and it is already in the deletion index.
 * 2. The HSM object is generated with `CKA_ID` = {@link hsmObjectId} (key id ‖ version id).
 * 3. **Confirm**: one conditional write on the intent's revision makes the key `Enabled`, drops
 *    the delete date and marks the version `Active` (asymmetric keys also store the public key).
 *
 * A crash after 1 or 2 leaves an intent that the purge job (core/domain/jobs/purge-deleted-keys)
 * destroys once the grace period has passed: it destroys the HSM object (if any) and tombstones
 * the row. An HSM object whose row is gone is removed by the reconciler (./reconcile-hsm-keys).
 * When generation fails, the request undoes what it can at once (best effort) and reports the
 * failure; anything it could not undo is left to the same jobs.
 */
import { toBase64 } from '../../../crypto/bytes'
import { KmsError } from '../../../errors'
import type { KeyRecord } from '../../model'
import { ConditionFailed, type HsmDeps, type HsmKeySpec, type KeyDeps } from '../../ports'
import { isoSeconds } from '../common'
import { uuidV4 } from '../material'
import { hsmObjectId, requireHsm } from './hsm-keys'

/** How long an unconfirmed creation intent lives before the purge job removes it (10 min). */
export const HSM_INTENT_GRACE_MS = 10 * 60_000

/**
 * Creates an HSM-protected key from `template` (a fully validated key record without versions).
 *
 * @throws {KmsError} key.unsupportedProtectionLevel (no bridge), hsm.unavailable (retryable;
 *   nothing usable was created), concurrency.conflict (the intent changed under us), internal.
 */
export async function createHsmKey(
  deps: Pick<KeyDeps, 'keys' | 'clock' | 'random'> & HsmDeps,
  template: KeyRecord,
  spec: HsmKeySpec,
): Promise<KeyRecord> {
  const hsm = requireHsm(deps)
  const now = deps.clock.now()
  const versionId = uuidV4(deps.random)
  const createdAt = isoSeconds(now)
  const intent: KeyRecord = {
    ...template,
    protectionLevel: 'HSM',
    keyState: 'PendingDeletion',
    deleteDate: isoSeconds(now + HSM_INTENT_GRACE_MS),
    primaryVersionId: versionId,
    versions: [{ versionId, createdAt, hsmState: 'Creating' }],
    rev: 1,
  }
  await deps.keys.create(intent)

  const objectId = hsmObjectId(intent.keyId, versionId)
  let publicKeySpki: string | undefined
  try {
    const generated = await hsm.generateKey(objectId, spec)
    if (spec !== 'AES_256' && !spec.startsWith('HMAC_')) {
      if (!generated.publicKeySpkiDer) throw new KmsError('internal', 'The HSM returned no public key.')
      publicKeySpki = toBase64(generated.publicKeySpkiDer)
    }
  } catch (err) {
    await undoIntent(deps, intent, objectId)
    throw err
  }

  const { deleteDate: _intentOnly, ...rest } = intent
  const confirmed: KeyRecord = {
    ...rest,
    keyState: 'Enabled',
    versions: [{ versionId, createdAt, hsmState: 'Active', ...(publicKeySpki ? { publicKeySpki } : {}) }],
    rev: intent.rev + 1,
  }
  try {
    await deps.keys.replace(confirmed, intent.rev)
  } catch (err) {
    if (err instanceof ConditionFailed) {
      throw new KmsError('concurrency.conflict', 'The key was modified while it was being created. Retry the request.')
    }
    throw err
  }
  return confirmed
}

/** Best effort: destroy the object (a timed-out generate may still have made it), tombstone the row. */
async function undoIntent(deps: Pick<KeyDeps, 'keys'> & HsmDeps, intent: KeyRecord, objectId: string): Promise<void> {
  try {
    await requireHsm(deps).destroyKey(objectId)
    const { deleteDate: _gone, ...rest } = intent
    await deps.keys.replace(
      {
        ...rest,
        keyState: 'Deleted',
        versions: intent.versions.map(({ versionId, createdAt }) => ({ versionId, createdAt })),
        rev: intent.rev + 1,
      },
      intent.rev,
    )
  } catch (err) {
    // The intent stays due for deletion; the purge job finishes the undo after the grace period.
    console.error(JSON.stringify({ level: 'warn', event: 'hsm.undoIntent', error: (err as Error)?.name ?? 'unknown' }))
  }
}
