/** @module functions/alibaba/actions/keys/enable-key — EnableKey. */
import { enableKey } from '../../../../core/domain/keys/key-lifecycle'
import { action } from '../../action'
import { KEY_ID } from '../../fields'
import { KEY, on } from '../../permission'

export const EnableKey = action({
  name: 'EnableKey',
  params: { KeyId: KEY_ID },
  permission: on(KEY, false),
  handler: async ({ deps, caller }, { KeyId }) => {
    await enableKey(deps, caller, KeyId)
    return {}
  },
})
