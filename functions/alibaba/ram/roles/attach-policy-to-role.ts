/** @module functions/alibaba/ram/roles/attach-policy-to-role — AttachPolicyToRole (needs the permission on both the role and the policy). */
import { attachPolicyToRole } from '../../../../core/domain/principals/roles'
import { action } from '../../action'
import { POLICY, ROLE } from '../../permission'
import { POLICY_NAME, POLICY_TYPE, ROLE_NAME } from '../fields'

export const AttachPolicyToRole = action({
  name: 'AttachPolicyToRole',
  params: { RoleName: ROLE_NAME, PolicyName: POLICY_NAME, PolicyType: POLICY_TYPE },
  permission: { checks: [{ resource: ROLE }, { resource: POLICY }], readOnly: false, crossAccount: false },
  handler: async ({ deps, caller }, { RoleName, PolicyName, PolicyType }) => {
    await attachPolicyToRole(deps, caller, { roleName: RoleName, policyName: PolicyName, policyType: PolicyType })
    return {}
  },
})
