/** @module functions/alibaba/actions/secrets/update-secret-version-stage — UpdateSecretVersionStage. */
import { updateSecretVersionStage } from '../../../../core/domain/secrets/update-secret-version-stage'
import { action } from '../../action'
import { text } from '../../fields'
import { secretWrite } from '../../permission'
import { NAME, OPTIONAL_VERSION_ID } from './shape'

export const UpdateSecretVersionStage = action({
  name: 'UpdateSecretVersionStage',
  params: { SecretName: NAME, VersionStage: text({ max: 64 }), MoveToVersion: OPTIONAL_VERSION_ID, RemoveFromVersion: OPTIONAL_VERSION_ID },
  permission: secretWrite,
  handler: async ({ deps, caller }, input) => {
    const secret = await updateSecretVersionStage(deps, caller, input.SecretName, {
      stage: input.VersionStage,
      moveToVersion: input.MoveToVersion,
      removeFromVersion: input.RemoveFromVersion,
    })
    return { SecretName: secret.secretName }
  },
})
