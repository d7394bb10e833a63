/**
 * @module core/domain/keys/creation-policy
 *
 * `Policy` on CreateKey and CreateSecret: the resource policy the new key or secret starts with,
 * stored exactly as SetKeyPolicy / SetSecretPolicy store it (core/domain/principals/
 * resource-policies.ts: `KEYPOLICY#<keyId>`, the secret's policy keyed by the head's per-creation
 * `uid`).
 *
 * Order and crash window (dynalite has no transactions): the document is validated first —
 * JSON, the resource-policy grammar, at most 32768 bytes, and the lockout rule (it must leave
 * the account root unconditional `kms:SetKeyPolicy` / `kms:SetSecretPolicy` on the resource) —
 * so a refused policy creates nothing. Then the key or secret is written, then the policy with
 * one conditional put that requires no policy item to exist (the key id and the secret uid are
 * fresh random values, so nothing else can have written there). A crash, or a store failure,
 * between the two writes leaves the new resource with the **default** policy (the owning
 * account's RAM policies decide, which is what a resource without `Policy` gets) and the call
 * answers an error; `SetKeyPolicy` / `SetSecretPolicy` with the same document completes it.
 * The window is one store round trip; no principal outside the account gains anything in it
 * (the default policy grants only the account's own RAM identities).
 */
import { KmsError } from '../../errors'
import type { Caller } from '../model'
import { ConditionFailed, type IamRepository } from '../ports'
import { parsePolicyDocument } from '../policy/document'
import { keepsRootAccess } from '../policy/evaluate'
import type { ResourcePolicyTarget } from '../principals/model'

/** Alibaba: `Policy` is at most 32768 bytes on CreateKey, CreateSecret and Set*Policy. */
export const MAX_CREATION_POLICY_BYTES = 32768

/**
 * Validates a creation policy for the resource `arn` of the caller's account.
 * @throws KmsError policy.malformed, policy.lockout, validation.invalidParameter (too long)
 */
export function checkCreationPolicy(document: string, caller: Pick<Caller, 'accountId'>, arn: string, action: 'kms:SetKeyPolicy' | 'kms:SetSecretPolicy'): void {
  if (new TextEncoder().encode(document).length > MAX_CREATION_POLICY_BYTES) {
    throw new KmsError('validation.invalidParameter', `The parameter "Policy" must be at most ${MAX_CREATION_POLICY_BYTES} bytes.`, {
      details: { parameter: 'Policy' },
    })
  }
  const doc = parsePolicyDocument(document, 'resource')
  if (!keepsRootAccess(doc, caller.accountId, arn, action)) {
    throw new KmsError(
      'policy.lockout',
      `The policy would lock the account root out: it must allow ${action} to acs:ram::${caller.accountId}:* (or :root) without conditions and deny it to nobody who includes the root.`,
    )
  }
}

/**
 * Stores the creation policy of a resource just created (one conditional put: no policy item
 * may exist yet).
 * @throws KmsError store.unavailable (the resource then keeps the default policy; see above)
 */
export async function storeCreationPolicy(
  iam: Pick<IamRepository, 'putResourcePolicy'>,
  target: ResourcePolicyTarget,
  accountId: string,
  document: string,
  updatedAt: string,
): Promise<void> {
  try {
    await iam.putResourcePolicy({ target, accountId, document, updatedAt, rev: 1 }, undefined)
  } catch (err) {
    // Only a retry of this very write can have put it there (fresh id / uid): same outcome.
    if (err instanceof ConditionFailed) return
    throw err
  }
}
