/** @module functions/alibaba/ram/policies/list-policies-for-user — ListPoliciesForUser. */
import { listPoliciesForUser } from '../../../../core/domain/principals/policies'
import { action } from '../../action'
import { USER, on } from '../../permission'
import { USER_NAME } from '../fields'
import { attachedPoliciesShape } from '../shape'

export const ListPoliciesForUser = action({
  name: 'ListPoliciesForUser',
  params: { UserName: USER_NAME },
  permission: on(USER, true),
  handler: async ({ deps, caller }, { UserName }) => attachedPoliciesShape(await listPoliciesForUser(deps, caller, UserName)),
})
