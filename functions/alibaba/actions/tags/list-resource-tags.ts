/** @module functions/alibaba/actions/tags/list-resource-tags — ListResourceTags of a key (rows carry its `KeyId`) or a secret. */
import { listKeyTags } from '../../../../core/domain/keys/key-tags'
import { listSecretTags } from '../../../../core/domain/secrets/secret-tags'
import { action } from '../../action'
import { on } from '../../permission'
import { KEY_TARGET, SECRET_TARGET } from './targets'

export const ListResourceTags = action({
  name: 'ListResourceTags',
  params: { SecretName: SECRET_TARGET, KeyId: KEY_TARGET },
  permission: on({ kind: 'keyOrSecret' }, true),
  handler: async ({ deps, caller }, { SecretName, KeyId }) => {
    if (SecretName !== undefined) {
      const tags = await listSecretTags(deps, caller, SecretName)
      return { Tags: { Tag: tags.map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue })) } }
    }
    const { key, tags } = await listKeyTags(deps, caller, KeyId)
    return { Tags: { Tag: tags.map((t) => ({ KeyId: key.keyId, TagKey: t.TagKey, TagValue: t.TagValue })) } }
  },
})
