/** @module functions/alibaba/actions/policies/get-key-policy — GetKeyPolicy: a key's resource policy (PolicyName `default`). */
import { getKeyPolicy } from '../../../../core/domain/principals/resource-policies'
import { action } from '../../action'
import { KEY_ID } from '../../fields'
import { KEY, on } from '../../permission'
import { POLICY_NAME } from './fields'

export const GetKeyPolicy = action({
  name: 'GetKeyPolicy',
  params: { KeyId: KEY_ID, PolicyName: POLICY_NAME },
  permission: on(KEY, true),
  handler: async ({ deps, caller }, { KeyId, PolicyName }) => ({ Policy: await getKeyPolicy(deps, caller, KeyId, PolicyName) }),
})
