/** @module functions/alibaba/actions/policies/get-secret-policy — GetSecretPolicy: a secret's resource policy (PolicyName `default`). */
import { getSecretPolicy } from '../../../../core/domain/principals/resource-policies'
import { action } from '../../action'
import { SECRET_NAME } from '../../fields'
import { SECRET, on } from '../../permission'
import { POLICY_NAME } from './fields'

export const GetSecretPolicy = action({
  name: 'GetSecretPolicy',
  params: { SecretName: SECRET_NAME, PolicyName: POLICY_NAME },
  permission: on(SECRET, true),
  handler: async ({ deps, caller }, { SecretName, PolicyName }) => ({
    Policy: await getSecretPolicy(deps, caller, SecretName, PolicyName),
  }),
})
