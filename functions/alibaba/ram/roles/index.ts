/**
 * @module functions/alibaba/ram/roles — the RAM role actions, one file each. Shapes follow
 * @alicloud/ram20150501's models: strings, except `MaxSessionDuration` (number) and
 * `IsTruncated` (boolean); lists wrapped as `{ Role: [...] }`, `{ Policy: [...] }`.
 */
import type { ActionDescriptor } from '../../action'
import { AttachPolicyToRole } from './attach-policy-to-role'
import { CreateRole } from './create-role'
import { DeleteRole } from './delete-role'
import { DetachPolicyFromRole } from './detach-policy-from-role'
import { GetRole } from './get-role'
import { ListPoliciesForRole } from './list-policies-for-role'
import { ListRoles } from './list-roles'
import { UpdateRole } from './update-role'

export const ROLE_ACTIONS: readonly ActionDescriptor[] = [
  CreateRole,
  GetRole,
  ListRoles,
  UpdateRole,
  DeleteRole,
  AttachPolicyToRole,
  DetachPolicyFromRole,
  ListPoliciesForRole,
]
