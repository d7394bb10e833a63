/** @module functions/alibaba/actions/keys/disable-key — DisableKey. */
import { disableKey } from '../../../../core/domain/keys/key-lifecycle'
import { action } from '../../action'
import { KEY_ID } from '../../fields'
import { KEY, on } from '../../permission'

export const DisableKey = action({
  name: 'DisableKey',
  params: { KeyId: KEY_ID },
  permission: on(KEY, false),
  handler: async ({ deps, caller }, { KeyId }) => {
    await disableKey(deps, caller, KeyId)
    return {}
  },
})
