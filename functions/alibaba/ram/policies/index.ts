/** @module functions/alibaba/ram/policies — the RAM policy actions and the user attachments, one file each. */
import type { ActionDescriptor } from '../../action'
import { AttachPolicyToUser } from './attach-policy-to-user'
import { CreatePolicy } from './create-policy'
import { DeletePolicy } from './delete-policy'
import { DetachPolicyFromUser } from './detach-policy-from-user'
import { GetPolicy } from './get-policy'
import { ListPoliciesForUser } from './list-policies-for-user'

export const RAM_POLICY_ACTIONS: readonly ActionDescriptor[] = [
  CreatePolicy,
  GetPolicy,
  DeletePolicy,
  AttachPolicyToUser,
  DetachPolicyFromUser,
  ListPoliciesForUser,
]
