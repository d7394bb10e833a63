/**
 * @module functions/alibaba/actions/secrets/rotate-secret — RotateSecret (managed secrets,
 * core/domain/secrets/rotation/). Response `{Arn, SecretName, VersionId}` as the 2.x SDK models.
 *
 * Starts a rotation to `VersionId` and drives it as far as it goes within the request. A retry
 * with the same VersionId succeeds without a second rotation; a rotation of another VersionId in
 * flight is `Rejected.IncorrectSecretStatus` (409). A failed step is not an error of this call:
 * it is recorded (DescribeSecret `RotationStatus=Failed`, `LastRotationError`) and the scheduled
 * job retries it.
 */
import { loadSecret } from '../../../../core/domain/secrets/common'
import { assertVersionId, secretArn } from '../../../../core/domain/secrets/names'
import { driveRotation, startRotation, strategyOrRefuse } from '../../../../core/domain/secrets/rotation/engine'
import { action } from '../../action'
import { SECRET, SECRET_KEY } from '../../permission'
import { NAME, VERSION_ID } from './shape'

export const RotateSecret = action({
  name: 'RotateSecret',
  params: { VersionId: VERSION_ID, SecretName: NAME },
  // A rotation stores a new version under the secret's CMK, as PutSecretValue does.
  permission: {
    checks: [{ resource: SECRET }, { action: 'kms:GenerateDataKey', resource: SECRET_KEY }],
    readOnly: false,
    crossAccount: false,
  },
  handler: async ({ deps, caller }, { VersionId, SecretName }) => {
    assertVersionId(VersionId)
    const head = await loadSecret(deps, caller, SecretName, 'refuse')
    strategyOrRefuse(head)
    const { head: started } = await startRotation(deps, head, VersionId, 'manual')
    if (started.rotation?.pending?.versionId === VersionId) await driveRotation(deps, started, deps.clock.now())
    return { Arn: secretArn(head), SecretName: head.secretName, VersionId }
  },
})
