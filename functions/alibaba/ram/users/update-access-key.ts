/**
 * @module functions/alibaba/ram/users/update-access-key — UpdateAccessKey (`Status` Active or
 * Inactive, checked by the domain); this isolate's credential cache forgets the key at once.
 */
import { updateAccessKey } from '../../../../core/domain/principals/access-keys'
import { action } from '../../action'
import { text } from '../../fields'
import { SELF, on } from '../../permission'
import { ACCESS_KEY_ID, OPTIONAL_USER_NAME } from '../fields'

export const UpdateAccessKey = action({
  name: 'UpdateAccessKey',
  params: { UserAccessKeyId: ACCESS_KEY_ID, UserName: OPTIONAL_USER_NAME, Status: text({ max: 16 }) },
  permission: on(SELF, false),
  handler: async ({ deps, caller }, { UserAccessKeyId, UserName, Status }) => {
    await updateAccessKey(deps, caller, { userName: UserName, accessKeyId: UserAccessKeyId, status: Status })
    deps.credentials.forget?.(UserAccessKeyId)
    return {}
  },
})
