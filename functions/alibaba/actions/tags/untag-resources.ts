/**
 * @module functions/alibaba/actions/tags/untag-resources
 *
 * UntagResources, the batch form of UntagResource: removes the tag keys `TagKey` (JSON array or
 * `TagKey.N`, at most 20) from 1–50 keys or secrets, or every tag with `All=true` and no tag key.
 * Authorisation checks `kms:UntagResource` on every resource named (functions/authorize.ts).
 */
import { listKeyTags, untagKey } from '../../../../core/domain/keys/key-tags'
import { listSecretTags, untagSecret } from '../../../../core/domain/secrets/secret-tags'
import { missingParameter } from '../../../../core/errors'
import { action } from '../../action'
import { custom, optionalBool } from '../../fields'
import { RESOURCE_IDS, RESOURCE_TYPE } from './targets'

export const UntagResources = action({
  name: 'UntagResources',
  params: {
    ResourceType: RESOURCE_TYPE,
    ResourceId: RESOURCE_IDS,
    TagKey: custom('tag keys as JSON or TagKey.N, ≤ 20 of ≤ 128', (p, n) => p.repeatedStrings(n, 20, 128)),
    All: optionalBool(),
  },
  permission: { checks: [{ action: 'kms:UntagResource', resource: { kind: 'tagTargets' } }], readOnly: false, crossAccount: false },
  handler: async ({ deps, caller }, { ResourceType, ResourceId, TagKey, All }) => {
    // Alibaba: All=true "takes effect only when you specify an empty tag key".
    if (TagKey.length === 0 && !All) throw missingParameter('TagKey')
    for (const id of ResourceId) {
      if (ResourceType === 'secret') {
        const keys = TagKey.length > 0 ? TagKey : (await listSecretTags(deps, caller, id)).map((t) => t.TagKey)
        if (keys.length > 0) await untagSecret(deps, caller, id, keys)
      } else {
        const keys = TagKey.length > 0 ? TagKey : (await listKeyTags(deps, caller, id)).tags.map((t) => t.TagKey)
        if (keys.length > 0) await untagKey(deps, caller, id, keys)
      }
    }
    return {}
  },
})
