/**
 * @module functions/alibaba/ram/roles
 *
 * RAM role actions (Version 2015-05-01): CreateRole, GetRole, ListRoles, UpdateRole, DeleteRole,
 * AttachPolicyToRole, DetachPolicyFromRole, ListPoliciesForRole. Shapes follow
 * @alicloud/ram20150501's models: strings, except `MaxSessionDuration` (number) and
 * `IsTruncated` (boolean); lists wrapped as `{ Role: [...] }`, `{ Policy: [...] }`.
 */
import { openPageToken, sealPageToken } from '../../../core/domain/audit/page-token'
import type { RoleRecord } from '../../../core/domain/principals/role-model'
import {
  attachPolicyToRole,
  createRole,
  deleteRole,
  detachPolicyFromRole,
  getRole,
  listPoliciesForRole,
  listRoles,
  roleArn,
  updateRole,
} from '../../../core/domain/principals/roles'
import type { ActionHandler } from '../context'
import { attachedPoliciesShape, policyRef } from './attachments'

const NAME = { max: 128 }

function roleShape(r: RoleRecord, opts: { document?: boolean; updated?: boolean } = {}): Record<string, unknown> {
  return {
    RoleId: r.roleId,
    RoleName: r.roleName,
    Arn: roleArn(r.accountId, r.roleName),
    Description: r.description,
    ...(opts.document ? { AssumeRolePolicyDocument: r.assumeRolePolicyDocument } : {}),
    MaxSessionDuration: r.maxSessionDuration,
    CreateDate: r.createdAt,
    ...(opts.updated ? { UpdateDate: r.updatedAt } : {}),
  }
}

export const CreateRole: ActionHandler = async ({ deps, caller, params }) => {
  const role = await createRole(deps, caller, {
    roleName: params.string('RoleName', NAME),
    assumeRolePolicyDocument: params.string('AssumeRolePolicyDocument', { max: 8192, allowControl: true }),
    description: params.optionalString('Description', { max: 2048 }),
    maxSessionDuration: params.optionalInteger('MaxSessionDuration', 0, 1_000_000),
  })
  return { Role: roleShape(role, { document: true }) }
}

export const GetRole: ActionHandler = async ({ deps, caller, params }) => {
  const role = await getRole(deps, caller, params.string('RoleName', NAME))
  return { Role: roleShape(role, { document: true, updated: true }) }
}

export const ListRoles: ActionHandler = async ({ deps, caller, params }) => {
  const limit = params.optionalInteger('MaxItems', 1, 1000) ?? 100
  const scope = { purpose: 'ram:ListRoles', accountId: caller.accountId, principalArn: caller.principalArn ?? '', filter: '' }
  const now = deps.clock.now()
  const marker = params.optionalString('Marker', { max: 2048 })
  const after = marker ? openPageToken(deps.rootKeys, scope, marker, now) : undefined
  const { roles, more } = await listRoles(deps, caller, after, limit)
  const last = roles[roles.length - 1]
  return {
    IsTruncated: more,
    ...(more && last ? { Marker: sealPageToken(deps.rootKeys, scope, last.roleName, now) } : {}),
    Roles: { Role: roles.map((r) => roleShape(r, { updated: true })) },
  }
}

export const UpdateRole: ActionHandler = async ({ deps, caller, params }) => {
  const role = await updateRole(deps, caller, {
    roleName: params.string('RoleName', NAME),
    assumeRolePolicyDocument: params.optionalString('NewAssumeRolePolicyDocument', { max: 8192, allowControl: true }) || undefined,
    description: params.optionalString('NewDescription', { max: 2048 }),
    maxSessionDuration: params.optionalInteger('NewMaxSessionDuration', 0, 1_000_000),
  })
  return { Role: roleShape(role, { document: true, updated: true }) }
}

export const DeleteRole: ActionHandler = async ({ deps, caller, params }) => {
  await deleteRole(deps, caller, params.string('RoleName', NAME))
  return {}
}

function attachment(params: Parameters<ActionHandler>[0]['params']) {
  return { roleName: params.string('RoleName', NAME), ...policyRef(params) }
}

export const AttachPolicyToRole: ActionHandler = async ({ deps, caller, params }) => {
  await attachPolicyToRole(deps, caller, attachment(params))
  return {}
}

export const DetachPolicyFromRole: ActionHandler = async ({ deps, caller, params }) => {
  await detachPolicyFromRole(deps, caller, attachment(params))
  return {}
}

export const ListPoliciesForRole: ActionHandler = async ({ deps, caller, params }) => {
  return attachedPoliciesShape(await listPoliciesForRole(deps, caller, params.string('RoleName', NAME)))
}
