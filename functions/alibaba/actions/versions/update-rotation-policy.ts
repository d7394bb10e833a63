/** @module functions/alibaba/actions/versions/update-rotation-policy — UpdateRotationPolicy (automatic rotation on or off, and its interval). */
import { updateRotationPolicy } from '../../../../core/domain/keys/key-versions'
import { action } from '../../action'
import { KEY_ID, bool, optionalText } from '../../fields'
import { keyWrite } from '../../permission'

export const UpdateRotationPolicy = action({
  name: 'UpdateRotationPolicy',
  params: { KeyId: KEY_ID, EnableAutomaticRotation: bool(), RotationInterval: optionalText({ max: 32 }) },
  permission: keyWrite,
  handler: async ({ deps, caller }, { KeyId, EnableAutomaticRotation, RotationInterval }) => {
    await updateRotationPolicy(deps, caller, KeyId, EnableAutomaticRotation, RotationInterval)
    return {}
  },
})
