/** @module functions/alibaba/actions/keys/update-key-description — UpdateKeyDescription (an empty description clears it). */
import { updateKeyDescription } from '../../../../core/domain/keys/key-lifecycle'
import { missingParameter } from '../../../../core/errors'
import { action } from '../../action'
import { DESCRIPTION, KEY_ID } from '../../fields'
import { KEY, on } from '../../permission'

export const UpdateKeyDescription = action({
  name: 'UpdateKeyDescription',
  params: { Description: DESCRIPTION, KeyId: KEY_ID },
  permission: on(KEY, false),
  handler: async ({ deps, caller }, { Description, KeyId }) => {
    if (Description === undefined) throw missingParameter('Description')
    await updateKeyDescription(deps, caller, KeyId, Description)
    return {}
  },
})
