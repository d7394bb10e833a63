/** @module functions/alibaba/actions/secrets/delete-secret — DeleteSecret (recovery window, or forced). */
import { deleteSecret } from '../../../../core/domain/secrets/delete-secret'
import { action } from '../../action'
import { optionalBool, optionalInt } from '../../fields'
import { secretWrite } from '../../permission'
import { NAME } from './shape'

export const DeleteSecret = action({
  name: 'DeleteSecret',
  params: { SecretName: NAME, RecoveryWindowInDays: optionalInt(-1_000_000, 1_000_000), ForceDeleteWithoutRecovery: optionalBool() },
  permission: secretWrite,
  handler: async ({ deps, caller }, input) => {
    const secret = await deleteSecret(deps, caller, input.SecretName, {
      recoveryWindowInDays: input.RecoveryWindowInDays,
      forceDeleteWithoutRecovery: input.ForceDeleteWithoutRecovery,
    })
    return { SecretName: secret.secretName, PlannedDeleteTime: secret.plannedDeleteTime }
  },
})
