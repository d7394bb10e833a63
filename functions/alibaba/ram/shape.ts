/**
 * @module functions/alibaba/ram/shape
 *
 * RAM response shapes (Version 2015-05-01) several actions share, as @alicloud/ram20150501's
 * models (the SDK casts every field and throws on a type mismatch): strings everywhere except
 * `MaxSessionDuration` (number); lists wrapped as `{ Policy: [...] }`.
 */
import type { AttachedPolicyView } from '../../../core/domain/principals/policies'
import type { UserRecord } from '../../../core/domain/principals/model'
import type { RoleRecord } from '../../../core/domain/principals/role-model'
import { roleArn } from '../../../core/domain/principals/roles'

export function userShape(u: UserRecord, withUpdate = false): Record<string, string> {
  return {
    UserId: u.userId,
    UserName: u.userName,
    DisplayName: u.displayName,
    MobilePhone: u.mobilePhone,
    Email: u.email,
    Comments: u.comments,
    CreateDate: u.createdAt,
    ...(withUpdate ? { UpdateDate: u.updatedAt } : {}),
  }
}

export function roleShape(r: RoleRecord, opts: { document?: boolean; updated?: boolean } = {}): Record<string, unknown> {
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
