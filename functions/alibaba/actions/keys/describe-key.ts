/** @module functions/alibaba/actions/keys/describe-key — DescribeKey (also another account's key, by policy). */
import { assertKeyState, resolveKey } from '../../../../core/domain/keys/common'
import { keyTarget } from '../../../../core/domain/targets'
import { action } from '../../action'
import { KEY_ID } from '../../fields'
import { KEY, on } from '../../permission'
import { keyMetadata } from '../../shape'

export const DescribeKey = action({
  name: 'DescribeKey',
  params: { KeyId: KEY_ID },
  permission: on(KEY, true, true),
  // The key as authorised: aliases resolved once, in the account that owns it.
  handler: async ({ deps, caller, targets }) => {
    const key = await resolveKey(deps, caller, keyTarget(targets))
    assertKeyState('DescribeKey', key)
    return { KeyMetadata: keyMetadata(key) }
  },
})
