/** @module functions/alibaba/actions/aliases/delete-alias — DeleteAlias, conditional on the key the alias pointed at when authorised. */
import { deleteAlias } from '../../../../core/domain/keys/aliases'
import { action } from '../../action'
import { authorisedAliasKey } from './authorised-target'
import { ALIAS_NAME, DELETE_ALIAS } from './fields'

export const DeleteAlias = action({
  name: 'DeleteAlias',
  params: { AliasName: ALIAS_NAME },
  permission: DELETE_ALIAS,
  handler: async ({ deps, caller, targets }, { AliasName }) => {
    await deleteAlias(deps, caller, AliasName, authorisedAliasKey(targets))
    return {}
  },
})
