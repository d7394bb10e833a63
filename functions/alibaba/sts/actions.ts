/**
 * @module functions/alibaba/sts/actions
 *
 * The STS-compatible API (Version 2015-04-01, same endpoint and signatures as KMS and RAM):
 * AssumeRole and GetCallerIdentity, shaped as @alicloud/sts20150401's models (strings only).
 */
import { assumeRole, getCallerIdentity } from '../../../core/domain/sts/assume-role'
import type { ActionHandler } from '../context'

export const AssumeRole: ActionHandler = async ({ deps, caller, params }) => {
  const out = await assumeRole(deps, caller, {
    roleArn: params.string('RoleArn', { max: 256 }),
    roleSessionName: params.string('RoleSessionName', { max: 128 }),
    durationSeconds: params.optionalInteger('DurationSeconds', 0, 1_000_000),
    policy: params.optionalString('Policy', { max: 8192, allowControl: true }) || undefined,
  })
  return {
    Credentials: {
      AccessKeyId: out.accessKeyId,
      AccessKeySecret: out.accessKeySecret,
      SecurityToken: out.securityToken,
      Expiration: out.expiration,
    },
    AssumedRoleUser: { Arn: out.assumedRoleArn, AssumedRoleId: out.assumedRoleId },
  }
}

export const GetCallerIdentity: ActionHandler = async ({ deps, caller }) => {
  const id = await getCallerIdentity(deps, caller)
  return {
    AccountId: id.accountId,
    UserId: id.userId,
    Arn: id.arn,
    IdentityType: id.identityType,
    PrincipalId: id.principalId,
    ...(id.roleId ? { RoleId: id.roleId } : {}),
  }
}
