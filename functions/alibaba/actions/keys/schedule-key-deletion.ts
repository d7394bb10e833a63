/**
 * @module functions/alibaba/actions/keys/schedule-key-deletion — ScheduleKeyDeletion. The window's
 * range (7–366 days) is checked by the domain, so that an out-of-range integer gets its message.
 */
import { scheduleKeyDeletion } from '../../../../core/domain/keys/key-lifecycle'
import { action } from '../../action'
import { KEY_ID, int } from '../../fields'
import { KEY, on } from '../../permission'

export const ScheduleKeyDeletion = action({
  name: 'ScheduleKeyDeletion',
  params: { KeyId: KEY_ID, PendingWindowInDays: int(-1_000_000, 1_000_000) },
  permission: on(KEY, false),
  handler: async ({ deps, caller }, { KeyId, PendingWindowInDays }) => {
    await scheduleKeyDeletion(deps, caller, KeyId, PendingWindowInDays)
    return {}
  },
})
