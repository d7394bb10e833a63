/** @module functions/alibaba/ram/policies/create-policy — CreatePolicy: a custom policy (one version, `v1`). */
import { createPolicy } from '../../../../core/domain/principals/policies'
import { action } from '../../action'
import { text } from '../../fields'
import { POLICY, on } from '../../permission'
import { ATTRIBUTE, POLICY_NAME } from '../fields'

export const CreatePolicy = action({
  name: 'CreatePolicy',
  params: { PolicyName: POLICY_NAME, PolicyDocument: text({ max: 32768, allowControl: true }), Description: ATTRIBUTE },
  permission: on(POLICY, false),
  handler: async ({ deps, caller }, input) => {
    const policy = await createPolicy(deps, caller, {
      policyName: input.PolicyName,
      document: input.PolicyDocument,
      description: input.Description,
    })
    return {
      Policy: {
        PolicyName: policy.policyName,
        PolicyType: 'Custom',
        Description: policy.description,
        DefaultVersion: 'v1',
        CreateDate: policy.createdAt,
      },
    }
  },
})
