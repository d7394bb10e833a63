/** @module functions/alibaba/actions/versions/describe-key-version — DescribeKeyVersion. */
import { keyArn } from '../../../../core/domain/keys/common'
import { describeKeyVersion } from '../../../../core/domain/keys/key-versions'
import { action } from '../../action'
import { KEY_ID, KEY_VERSION_ID } from '../../fields'
import { keyRead } from '../../permission'

export const DescribeKeyVersion = action({
  name: 'DescribeKeyVersion',
  params: { KeyId: KEY_ID, KeyVersionId: KEY_VERSION_ID },
  permission: keyRead,
  handler: async ({ deps, caller }, { KeyId, KeyVersionId }) => {
    const { key, version } = await describeKeyVersion(deps, caller, KeyId, KeyVersionId)
    return { KeyVersion: { KeyId: key.keyId, KeyVersionId: version.versionId, CreationDate: version.createdAt, KeyArn: keyArn(key) } }
  },
})
