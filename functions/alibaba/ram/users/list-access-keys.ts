/** @module functions/alibaba/ram/users/list-access-keys — ListAccessKeys (of `UserName`, or of the caller; never the secrets). */
import { listAccessKeys } from '../../../../core/domain/principals/access-keys'
import { action } from '../../action'
import { SELF, on } from '../../permission'
import { OPTIONAL_USER_NAME } from '../fields'

export const ListAccessKeys = action({
  name: 'ListAccessKeys',
  params: { UserName: OPTIONAL_USER_NAME },
  permission: on(SELF, true),
  handler: async ({ deps, caller }, { UserName }) => {
    const keys = await listAccessKeys(deps, caller, UserName)
    return { AccessKeys: { AccessKey: keys.map((k) => ({ AccessKeyId: k.accessKeyId, Status: k.status, CreateDate: k.createdAt })) } }
  },
})
