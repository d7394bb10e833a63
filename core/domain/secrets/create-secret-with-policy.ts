/**
 * @module core/domain/secrets/create-secret-with-policy
 *
 * CreateSecret with `Policy` (core/domain/keys/creation-policy.ts): the document is validated
 * against the new secret's ARN before anything is written, the secret is created (by the shared
 * or the instance creator, passed as `create`), then the policy is stored where SetSecretPolicy
 * stores it: keyed by this creation's `uid` (core/domain/principals/resource-policies.ts), so it
 * can never reach a later secret of the same name.
 *
 * The secret's uid is drawn inside the creator, so the policy follows the secret: a crash or a
 * store failure between the two writes leaves the secret with the default policy (its account's
 * RAM policies decide) and the call answers an error; SetSecretPolicy completes it. The window
 * is one store round trip and opens nothing to other accounts.
 */
import type { Caller } from '../model'
import type { IamRepository } from '../ports'
import { checkCreationPolicy, storeCreationPolicy } from '../keys/creation-policy'
import { secretPolicyTarget } from '../principals/resource-policies'
import type { SecretRecord } from './model'
import { parseSecretReference, secretArn } from './names'

/**
 * @throws KmsError policy.malformed, policy.lockout, validation.invalidParameter before anything
 *   is written; whatever `create` throws; store.unavailable after the secret was created
 */
export async function createSecretWithPolicy(
  deps: { iam: Pick<IamRepository, 'putResourcePolicy'>; clock: { now(): number } },
  caller: Caller,
  input: { secretName: string; policy?: string },
  create: () => Promise<SecretRecord>,
): Promise<SecretRecord> {
  if (input.policy === undefined) return create()
  const secretName = input.secretName.startsWith('acs:') ? parseSecretReference(input.secretName, caller) : input.secretName
  checkCreationPolicy(
    input.policy,
    caller,
    secretArn({ region: caller.region, accountId: caller.accountId, secretName }),
    'kms:SetSecretPolicy',
  )
  const head = await create()
  const updatedAt = new Date(deps.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z')
  await storeCreationPolicy(deps.iam, secretPolicyTarget(head), head.accountId, input.policy, updatedAt)
  return head
}
