/**
 * @module functions/alibaba/actions/tags/tag-resources
 *
 * TagResources, the batch form of TagResource as Terraform and other infrastructure-as-code tools
 * call it: the same tags on 1–50 keys or secrets (./targets.ts). Authorisation checks
 * `kms:TagResource` on every resource named (functions/authorize.ts), so a batch can do exactly
 * what the single calls could. Every tag is checked before any resource changes; each resource is
 * one conditional write, idempotent on its own, so a call that fails part-way is safe to repeat.
 */
import { tagKey } from '../../../../core/domain/keys/key-tags'
import { mergeTags } from '../../../../core/domain/keys/tags'
import { tagSecret } from '../../../../core/domain/secrets/secret-tags'
import { missingParameter } from '../../../../core/errors'
import { action } from '../../action'
import { BATCH_TAGS, RESOURCE_IDS, RESOURCE_TYPE } from './targets'

export const TagResources = action({
  name: 'TagResources',
  params: { ResourceType: RESOURCE_TYPE, ResourceId: RESOURCE_IDS, Tag: BATCH_TAGS },
  permission: { checks: [{ action: 'kms:TagResource', resource: { kind: 'tagTargets' } }], readOnly: false, crossAccount: false },
  handler: async ({ deps, caller }, { ResourceType, ResourceId, Tag }) => {
    if (Tag.length === 0) throw missingParameter('Tag')
    mergeTags({}, Tag, 'Tag') // every tag checked before any resource changes
    for (const id of ResourceId) {
      if (ResourceType === 'secret') await tagSecret(deps, caller, id, Tag)
      else await tagKey(deps, caller, id, Tag)
    }
    return {}
  },
})
