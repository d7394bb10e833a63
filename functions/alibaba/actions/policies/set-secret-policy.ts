/**
 * @module functions/alibaba/actions/policies/set-secret-policy — SetSecretPolicy: replaces a
 * secret's resource policy. It takes effect in this isolate at once and in others within the
 * access cache bound (5 s).
 */
import { setSecretPolicy } from '../../../../core/domain/principals/resource-policies'
import { action } from '../../action'
import { SECRET_NAME } from '../../fields'
import { SECRET, on } from '../../permission'
import { POLICY_DOCUMENT, POLICY_NAME } from './fields'

export const SetSecretPolicy = action({
  name: 'SetSecretPolicy',
  params: { SecretName: SECRET_NAME, PolicyName: POLICY_NAME, Policy: POLICY_DOCUMENT },
  permission: on(SECRET, false),
  handler: async ({ deps, caller }, { SecretName, PolicyName, Policy }) => {
    // The policy write drops this isolate's copy of it (core/store/invalidating.ts).
    await setSecretPolicy(deps, caller, { secretName: SecretName, policyName: PolicyName, policy: Policy })
    return {}
  },
})
