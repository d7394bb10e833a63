/** @module functions/alibaba/ram/users/create-user — CreateUser. */
import { createUser } from '../../../../core/domain/principals/users'
import { action } from '../../action'
import { USER, on } from '../../permission'
import { ATTRIBUTE, USER_NAME } from '../fields'
import { userShape } from '../shape'

export const CreateUser = action({
  name: 'CreateUser',
  params: { UserName: USER_NAME, DisplayName: ATTRIBUTE, Comments: ATTRIBUTE, Email: ATTRIBUTE, MobilePhone: ATTRIBUTE },
  permission: on(USER, false),
  handler: async ({ deps, caller }, input) => {
    const user = await createUser(deps, caller, {
      userName: input.UserName,
      displayName: input.DisplayName,
      comments: input.Comments,
      email: input.Email,
      mobilePhone: input.MobilePhone,
    })
    return { User: userShape(user) }
  },
})
