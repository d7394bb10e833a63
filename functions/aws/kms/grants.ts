/**
 * @module functions/aws/kms/grants — CreateGrant, ListGrants, ListRetirableGrants, RetireGrant,
 * RevokeGrant (not yet: UnsupportedOperationException).
 */
import { unsupportedOperation } from './unsupported'

const WHY = 'Grants are not supported by this service; use key policies (PutKeyPolicy) or RAM policies.'
export const CreateGrant = unsupportedOperation('CreateGrant', WHY)
export const ListGrants = unsupportedOperation('ListGrants', WHY)
export const ListRetirableGrants = unsupportedOperation('ListRetirableGrants', WHY)
export const RetireGrant = unsupportedOperation('RetireGrant', WHY)
export const RevokeGrant = unsupportedOperation('RevokeGrant', WHY)
