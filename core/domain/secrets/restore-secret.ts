/**
 * @module core/domain/secrets/restore-secret
 *
 * RestoreSecret: cancels a scheduled deletion while the recovery window lasts. One conditional
 * write on the head, so it races safely with the purge job (whichever writes first wins; a
 * purged secret is not found).
 */
import { KmsError } from '../../errors'
import { isoSeconds } from '../keys/common'
import type { Caller } from '../model'
import type { SecretDeps } from '../ports'
import { mutateSecret } from './common'
import type { SecretRecord } from './model'

/** @throws KmsError validation.*, secret.notFound, secret.invalidState (not pending deletion) */
export async function restoreSecret(
  deps: Pick<SecretDeps, 'secrets' | 'clock'>,
  caller: Caller,
  secretName: string,
): Promise<SecretRecord> {
  return mutateSecret(deps, caller, secretName, 'allow', (head, now) => {
    if (head.state !== 'PendingDeletion') {
      throw new KmsError('secret.invalidState', 'The secret is not pending deletion.')
    }
    const { plannedDeleteTime: _gone, ...rest } = head
    return { ...rest, state: 'Enabled', updatedAt: isoSeconds(now) }
  })
}
