/**
 * @module functions/alibaba/actions/tags
 *
 * TagResource, UntagResource, ListResourceTags for keys (`KeyId`) and secrets (`SecretName`), and
 * their batch forms TagResources, UntagResources, ListTagResources.
 */
import { listKeyTags, tagKey, untagKey } from '../../../core/domain/keys/key-tags'
import { mergeTags } from '../../../core/domain/keys/tags'
import { listSecretTags, tagSecret, untagSecret } from '../../../core/domain/secrets/secret-tags'
import { invalidParameter, missingParameter } from '../../../core/errors'
import type { ActionHandler } from '../context'
import { stringList, tagList, tagTargets, type Params } from '../params'

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

/**
 * The batch tag actions (TagResources, UntagResources, ListTagResources), as Terraform and other
 * infrastructure-as-code tools call them: `ResourceType` key|secret, `ResourceId` 1–50 (JSON
 * array or `ResourceId.N`), tags as `Tag` (JSON `[{"Key","Value"}]` or `Tag.N.Key/Value`), tag
 * keys as `TagKey` (JSON array or `TagKey.N`). Authorisation checks `kms:TagResource` /
 * `kms:UntagResource` / `kms:ListResourceTags` on every resource named (functions/authorize.ts),
 * so a batch can do exactly what the single calls could. Each resource is one conditional write,
 * idempotent on its own: a call that fails part-way is safe to repeat as a whole.
 */
const LIST_TAG_RESOURCES_PAGE = 200

export const TagResources: ActionHandler = async ({ deps, caller, params }) => {
  const { resourceType, resourceIds } = tagTargets(params)
  const tags = params.repeatedTags('Tag')
  if (tags.length === 0) throw missingParameter('Tag')
  mergeTags({}, tags, 'Tag') // every tag checked before any resource changes
  for (const id of resourceIds) {
    if (resourceType === 'secret') await tagSecret(deps, caller, id, tags)
    else await tagKey(deps, caller, id, tags)
  }
  return {}
}

export const UntagResources: ActionHandler = async ({ deps, caller, params }) => {
  const { resourceType, resourceIds } = tagTargets(params)
  const tagKeys = params.repeatedStrings('TagKey', 20, 128)
  const all = params.optionalBoolean('All') ?? false
  // Alibaba: All=true "takes effect only when you specify an empty tag key".
  if (tagKeys.length === 0 && !all) throw missingParameter('TagKey')
  for (const id of resourceIds) {
    if (resourceType === 'secret') {
      const keys = tagKeys.length > 0 ? tagKeys : (await listSecretTags(deps, caller, id)).map((t) => t.TagKey)
      if (keys.length > 0) await untagSecret(deps, caller, id, keys)
    } else {
      const keys = tagKeys.length > 0 ? tagKeys : (await listKeyTags(deps, caller, id)).tags.map((t) => t.TagKey)
      if (keys.length > 0) await untagKey(deps, caller, id, keys)
    }
  }
  return {}
}

/** `NextToken`: the offset of the next row in the (deterministic) list of this request. */
function pageOffset(params: Params): number {
  const token = params.optionalString('NextToken', { max: 16 })
  if (token === undefined || token === '') return 0
  if (!/^[1-9]\d{0,5}$/.test(token)) throw invalidParameter('NextToken', 'is not a token this service issued.')
  return Number(token)
}

export const ListTagResources: ActionHandler = async ({ deps, caller, params }) => {
  const { resourceType, resourceIds } = tagTargets(params)
  const wanted = params.repeatedTags('Tag')
  const offset = pageOffset(params)
  const rows: Array<{ ResourceId: string; ResourceType: string; TagKey: string; TagValue: string }> = []
  for (const id of resourceIds) {
    let resourceId = id
    let tags
    if (resourceType === 'secret') {
      tags = await listSecretTags(deps, caller, id)
    } else {
      const found = await listKeyTags(deps, caller, id)
      resourceId = found.key.keyId
      tags = found.tags
    }
    for (const t of tags) {
      if (wanted.length > 0 && !wanted.some((w) => w.TagKey === t.TagKey && (w.TagValue === '' || w.TagValue === t.TagValue))) continue
      rows.push({ ResourceId: resourceId, ResourceType: resourceType, TagKey: t.TagKey, TagValue: t.TagValue })
    }
  }
  if (offset > rows.length) throw invalidParameter('NextToken', 'is not a token this service issued.')
  const page = rows.slice(offset, offset + LIST_TAG_RESOURCES_PAGE)
  const next = offset + page.length
  return {
    ...(next < rows.length ? { NextToken: String(next) } : {}),
    TagResources: { TagResource: page },
  }
}
