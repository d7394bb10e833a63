/** @module functions/alibaba/actions/secrets/restore-secret — RestoreSecret. */
import { restoreSecret } from '../../../../core/domain/secrets/restore-secret'
import { action } from '../../action'
import { secretWrite } from '../../permission'
import { NAME } from './shape'

export const RestoreSecret = action({
  name: 'RestoreSecret',
  params: { SecretName: NAME },
  permission: secretWrite,
  handler: async ({ deps, caller }, input) => {
    const secret = await restoreSecret(deps, caller, input.SecretName)
    return { SecretName: secret.secretName }
  },
})
