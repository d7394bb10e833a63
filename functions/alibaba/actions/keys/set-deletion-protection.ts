/** @module functions/alibaba/actions/keys/set-deletion-protection — SetDeletionProtection (`ProtectedResourceArn`, or `KeyId`). */
import { setDeletionProtection } from '../../../../core/domain/keys/key-lifecycle'
import { missingParameter } from '../../../../core/errors'
import { action } from '../../action'
import { OPTIONAL_KEY_ID, bool, optionalText } from '../../fields'
import { on } from '../../permission'

export const SetDeletionProtection = action({
  name: 'SetDeletionProtection',
  params: {
    ProtectedResourceArn: OPTIONAL_KEY_ID,
    KeyId: OPTIONAL_KEY_ID,
    EnableDeletionProtection: bool(),
    DeletionProtectionDescription: optionalText({ max: 8192 }),
  },
  permission: on({ kind: 'key', params: ['ProtectedResourceArn', 'KeyId'] }, false),
  handler: async ({ deps, caller }, input) => {
    const target = input.ProtectedResourceArn ?? input.KeyId
    if (!target) throw missingParameter('ProtectedResourceArn')
    await setDeletionProtection(deps, caller, target, input.EnableDeletionProtection, input.DeletionProtectionDescription)
    return {}
  },
})
