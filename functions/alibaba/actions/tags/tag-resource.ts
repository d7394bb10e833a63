/** @module functions/alibaba/actions/tags/tag-resource — TagResource: adds or updates tags of a key (`KeyId`) or a secret (`SecretName`). */
import { tagKey } from '../../../../core/domain/keys/key-tags'
import { tagSecret } from '../../../../core/domain/secrets/secret-tags'
import { missingParameter } from '../../../../core/errors'
import { action } from '../../action'
import { TAGS } from '../../fields'
import { on } from '../../permission'
import { KEY_TARGET, SECRET_TARGET } from './targets'

export const TagResource = action({
  name: 'TagResource',
  params: { SecretName: SECRET_TARGET, KeyId: KEY_TARGET, Tags: TAGS },
  permission: on({ kind: 'keyOrSecret' }, false),
  handler: async ({ deps, caller }, { SecretName, KeyId, Tags }) => {
    if (!Tags) throw missingParameter('Tags')
    if (SecretName !== undefined) await tagSecret(deps, caller, SecretName, Tags)
    else await tagKey(deps, caller, KeyId, Tags)
    return {}
  },
})
