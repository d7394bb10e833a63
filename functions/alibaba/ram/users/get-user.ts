/** @module functions/alibaba/ram/users/get-user — GetUser. */
import { getUser } from '../../../../core/domain/principals/users'
import { action } from '../../action'
import { USER, on } from '../../permission'
import { USER_NAME } from '../fields'
import { userShape } from '../shape'

export const GetUser = action({
  name: 'GetUser',
  params: { UserName: USER_NAME },
  permission: on(USER, true),
  handler: async ({ deps, caller }, { UserName }) => {
    const user = await getUser(deps, caller, UserName)
    return { User: userShape(user, true) }
  },
})
