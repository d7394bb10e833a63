/**
 * @module functions/alibaba/ram/users/list-users — ListUsers, by user name, with RAM's
 * `Marker`/`MaxItems` pagination (a marker is bound to the account and the caller).
 */
import { openPageToken, sealPageToken } from '../../../../core/domain/audit/page-token'
import { listUsers } from '../../../../core/domain/principals/users'
import { action } from '../../action'
import { on } from '../../permission'
import { MARKER, MAX_ITEMS } from '../fields'
import { userShape } from '../shape'

export const ListUsers = action({
  name: 'ListUsers',
  params: { MaxItems: MAX_ITEMS, Marker: MARKER },
  permission: on({ kind: 'ramAccount' }, true),
  handler: async ({ deps, caller }, { MaxItems, Marker }) => {
    const scope = { purpose: 'ram:ListUsers', accountId: caller.accountId, principalArn: caller.principalArn ?? '', filter: '' }
    const now = deps.clock.now()
    const after = Marker ? openPageToken(deps.rootKeys, scope, Marker, now) : undefined
    const { users, more } = await listUsers(deps, caller, after, MaxItems)
    const last = users[users.length - 1]
    return {
      IsTruncated: more,
      ...(more && last ? { Marker: sealPageToken(deps.rootKeys, scope, last.userName, now) } : {}),
      Users: { User: users.map((u) => userShape(u, true)) },
    }
  },
})
