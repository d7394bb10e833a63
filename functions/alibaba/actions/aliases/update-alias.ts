/** @module functions/alibaba/actions/aliases/update-alias — UpdateAlias, conditional on the key the alias pointed at when authorised. */
import { updateAlias } from '../../../../core/domain/keys/aliases'
import { keyTarget } from '../../../../core/domain/targets'
import { action } from '../../action'
import { KEY_ID } from '../../fields'
import { authorisedAliasKey } from './authorised-target'
import { ALIAS_NAME, UPDATE_ALIAS } from './fields'

export const UpdateAlias = action({
  name: 'UpdateAlias',
  params: { AliasName: ALIAS_NAME, KeyId: KEY_ID },
  permission: UPDATE_ALIAS,
  handler: async ({ deps, caller, targets }, { AliasName }) => {
    await updateAlias(deps, caller, AliasName, keyTarget(targets), authorisedAliasKey(targets))
    return {}
  },
})
