/** @module functions/alibaba/actions/secrets/update-secret — UpdateSecret (description, ExtendedConfig). */
import { updateSecret } from '../../../../core/domain/secrets/update-secret'
import { action } from '../../action'
import { DESCRIPTION } from '../../fields'
import { secretWrite } from '../../permission'
import { EXTENDED_CONFIG, NAME } from './shape'

export const UpdateSecret = action({
  name: 'UpdateSecret',
  params: { SecretName: NAME, Description: DESCRIPTION, ExtendedConfig: EXTENDED_CONFIG },
  permission: secretWrite,
  handler: async ({ deps, caller }, input) => {
    const secret = await updateSecret(deps, caller, input.SecretName, {
      description: input.Description,
      extendedConfig: input.ExtendedConfig,
    })
    return { SecretName: secret.secretName }
  },
})
