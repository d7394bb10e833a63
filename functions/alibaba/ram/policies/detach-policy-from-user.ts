/** @module functions/alibaba/ram/policies/detach-policy-from-user — DetachPolicyFromUser (needs the permission on both the user and the policy). */
import { detachPolicyFromUser } from '../../../../core/domain/principals/policies'
import { action } from '../../action'
import { POLICY, USER } from '../../permission'
import { POLICY_NAME, POLICY_TYPE, USER_NAME } from '../fields'

export const DetachPolicyFromUser = action({
  name: 'DetachPolicyFromUser',
  params: { UserName: USER_NAME, PolicyName: POLICY_NAME, PolicyType: POLICY_TYPE },
  permission: { checks: [{ resource: USER }, { resource: POLICY }], readOnly: false, crossAccount: false },
  handler: async ({ deps, caller }, { UserName, PolicyName, PolicyType }) => {
    await detachPolicyFromUser(deps, caller, { userName: UserName, policyName: PolicyName, policyType: PolicyType })
    return {}
  },
})
