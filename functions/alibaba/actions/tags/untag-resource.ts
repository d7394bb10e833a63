/** @module functions/alibaba/actions/tags/untag-resource — UntagResource: removes tags (`TagKeys`, a JSON array) of a key or a secret. */
import { untagKey } from '../../../../core/domain/keys/key-tags'
import { untagSecret } from '../../../../core/domain/secrets/secret-tags'
import { missingParameter } from '../../../../core/errors'
import { action } from '../../action'
import { optionalJson } from '../../fields'
import { stringList } from '../../params'
import { on } from '../../permission'
import { KEY_TARGET, SECRET_TARGET } from './targets'

export const UntagResource = action({
  name: 'UntagResource',
  params: { SecretName: SECRET_TARGET, KeyId: KEY_TARGET, TagKeys: optionalJson(stringList) },
  permission: on({ kind: 'keyOrSecret' }, false),
  handler: async ({ deps, caller }, { SecretName, KeyId, TagKeys }) => {
    if (!TagKeys) throw missingParameter('TagKeys')
    if (SecretName !== undefined) await untagSecret(deps, caller, SecretName, TagKeys)
    else await untagKey(deps, caller, KeyId, TagKeys)
    return {}
  },
})
