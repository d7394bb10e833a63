/** @module functions/alibaba/ram/users/delete-user — DeleteUser. */
import { deleteUser } from '../../../../core/domain/principals/users'
import { action } from '../../action'
import { USER, on } from '../../permission'
import { USER_NAME } from '../fields'

export const DeleteUser = action({
  name: 'DeleteUser',
  params: { UserName: USER_NAME },
  permission: on(USER, false),
  handler: async ({ deps, caller }, { UserName }) => {
    await deleteUser(deps, caller, UserName)
    return {}
  },
})
