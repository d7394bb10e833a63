/** @module functions/alibaba/ram/users/delete-access-key — DeleteAccessKey; this isolate's credential cache forgets the key at once. */
import { deleteAccessKey } from '../../../../core/domain/principals/access-keys'
import { action } from '../../action'
import { SELF, on } from '../../permission'
import { ACCESS_KEY_ID, OPTIONAL_USER_NAME } from '../fields'

export const DeleteAccessKey = action({
  name: 'DeleteAccessKey',
  params: { UserAccessKeyId: ACCESS_KEY_ID, UserName: OPTIONAL_USER_NAME },
  permission: on(SELF, false),
  handler: async ({ deps, caller }, { UserAccessKeyId, UserName }) => {
    await deleteAccessKey(deps, caller, { userName: UserName, accessKeyId: UserAccessKeyId })
    deps.credentials.forget?.(UserAccessKeyId)
    return {}
  },
})
