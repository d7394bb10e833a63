/** @module functions/alibaba/ram/policies/attach-policy-to-user — AttachPolicyToUser (needs the permission on both the user and the policy). */
import { attachPolicyToUser } from '../../../../core/domain/principals/policies'
import { action } from '../../action'
import { POLICY, USER } from '../../permission'
import { POLICY_NAME, POLICY_TYPE, USER_NAME } from '../fields'

export const AttachPolicyToUser = action({
  name: 'AttachPolicyToUser',
  params: { UserName: USER_NAME, PolicyName: POLICY_NAME, PolicyType: POLICY_TYPE },
  permission: { checks: [{ resource: USER }, { resource: POLICY }], readOnly: false, crossAccount: false },
  handler: async ({ deps, caller }, { UserName, PolicyName, PolicyType }) => {
    await attachPolicyToUser(deps, caller, { userName: UserName, policyName: PolicyName, policyType: PolicyType })
    return {}
  },
})
