/**
 * @module functions/alibaba/ram/resource-policies
 *
 * The KMS (2016-01-20) actions for resource policies: GetKeyPolicy, SetKeyPolicy,
 * GetSecretPolicy, SetSecretPolicy (PolicyName `default`). They live with the access-control
 * adapters and are registered in functions/alibaba/registry.ts. A new policy takes effect in
 * this isolate at once and in others within the access cache bound (5 s).
 */
import { getKeyPolicy, getSecretPolicy, setKeyPolicy, setSecretPolicy } from '../../../core/domain/principals/resource-policies'
import type { ActionHandler } from '../context'

const POLICY = { max: 32768, allowControl: true }

export const GetKeyPolicy: ActionHandler = async ({ deps, caller, params }) => ({
  Policy: await getKeyPolicy(deps, caller, params.string('KeyId', { max: 512 }), params.optionalString('PolicyName', { max: 64 })),
})

export const SetKeyPolicy: ActionHandler = async ({ deps, caller, params }) => {
  const keyId = await setKeyPolicy(deps, caller, {
    keyId: params.string('KeyId', { max: 512 }),
    policyName: params.optionalString('PolicyName', { max: 64 }),
    policy: params.string('Policy', POLICY),
  })
  deps.access.forgetKey(keyId)
  return {}
}

export const GetSecretPolicy: ActionHandler = async ({ deps, caller, params }) => ({
  Policy: await getSecretPolicy(deps, caller, params.string('SecretName', { max: 1024 }), params.optionalString('PolicyName', { max: 64 })),
})

export const SetSecretPolicy: ActionHandler = async ({ deps, caller, params }) => {
  const target = await setSecretPolicy(deps, caller, {
    secretName: params.string('SecretName', { max: 1024 }),
    policyName: params.optionalString('PolicyName', { max: 64 }),
    policy: params.string('Policy', POLICY),
  })
  deps.access.forgetSecret(target.accountId, target.region, target.secretName)
  return {}
}
