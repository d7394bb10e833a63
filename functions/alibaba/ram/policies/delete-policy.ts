/** @module functions/alibaba/ram/policies/delete-policy — DeletePolicy (`CascadingDelete` detaches it first). */
import { deletePolicy } from '../../../../core/domain/principals/policies'
import { action } from '../../action'
import { optionalBool } from '../../fields'
import { POLICY, on } from '../../permission'
import { POLICY_NAME } from '../fields'

export const DeletePolicy = action({
  name: 'DeletePolicy',
  params: { PolicyName: POLICY_NAME, CascadingDelete: optionalBool() },
  permission: on(POLICY, false),
  handler: async ({ deps, caller }, { PolicyName, CascadingDelete }) => {
    await deletePolicy(deps, caller, PolicyName, CascadingDelete ?? false)
    return {}
  },
})
