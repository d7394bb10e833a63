/**
 * @module functions/alibaba/actions/tags
 *
 * TagResource, UntagResource, ListResourceTags (keys; secrets join with the secrets issue).
 */
import { listKeyTags, tagKey, untagKey } from '../../../core/domain/keys/key-tags'
import { missingParameter } from '../../../core/errors'
import type { ActionHandler } from '../context'
import { stringList, tagList } from '../params'

export const TagResource: ActionHandler = async ({ deps, caller, params }) => {
  const keyId = params.string('KeyId', { max: 512 })
  const tags = params.optionalJson('Tags', tagList('Tags'))
  if (!tags) throw missingParameter('Tags')
  await tagKey(deps, caller, keyId, tags)
  return {}
}

export const UntagResource: ActionHandler = async ({ deps, caller, params }) => {
  const keyId = params.string('KeyId', { max: 512 })
  const tagKeys = params.optionalJson('TagKeys', stringList('TagKeys'))
  if (!tagKeys) throw missingParameter('TagKeys')
  await untagKey(deps, caller, keyId, tagKeys)
  return {}
}

export const ListResourceTags: ActionHandler = async ({ deps, caller, params }) => {
  const { key, tags } = await listKeyTags(deps, caller, params.string('KeyId', { max: 512 }))
  return { Tags: { Tag: tags.map((t) => ({ KeyId: key.keyId, TagKey: t.TagKey, TagValue: t.TagValue })) } }
}
