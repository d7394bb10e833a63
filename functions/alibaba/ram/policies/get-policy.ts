/**
 * @module functions/alibaba/ram/policies/get-policy — GetPolicy: a custom or system policy with
 * its one version; `AttachmentCount` is a number and `IsDefaultVersion` a boolean (the SDK's model).
 */
import { getPolicy } from '../../../../core/domain/principals/policies'
import { action } from '../../action'
import { POLICY, on } from '../../permission'
import { POLICY_NAME, POLICY_TYPE } from '../fields'

export const GetPolicy = action({
  name: 'GetPolicy',
  params: { PolicyName: POLICY_NAME, PolicyType: POLICY_TYPE },
  permission: on(POLICY, true),
  handler: async ({ deps, caller }, { PolicyName, PolicyType }) => {
    const p = await getPolicy(deps, caller, PolicyName, PolicyType)
    return {
      Policy: {
        PolicyName: p.policyName,
        PolicyType: p.policyType,
        Description: p.description,
        DefaultVersion: 'v1',
        PolicyDocument: p.document,
        CreateDate: p.createdAt,
        UpdateDate: p.updatedAt,
        AttachmentCount: p.attachmentCount,
      },
      DefaultPolicyVersion: { VersionId: 'v1', IsDefaultVersion: true, PolicyDocument: p.document, CreateDate: p.createdAt },
    }
  },
})
