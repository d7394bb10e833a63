/** @module functions/alibaba/actions/keys/cancel-key-deletion — CancelKeyDeletion. */
import { cancelKeyDeletion } from '../../../../core/domain/keys/key-lifecycle'
import { action } from '../../action'
import { KEY_ID } from '../../fields'
import { KEY, on } from '../../permission'

export const CancelKeyDeletion = action({
  name: 'CancelKeyDeletion',
  params: { KeyId: KEY_ID },
  permission: on(KEY, false),
  handler: async ({ deps, caller }, { KeyId }) => {
    await cancelKeyDeletion(deps, caller, KeyId)
    return {}
  },
})
