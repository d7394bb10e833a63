/** @module functions/alibaba/ram/users — the RAM user and AccessKey actions, one file each. */
import type { ActionDescriptor } from '../../action'
import { CreateAccessKey } from './create-access-key'
import { CreateUser } from './create-user'
import { DeleteAccessKey } from './delete-access-key'
import { DeleteUser } from './delete-user'
import { GetUser } from './get-user'
import { ListAccessKeys } from './list-access-keys'
import { ListUsers } from './list-users'
import { UpdateAccessKey } from './update-access-key'

export const USER_ACTIONS: readonly ActionDescriptor[] = [
  CreateUser,
  GetUser,
  ListUsers,
  DeleteUser,
  CreateAccessKey,
  ListAccessKeys,
  UpdateAccessKey,
  DeleteAccessKey,
]
