/** @module functions/alibaba/actions/secrets/update-secret-rotation-policy — UpdateSecretRotationPolicy (managed secrets). */
import { loadSecret } from '../../../../core/domain/secrets/common'
import { strategyOrRefuse, updateRotationPolicy } from '../../../../core/domain/secrets/rotation/engine'
import { parseSecretRotationInterval } from '../../../../core/domain/secrets/rotation/interval'
import { invalidParameter } from '../../../../core/errors'
import { action } from '../../action'
import { bool, custom } from '../../fields'
import { secretWrite } from '../../permission'
import { NAME } from './shape'

export const UpdateSecretRotationPolicy = action({
  name: 'UpdateSecretRotationPolicy',
  params: {
    EnableAutomaticRotation: bool(),
    RotationInterval: custom('optional string ≤ 32', (p, n) => p.optionalString(n, { max: 32 }) || undefined),
    SecretName: NAME,
  },
  permission: secretWrite,
  handler: async ({ deps, caller }, { EnableAutomaticRotation: enabled, RotationInterval: interval, SecretName }) => {
    const head = await loadSecret(deps, caller, SecretName, 'refuse')
    strategyOrRefuse(head)
    let seconds: number | undefined
    if (enabled) {
      if (interval === undefined) throw invalidParameter('RotationInterval', 'is required with EnableAutomaticRotation=true.')
      seconds = parseSecretRotationInterval(interval)
    }
    const next = await updateRotationPolicy(deps, head, enabled, seconds)
    return { SecretName: next.secretName }
  },
})
