/**
 * @module functions/alibaba/sts/get-caller-identity
 *
 * GetCallerIdentity (STS 2015-04-01): who the caller is, shaped as @alicloud/sts20150401's model
 * (strings only). It needs no permission, as Alibaba documents: its permission has no checks.
 */
import { getCallerIdentity } from '../../../core/domain/sts/assume-role'
import { action } from '../action'

export const GetCallerIdentity = action({
  name: 'GetCallerIdentity',
  params: {},
  permission: { checks: [], readOnly: true, crossAccount: false },
  handler: async ({ deps, caller }) => {
    const id = await getCallerIdentity(deps, caller)
    return {
      AccountId: id.accountId,
      UserId: id.userId,
      Arn: id.arn,
      IdentityType: id.identityType,
      PrincipalId: id.principalId,
      ...(id.roleId ? { RoleId: id.roleId } : {}),
    }
  },
})
