/** @module functions/alibaba/actions/keys/describe-key — DescribeKey (also another account's key, by policy). */
import { assertKeyState, resolveKey } from '../../../../core/domain/keys/common'
import { action } from '../../action'
import { KEY_ID } from '../../fields'
import { KEY, on } from '../../permission'
import { keyMetadata } from '../../shape'

export const DescribeKey = action({
  name: 'DescribeKey',
  params: { KeyId: KEY_ID },
  permission: on(KEY, true, true),
  handler: async ({ deps, caller }, { KeyId }) => {
    const key = await resolveKey(deps, caller, KeyId)
    assertKeyState('DescribeKey', key)
    return { KeyMetadata: keyMetadata(key) }
  },
})
