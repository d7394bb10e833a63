/**
 * @module functions/alibaba/actions/versions/create-key-version — CreateKeyVersion: a manual rotation
 * of an asymmetric key (core/domain/keys/asymmetric/create-key-version.ts); the new version becomes primary.
 */
import { createKeyVersion } from '../../../../core/domain/keys/asymmetric/create-key-version'
import { action } from '../../action'
import { KEY_ID } from '../../fields'
import { keyWrite } from '../../permission'

export const CreateKeyVersion = action({
  name: 'CreateKeyVersion',
  params: { KeyId: KEY_ID },
  permission: keyWrite,
  handler: async ({ deps, caller }, { KeyId }) => {
    const { key, version } = await createKeyVersion(deps, caller, KeyId)
    return { KeyVersion: { KeyId: key.keyId, KeyVersionId: version.versionId, CreationDate: version.createdAt } }
  },
})
