/**
 * @module functions/alibaba/actions/rotate-secret
 *
 * RotateSecret and UpdateSecretRotationPolicy (managed secrets, core/domain/secrets/rotation/).
 * Response shapes follow the 2.x SDK models: `{Arn, SecretName, VersionId}` and `{SecretName}`.
 *
 * Every export of this file is an action (the registry spreads it); helpers stay private.
 */
import { loadSecret } from '../../../core/domain/secrets/common'
import { secretArn } from '../../../core/domain/secrets/names'
import { driveRotation, startRotation, strategyOrRefuse, updateRotationPolicy } from '../../../core/domain/secrets/rotation/engine'
import { parseSecretRotationInterval } from '../../../core/domain/secrets/rotation/interval'
import { assertVersionId } from '../../../core/domain/secrets/names'
import { invalidParameter } from '../../../core/errors'
import type { ActionHandler } from '../context'

const NAME = { max: 512 }

/**
 * Starts a rotation to `VersionId` and drives it as far as it goes within the request. A retry
 * with the same VersionId succeeds without a second rotation; a rotation of another VersionId in
 * flight is `Rejected.IncorrectSecretStatus` (409). A failed step is not an error of this call:
 * it is recorded (DescribeSecret `RotationStatus=Failed`, `LastRotationError`) and the scheduled
 * job retries it.
 */
export const RotateSecret: ActionHandler = async ({ deps, caller, params }) => {
  const versionId = params.string('VersionId', { max: 64 })
  assertVersionId(versionId)
  const head = await loadSecret(deps, caller, params.string('SecretName', NAME), 'refuse')
  strategyOrRefuse(head)
  const { head: started } = await startRotation(deps, head, versionId, 'manual')
  if (started.rotation?.pending?.versionId === versionId) await driveRotation(deps, started, deps.clock.now())
  return { Arn: secretArn(head), SecretName: head.secretName, VersionId: versionId }
}

export const UpdateSecretRotationPolicy: ActionHandler = async ({ deps, caller, params }) => {
  const enabled = params.boolean('EnableAutomaticRotation')
  const interval = params.optionalString('RotationInterval', { max: 32 }) || undefined
  const head = await loadSecret(deps, caller, params.string('SecretName', NAME), 'refuse')
  strategyOrRefuse(head)
  let seconds: number | undefined
  if (enabled) {
    if (interval === undefined) throw invalidParameter('RotationInterval', 'is required with EnableAutomaticRotation=true.')
    seconds = parseSecretRotationInterval(interval)
  }
  const next = await updateRotationPolicy(deps, head, enabled, seconds)
  return { SecretName: next.secretName }
}
