/**
 * @module functions/alibaba/ram/fields
 *
 * The parameters several RAM actions (Version 2015-05-01) share, each limit declared once: names
 * of users, roles and policies (≤ 128), `PolicyType` (≤ 16), the free-text attributes (≤ 1024)
 * and the `Marker`/`MaxItems` pagination.
 */
import { custom, optionalText, text } from '../fields'

const NAME = { max: 128 }

export const USER_NAME = text(NAME)
/** `UserName` of the AccessKey actions: the caller itself when absent or empty. */
export const OPTIONAL_USER_NAME = custom(
  'optional string ≤ 128 (absent or empty: the caller)',
  (p, n) => p.optionalString(n, NAME) || undefined,
)
export const ROLE_NAME = text(NAME)
export const POLICY_NAME = text(NAME)
/** `Custom` or `System` (checked by the domain). */
export const POLICY_TYPE = text({ max: 16 })
export const ACCESS_KEY_ID = text(NAME)
/** DisplayName, Comments, Email, MobilePhone, a policy's Description. */
export const ATTRIBUTE = optionalText({ max: 1024 })
/** `Marker`: a page token of a previous answer. */
export const MARKER = optionalText({ max: 2048 })
export const MAX_ITEMS = custom('optional integer 1..1000, default 100', (p, n) => p.optionalInteger(n, 1, 1000) ?? 100)
