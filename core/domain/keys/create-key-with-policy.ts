/**
 * @module core/domain/keys/create-key-with-policy
 *
 * CreateKey with `Policy`. The key id is drawn here, before anything is written, so the policy
 * can go first: validate it against the new key's ARN (./creation-policy.ts), store it under
 * `KEYPOLICY#<keyId>` (one conditional put), then create the key with that id. The key is never
 * visible without its policy. A crash between the two writes leaves a policy item for a key id
 * that was never created — unreachable (ids are random v4 UUIDs, never reused) and harmless;
 * a creation refused after the policy was written (a CreateKey validation error) deletes it
 * again, best effort.
 */
import type { Caller, KeyRecord } from '../model'
import type { IamRepository, KeyDeps } from '../ports'
import { isoSeconds, keyArn } from './common'
import { checkCreationPolicy, storeCreationPolicy } from './creation-policy'
import { uuidV4 } from './material'

/**
 * @param create - the creator (shared or instance keys), called with the pre-drawn key id
 * @throws KmsError policy.malformed, policy.lockout, validation.invalidParameter before anything
 *   is written; whatever `create` throws
 */
export async function createKeyWithPolicy(
  deps: Pick<KeyDeps, 'clock' | 'random'> & { iam: Pick<IamRepository, 'putResourcePolicy' | 'deleteResourcePolicy'> },
  caller: Caller,
  policy: string | undefined,
  create: (keyId: string | undefined) => Promise<KeyRecord>,
): Promise<KeyRecord> {
  if (policy === undefined) return create(undefined)
  const keyId = uuidV4(deps.random)
  checkCreationPolicy(policy, caller, keyArn({ region: caller.region, accountId: caller.accountId, keyId }), 'kms:SetKeyPolicy')
  const target = { kind: 'key', keyId } as const
  await storeCreationPolicy(deps.iam, target, caller.accountId, policy, isoSeconds(deps.clock.now()))
  try {
    return await create(keyId)
  } catch (err) {
    await deps.iam.deleteResourcePolicy(target).catch(() => undefined)
    throw err
  }
}
