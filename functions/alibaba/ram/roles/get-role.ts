/** @module functions/alibaba/ram/roles/get-role — GetRole, with its trust policy. */
import { getRole } from '../../../../core/domain/principals/roles'
import { action } from '../../action'
import { ROLE, on } from '../../permission'
import { ROLE_NAME } from '../fields'
import { roleShape } from '../shape'

export const GetRole = action({
  name: 'GetRole',
  params: { RoleName: ROLE_NAME },
  permission: on(ROLE, true),
  handler: async ({ deps, caller }, { RoleName }) => {
    const role = await getRole(deps, caller, RoleName)
    return { Role: roleShape(role, { document: true, updated: true }) }
  },
})
