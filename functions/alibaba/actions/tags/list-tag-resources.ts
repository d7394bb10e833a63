/**
 * @module functions/alibaba/actions/tags/list-tag-resources
 *
 * ListTagResources, the batch form of ListResourceTags: one row per tag of 1–50 keys or secrets,
 * optionally only the tags `Tag` names (an empty value matches any value), 200 rows a page.
 * Authorisation checks `kms:ListResourceTags` on every resource named (functions/authorize.ts).
 */
import { listKeyTags } from '../../../../core/domain/keys/key-tags'
import { listSecretTags } from '../../../../core/domain/secrets/secret-tags'
import { invalidParameter } from '../../../../core/errors'
import { action } from '../../action'
import { custom } from '../../fields'
import { BATCH_TAGS, RESOURCE_IDS, RESOURCE_TYPE } from './targets'

const LIST_TAG_RESOURCES_PAGE = 200

/** `NextToken`: the offset of the next row in the (deterministic) list of this request. */
const NEXT_TOKEN = custom('optional page token', (p, n) => {
  const token = p.optionalString(n, { max: 16 })
  if (token === undefined || token === '') return 0
  if (!/^[1-9]\d{0,5}$/.test(token)) throw invalidParameter(n, 'is not a token this service issued.')
  return Number(token)
})

export const ListTagResources = action({
  name: 'ListTagResources',
  params: { ResourceType: RESOURCE_TYPE, ResourceId: RESOURCE_IDS, Tag: BATCH_TAGS, NextToken: NEXT_TOKEN },
  permission: { checks: [{ action: 'kms:ListResourceTags', resource: { kind: 'tagTargets' } }], readOnly: true, crossAccount: false },
  handler: async ({ deps, caller }, { ResourceType, ResourceId, Tag: wanted, NextToken: offset }) => {
    const rows: Array<{ ResourceId: string; ResourceType: string; TagKey: string; TagValue: string }> = []
    for (const id of ResourceId) {
      let resourceId = id
      let tags
      if (ResourceType === 'secret') {
        tags = await listSecretTags(deps, caller, id)
      } else {
        const found = await listKeyTags(deps, caller, id)
        resourceId = found.key.keyId
        tags = found.tags
      }
      for (const t of tags) {
        if (wanted.length > 0 && !wanted.some((w) => w.TagKey === t.TagKey && (w.TagValue === '' || w.TagValue === t.TagValue))) continue
        rows.push({ ResourceId: resourceId, ResourceType, TagKey: t.TagKey, TagValue: t.TagValue })
      }
    }
    if (offset > rows.length) throw invalidParameter('NextToken', 'is not a token this service issued.')
    const page = rows.slice(offset, offset + LIST_TAG_RESOURCES_PAGE)
    const next = offset + page.length
    return {
      ...(next < rows.length ? { NextToken: String(next) } : {}),
      TagResources: { TagResource: page },
    }
  },
})
