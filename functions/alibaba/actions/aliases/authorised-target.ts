/** @module functions/alibaba/actions/aliases/authorised-target — the key an alias pointed at when authorised. */
import type { ResolvedTargets } from '../../../../core/domain/targets'
import { KmsError } from '../../../../core/errors'

/**
 * UpdateAlias / DeleteAlias: the key the alias pointed at when the call was authorised
 * (functions/authorize.ts); the change is written only while it still points there.
 * @throws KmsError internal when authorisation resolved none (the permission names no ALIAS_TARGET)
 */
export function authorisedAliasKey(targets: ResolvedTargets): string {
  if (!targets.aliasKeyId) throw new KmsError('internal', 'The alias was not resolved at authorisation.')
  return targets.aliasKeyId
}
