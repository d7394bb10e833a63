/**
 * @module core/domain/secrets/put-secret-value
 *
 * PutSecretValue: stores a new version and moves labels, as one conditional write on the head.
 *
 * 1. Read the head. If it already lists the version id, the call is a retry: same data (and
 *    type) → success without writing; other data → `secret.versionConflict`. Only a caller who
 *    may read the secret (`callerCanRead`) learns which: for anyone else an existing version id
 *    is always `secret.versionConflict`, so that a writer cannot confirm guesses of the value.
 * 2. Plan the labels on that head (ninth label → `limit.exceeded`) before writing anything.
 * 3. Make sure the version item exists (common.ensureVersionItem: concurrent writers of the same
 *    id and data share one item; other data is a conflict).
 * 4. Commit the head conditional on the revision read; on a lost race go back to 1 with the
 *    fresh head (the item stays and is reused).
 *
 * Concurrent writers therefore serialise on the head: exactly one ACSCurrent at every revision,
 * ACSPrevious on the former current, no acknowledged version lost (evicted versions are the
 * oldest unlabeled ones of the head they were evicted from).
 */
import { KmsError } from '../../errors'
import { isoSeconds } from '../keys/common'
import type { Caller } from '../model'
import { ConditionFailed, type SecretDeps } from '../ports'
import {
  MAX_HEAD_ATTEMPTS,
  backoff,
  conflict,
  danglingVersion,
  confirmVersionItem,
  ensureVersionItem,
  holdsValue,
  loadSecret,
  markForSweep,
  sweepTime,
} from './common'
import type { SecretRecord, SecretVersionRecord } from './model'
import { assertVersionId, normaliseNewVersionStages, parseSecretValue } from './names'
import { planNewVersion, stagesOf } from './stages'
import { loadSecretKeyForWrite } from './value-crypto'

export interface PutSecretValueInput {
  secretName: string
  versionId: string
  secretData: string | undefined
  secretDataType?: string
  versionStages?: string[]
  /**
   * Whether the caller may read the secret's value (kms:GetSecretValue on it, kms:Decrypt on its
   * customer CMK). False: a retry with an existing VersionId never compares values.
   * Undefined means true (server-side callers).
   */
  callerCanRead?: boolean
  /**
   * Whether the caller was authorised on the secret's CMK as read now (false when the secret was
   * deleted and created again under another key since): checked before anything is written.
   */
  keyAuthorised?: (secret: SecretRecord) => boolean
}

export interface PutSecretValueOutput {
  secret: SecretRecord
  versionId: string
  stages: string[]
}

function versionConflict(): KmsError {
  return new KmsError('secret.versionConflict', 'A version with this VersionId already exists with different secret data.')
}

/**
 * @throws KmsError validation.*, limit.exceeded, secret.notFound, secret.invalidState,
 *   secret.versionConflict, key.* (the CMK's state), concurrency.conflict
 */
export async function putSecretValue(deps: SecretDeps, caller: Caller, input: PutSecretValueInput): Promise<PutSecretValueOutput> {
  assertVersionId(input.versionId)
  const labels = normaliseNewVersionStages(input.versionStages)
  const value = parseSecretValue(input.secretData, input.secretDataType)
  let item: SecretVersionRecord | undefined
  let head: SecretRecord | undefined
  try {
    for (let attempt = 0; attempt < MAX_HEAD_ATTEMPTS; attempt++) {
      head = await loadSecret(deps, caller, input.secretName, 'refuse')
      if (head.secretType === 'RAMCredentials') {
        // Its value is an AccessKey the rotation engine issues (./rotation/ram.ts): a value put
        // by hand would name a key the engine did not make, and could never be cleaned up.
        throw new KmsError('secret.invalidState', 'The value of a RAMCredentials secret changes only by rotation (RotateSecret).')
      }
      if (input.keyAuthorised && !input.keyAuthorised(head)) {
        throw new KmsError('concurrency.conflict', 'The secret was modified concurrently. Retry the request.')
      }
      if (head.versions.some((v) => v.versionId === input.versionId)) {
        if (input.callerCanRead === false) {
          // Compared with nothing: the same answer whatever the value, and a message that says no more.
          throw new KmsError('secret.versionConflict', 'A version with this VersionId already exists.')
        }
        const { accountId, region, secretName } = head
        const stored = await deps.secrets.getVersion(accountId, region, secretName, input.versionId)
        if (!stored) throw danglingVersion()
        if (!(await holdsValue(deps, head, input.versionId, stored, value))) throw versionConflict()
        return { secret: head, versionId: input.versionId, stages: stagesOf(head, input.versionId) }
      }
      const now = deps.clock.now()
      const id = input.versionId
      // Planned before anything is written, so a ninth label writes nothing.
      const createdAt = item?.createdAt ?? isoSeconds(now)
      let plan = planNewVersion(head, { versionId: id, createdAt }, labels)
      if (!item) {
        const key = await loadSecretKeyForWrite(deps, head)
        item = await ensureVersionItem(deps, head, key, id, value, createdAt, versionConflict)
        plan = planNewVersion(head, { versionId: id, createdAt: item.createdAt }, labels)
      }
      const next: SecretRecord = {
        ...head,
        stages: plan.stages,
        versions: plan.versions,
        updatedAt: isoSeconds(now),
        sweepAt: plan.evicted.length > 0 ? (head.sweepAt ?? sweepTime(now)) : head.sweepAt,
        rev: head.rev + 1,
      }
      try {
        await deps.secrets.replaceHead(next, head.rev)
        await confirmVersionItem(deps, item)
        return { secret: next, versionId: input.versionId, stages: stagesOf(next, input.versionId) }
      } catch (err) {
        if (!(err instanceof ConditionFailed)) throw err
      }
      await backoff(attempt)
    }
    throw conflict()
  } catch (err) {
    // Our item may now be unreferenced: have the sweep look at it once it is old enough.
    if (item && head) await markForSweep(deps, head)
    throw err
  } finally {
    value.bytes.fill(0)
  }
}
