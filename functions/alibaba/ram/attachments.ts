/**
 * @module functions/alibaba/ram/attachments
 *
 * What the user and role policy-attachment actions share (functions/alibaba/ram/actions.ts,
 * functions/alibaba/ram/roles.ts): the PolicyName/PolicyType parameters and the
 * ListPoliciesFor* response. Not an action module (the registry spreads those).
 */
import type { AttachedPolicyView } from '../../../core/domain/principals/policies'
import type { ActionHandler } from '../context'

const NAME = { max: 128 }

/** PolicyName and PolicyType of an attach or detach (read after the owner's name). */
export function policyRef(params: Parameters<ActionHandler>[0]['params']): { policyName: string; policyType: string } {
  return {
    policyName: params.string('PolicyName', NAME),
    policyType: params.string('PolicyType', { max: 16 }),
  }
}

/** The ListPoliciesForUser / ListPoliciesForRole response. */
export function attachedPoliciesShape(policies: AttachedPolicyView[]): Record<string, unknown> {
  return {
    Policies: {
      Policy: policies.map((p) => ({
        PolicyName: p.policyName,
        PolicyType: p.policyType,
        Description: p.description,
        DefaultVersion: 'v1',
        AttachDate: p.attachedAt,
      })),
    },
  }
}
