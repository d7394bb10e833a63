/**
 * @module core/domain/secrets/delete-secret
 *
 * DeleteSecret: schedules deletion after a recovery window (7–30 days, default 30) during which
 * the secret can be restored and its value cannot be read; or, with ForceDeleteWithoutRecovery,
 * deletes it at once: the head becomes a tombstone (invisible to every API) and is purged inline;
 * whatever the inline purge could not finish, the scheduled job does.
 */
import { KmsError, invalidParameter } from '../../errors'
import { isoSeconds } from '../keys/common'
import type { Caller } from '../model'
import type { IamRepository, SecretDeps } from '../ports'
import { mutateSecret } from './common'
import { DEFAULT_RECOVERY_WINDOW_DAYS, MAX_RECOVERY_WINDOW_DAYS, MIN_RECOVERY_WINDOW_DAYS, type SecretRecord } from './model'
import { purgeSecret } from './purge'
import { releaseOnPurge, type ReleaseDeps } from '../instances/instances'

export interface DeleteSecretInput {
  recoveryWindowInDays?: number
  forceDeleteWithoutRecovery?: boolean
}

/**
 * @returns the head as written (PendingDeletion, or the Deleted tombstone).
 * @throws KmsError validation.invalidParameter, secret.notFound, secret.invalidState (already
 *   pending deletion, unless forced), concurrency.conflict
 */
export async function deleteSecret(
  deps: Pick<SecretDeps, 'secrets' | 'clock'> & { iam?: Pick<IamRepository, 'deleteResourcePolicy'> },
  caller: Caller,
  secretName: string,
  input: DeleteSecretInput,
): Promise<SecretRecord> {
  const force = input.forceDeleteWithoutRecovery === true
  if (force && input.recoveryWindowInDays !== undefined) {
    throw invalidParameter('RecoveryWindowInDays', 'conflicts with ForceDeleteWithoutRecovery.')
  }
  const days = input.recoveryWindowInDays ?? DEFAULT_RECOVERY_WINDOW_DAYS
  const inRange = days >= MIN_RECOVERY_WINDOW_DAYS && days <= MAX_RECOVERY_WINDOW_DAYS
  if (!Number.isInteger(days) || !inRange) {
    throw invalidParameter('RecoveryWindowInDays', `must be an integer from ${MIN_RECOVERY_WINDOW_DAYS} to ${MAX_RECOVERY_WINDOW_DAYS}.`)
  }
  const written = await mutateSecret(deps, caller, secretName, 'allow', (head, now) => {
    if (force) {
      const at = isoSeconds(now)
      return { ...head, state: 'Deleted', plannedDeleteTime: at, sweepAt: undefined, updatedAt: at }
    }
    if (head.state === 'PendingDeletion') {
      throw new KmsError('secret.invalidState', 'The secret is already pending deletion.')
    }
    return {
      ...head,
      state: 'PendingDeletion',
      plannedDeleteTime: isoSeconds(now + days * 86_400_000),
      updatedAt: isoSeconds(now),
    }
  })
  if (force) {
    // The tombstone is written (once): a secret of a KMS instance gives its quota unit back.
    await releaseOnPurge(deps as ReleaseDeps, written.instanceId, 'secret')
    try {
      await purgeSecret(deps, written, deps.clock.now())
    } catch {
      // The tombstone is due now: the scheduled job finishes the purge.
    }
  }
  return written
}
