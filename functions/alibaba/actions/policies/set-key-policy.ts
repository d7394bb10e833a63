/**
 * @module functions/alibaba/actions/policies/set-key-policy — SetKeyPolicy: replaces a key's
 * resource policy. It takes effect in this isolate at once and in others within the access cache
 * bound (5 s).
 */
import { setKeyPolicy } from '../../../../core/domain/principals/resource-policies'
import { action } from '../../action'
import { KEY_ID } from '../../fields'
import { KEY, on } from '../../permission'
import { POLICY_DOCUMENT, POLICY_NAME } from './fields'

export const SetKeyPolicy = action({
  name: 'SetKeyPolicy',
  params: { KeyId: KEY_ID, PolicyName: POLICY_NAME, Policy: POLICY_DOCUMENT },
  permission: on(KEY, false),
  handler: async ({ deps, caller }, { KeyId, PolicyName, Policy }) => {
    // The policy write drops this isolate's view of the key (core/store/invalidating.ts).
    await setKeyPolicy(deps, caller, { keyId: KeyId, policyName: PolicyName, policy: Policy })
    return {}
  },
})
