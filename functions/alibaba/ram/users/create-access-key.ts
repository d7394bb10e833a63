/** @module functions/alibaba/ram/users/create-access-key — CreateAccessKey (of `UserName`, or of the caller). */
import { createAccessKey } from '../../../../core/domain/principals/access-keys'
import { action } from '../../action'
import { SELF, on } from '../../permission'
import { OPTIONAL_USER_NAME } from '../fields'

export const CreateAccessKey = action({
  name: 'CreateAccessKey',
  params: { UserName: OPTIONAL_USER_NAME },
  permission: on(SELF, false),
  handler: async ({ deps, caller }, { UserName }) => {
    const key = await createAccessKey(deps, caller, UserName)
    return {
      AccessKey: { AccessKeyId: key.accessKeyId, AccessKeySecret: key.accessKeySecret, Status: key.status, CreateDate: key.createdAt },
    }
  },
})
