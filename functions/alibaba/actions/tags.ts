/**
 * @module functions/alibaba/actions/tags
 *
 * TagResource, UntagResource, ListResourceTags for keys (`KeyId`) and secrets (`SecretName`).
 */
import { listKeyTags, tagKey, untagKey } from '../../../core/domain/keys/key-tags'
import { listSecretTags, tagSecret, untagSecret } from '../../../core/domain/secrets/secret-tags'
import { invalidParameter, missingParameter } from '../../../core/errors'
import type { ActionHandler } from '../context'
import { stringList, tagList, type Params } from '../params'

/** The secret a call names with `SecretName` instead of `KeyId`, if any. */
function secretTarget(params: Params): string | undefined {
  const secretName = params.optionalString('SecretName', { max: 512 })
  if (!secretName) return undefined
  if (params.has('KeyId')) {
    throw invalidParameter('SecretName', 'give either KeyId or SecretName, not both.')
  }
  return secretName
}

export const TagResource: ActionHandler = async ({ deps, caller, params }) => {
  const secretName = secretTarget(params)
  const keyId = secretName === undefined ? params.string('KeyId', { max: 512 }) : ''
  const tags = params.optionalJson('Tags', tagList('Tags'))
  if (!tags) throw missingParameter('Tags')
  if (secretName !== undefined) await tagSecret(deps, caller, secretName, tags)
  else await tagKey(deps, caller, keyId, tags)
  return {}
}

export const UntagResource: ActionHandler = async ({ deps, caller, params }) => {
  const secretName = secretTarget(params)
  const keyId = secretName === undefined ? params.string('KeyId', { max: 512 }) : ''
  const tagKeys = params.optionalJson('TagKeys', stringList('TagKeys'))
  if (!tagKeys) throw missingParameter('TagKeys')
  if (secretName !== undefined) await untagSecret(deps, caller, secretName, tagKeys)
  else await untagKey(deps, caller, keyId, tagKeys)
  return {}
}

export const ListResourceTags: ActionHandler = async ({ deps, caller, params }) => {
  const secretName = secretTarget(params)
  if (secretName !== undefined) {
    const tags = await listSecretTags(deps, caller, secretName)
    return { Tags: { Tag: tags.map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue })) } }
  }
  const { key, tags } = await listKeyTags(deps, caller, params.string('KeyId', { max: 512 }))
  return { Tags: { Tag: tags.map((t) => ({ KeyId: key.keyId, TagKey: t.TagKey, TagValue: t.TagValue })) } }
}
