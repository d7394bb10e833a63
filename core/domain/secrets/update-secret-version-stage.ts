/**
 * @module core/domain/secrets/update-secret-version-stage
 *
 * UpdateSecretVersionStage: moves or removes one stage label with one conditional write on the
 * head (rules in ./stages.ts). Repeating a move that already took effect writes nothing.
 */
import { invalidParameter } from '../../errors'
import { isoSeconds } from '../keys/common'
import type { Caller } from '../model'
import type { SecretDeps } from '../ports'
import { mutateSecret } from './common'
import type { SecretRecord } from './model'
import { assertStageLabel, assertVersionId } from './names'
import { planStageMove, type StageMove } from './stages'

/**
 * @throws KmsError validation.*, limit.exceeded (a ninth label), secret.notFound,
 *   secret.versionNotFound, secret.invalidState (pending deletion), concurrency.conflict
 */
export async function updateSecretVersionStage(
  deps: Pick<SecretDeps, 'secrets' | 'clock'>,
  caller: Caller,
  secretName: string,
  move: StageMove,
): Promise<SecretRecord> {
  assertStageLabel(move.stage)
  if (move.moveToVersion !== undefined) assertVersionId(move.moveToVersion, 'MoveToVersion')
  if (move.removeFromVersion !== undefined) {
    assertVersionId(move.removeFromVersion, 'RemoveFromVersion')
  }
  if (move.moveToVersion === undefined && move.removeFromVersion === undefined) {
    throw invalidParameter('MoveToVersion', 'give MoveToVersion, RemoveFromVersion or both.')
  }
  return mutateSecret(deps, caller, secretName, 'refuse', (head, now) => {
    const stages = planStageMove(head, move)
    if (!stages) return undefined
    return { ...head, stages, updatedAt: isoSeconds(now) }
  })
}
