/** @module functions/alibaba/ram/roles/delete-role — DeleteRole. */
import { deleteRole } from '../../../../core/domain/principals/roles'
import { action } from '../../action'
import { ROLE, on } from '../../permission'
import { ROLE_NAME } from '../fields'

export const DeleteRole = action({
  name: 'DeleteRole',
  params: { RoleName: ROLE_NAME },
  permission: on(ROLE, false),
  handler: async ({ deps, caller }, { RoleName }) => {
    await deleteRole(deps, caller, RoleName)
    return {}
  },
})
