/**
 * @module functions/alibaba/actions/tags/targets
 *
 * The resources the tag actions name (not an action). The single actions name a key (`KeyId`) or
 * a secret (`SecretName`), never both; the batch actions name `ResourceType` key|secret and
 * `ResourceId` 1–50 (JSON array or `ResourceId.N`), read by {@link tagTargets} exactly as
 * authorisation reads them (functions/authorize.ts).
 */
import { invalidParameter } from '../../../../core/errors'
import { custom } from '../../fields'
import { tagTargets, type Params } from '../../params'

/** The secret a call names with `SecretName` instead of `KeyId`, if any. */
function secretTarget(params: Params): string | undefined {
  const secretName = params.optionalString('SecretName', { max: 512 })
  if (!secretName) return undefined
  if (params.has('KeyId')) {
    throw invalidParameter('SecretName', 'give either KeyId or SecretName, not both.')
  }
  return secretName
}

/** `SecretName`: a secret named instead of a key; undefined when absent or empty (a key is named). */
export const SECRET_TARGET = custom('optional string ≤ 512, not with KeyId', (p) => secretTarget(p))

/** `KeyId`: required (≤ 512) unless `SecretName` names a secret; then `''` and not read. */
export const KEY_TARGET = custom('string ≤ 512 unless SecretName', (p, n) =>
  secretTarget(p) === undefined ? p.string(n, { max: 512 }) : '',
)

/** `ResourceType` of the batch actions, `key` or `secret` (also checks `ResourceId`, as before). */
export const RESOURCE_TYPE = custom('key | secret', (p) => tagTargets(p).resourceType)

/** `ResourceId` of the batch actions: 1 to 50 distinct ids; keys by id or key ARN, not alias. */
export const RESOURCE_IDS = custom('1 to 50 ids (JSON array or ResourceId.N)', (p) => tagTargets(p).resourceIds)

/** `Tag` of the batch actions: `[{"Key","Value"}]` or `Tag.N.Key`/`Tag.N.Value`, at most 20. */
export const BATCH_TAGS = custom('tags as JSON or Tag.N.Key/Value, ≤ 20', (p, n) => p.repeatedTags(n))
