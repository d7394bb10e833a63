/**
 * @module functions/alibaba/ram/roles/list-roles — ListRoles, by role name, with RAM's
 * `Marker`/`MaxItems` pagination (a marker is bound to the account and the caller).
 */
import { openPageToken, sealPageToken } from '../../../../core/domain/audit/page-token'
import { listRoles } from '../../../../core/domain/principals/roles'
import { action } from '../../action'
import { on } from '../../permission'
import { MARKER, MAX_ITEMS } from '../fields'
import { roleShape } from '../shape'

export const ListRoles = action({
  name: 'ListRoles',
  params: { MaxItems: MAX_ITEMS, Marker: MARKER },
  permission: on({ kind: 'ramAccount' }, true),
  handler: async ({ deps, caller }, { MaxItems, Marker }) => {
    const scope = { purpose: 'ram:ListRoles', accountId: caller.accountId, principalArn: caller.principalArn ?? '', filter: '' }
    const now = deps.clock.now()
    const after = Marker ? openPageToken(deps.rootKeys, scope, Marker, now) : undefined
    const { roles, more } = await listRoles(deps, caller, after, MaxItems)
    const last = roles[roles.length - 1]
    return {
      IsTruncated: more,
      ...(more && last ? { Marker: sealPageToken(deps.rootKeys, scope, last.roleName, now) } : {}),
      Roles: { Role: roles.map((r) => roleShape(r, { updated: true })) },
    }
  },
})
