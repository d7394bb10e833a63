/** @module functions/alibaba/actions/aliases/fields — the alias actions' shared parameters and permissions. */
import { text } from '../../fields'
import { ALIAS, ALIAS_TARGET, KEY, type ActionPermission } from '../../permission'

/** An alias name (`alias/...`), checked by the domain. */
export const ALIAS_NAME = text({ max: 512 })

/** CreateAlias: the new alias and the key it will point at. */
export const CREATE_ALIAS: ActionPermission = { checks: [{ resource: ALIAS }, { resource: KEY }], readOnly: false, crossAccount: false }
/** As AWS: the alias, the key it points at now and the new key. */
export const UPDATE_ALIAS: ActionPermission = {
  checks: [{ resource: ALIAS }, { resource: ALIAS_TARGET }, { resource: KEY }],
  readOnly: false,
  crossAccount: false,
}
export const DELETE_ALIAS: ActionPermission = {
  checks: [{ resource: ALIAS }, { resource: ALIAS_TARGET }],
  readOnly: false,
  crossAccount: false,
}
