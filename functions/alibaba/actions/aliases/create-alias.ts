/** @module functions/alibaba/actions/aliases/create-alias — CreateAlias. */
import { createAlias } from '../../../../core/domain/keys/aliases'
import { keyTarget } from '../../../../core/domain/targets'
import { action } from '../../action'
import { KEY_ID } from '../../fields'
import { ALIAS_NAME, CREATE_ALIAS } from './fields'

export const CreateAlias = action({
  name: 'CreateAlias',
  params: { AliasName: ALIAS_NAME, KeyId: KEY_ID },
  permission: CREATE_ALIAS,
  handler: async ({ deps, caller, targets }, { AliasName }) => {
    await createAlias(deps, caller, AliasName, keyTarget(targets))
    return {}
  },
})
