/** @module functions/alibaba/actions/keys — the key management actions, one file each. */
import type { ActionDescriptor } from '../../action'
import { CancelKeyDeletion } from './cancel-key-deletion'
import { CreateKey } from './create-key'
import { DescribeKey } from './describe-key'
import { DisableKey } from './disable-key'
import { EnableKey } from './enable-key'
import { ListKeys } from './list-keys'
import { ScheduleKeyDeletion } from './schedule-key-deletion'
import { SetDeletionProtection } from './set-deletion-protection'
import { UpdateKeyDescription } from './update-key-description'

export const KEY_ACTIONS: readonly ActionDescriptor[] = [
  CreateKey,
  DescribeKey,
  ListKeys,
  EnableKey,
  DisableKey,
  UpdateKeyDescription,
  ScheduleKeyDeletion,
  CancelKeyDeletion,
  SetDeletionProtection,
]
