/** @module functions/alibaba/ram/roles/list-policies-for-role — ListPoliciesForRole. */
import { listPoliciesForRole } from '../../../../core/domain/principals/roles'
import { action } from '../../action'
import { ROLE, on } from '../../permission'
import { ROLE_NAME } from '../fields'
import { attachedPoliciesShape } from '../shape'

export const ListPoliciesForRole = action({
  name: 'ListPoliciesForRole',
  params: { RoleName: ROLE_NAME },
  permission: on(ROLE, true),
  handler: async ({ deps, caller }, { RoleName }) => attachedPoliciesShape(await listPoliciesForRole(deps, caller, RoleName)),
})
