/**
 * @module functions/alibaba/sts/assume-role
 *
 * AssumeRole (STS 2015-04-01): temporary credentials of a role, shaped as @alicloud/sts20150401's
 * models (strings only). Authorisation checks `sts:AssumeRole` on the role ARN; the role's trust
 * policy is checked by core/domain/sts/assume-role.ts. It writes nothing (read-only), and its
 * credentials are released only once its audit event is written.
 */
import { assumeRole } from '../../../core/domain/sts/assume-role'
import { action } from '../action'
import { optionalInt, optionalText, text } from '../fields'
import { on } from '../permission'

export const AssumeRole = action({
  name: 'AssumeRole',
  params: {
    RoleArn: text({ max: 256 }),
    RoleSessionName: text({ max: 128 }),
    DurationSeconds: optionalInt(0, 1_000_000),
    Policy: optionalText({ max: 8192, allowControl: true }),
  },
  permission: on({ kind: 'ramRoleArn', param: 'RoleArn' }, true),
  handler: async ({ deps, caller }, input) => {
    const out = await assumeRole(deps, caller, {
      roleArn: input.RoleArn,
      roleSessionName: input.RoleSessionName,
      durationSeconds: input.DurationSeconds,
      policy: input.Policy || undefined,
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
  },
})
