/**
 * @module core/domain/keys/creation-policy
 *
 * `Policy` on CreateKey and CreateSecret: the resource policy the new key or secret starts with,
 * stored exactly as SetKeyPolicy / SetSecretPolicy store it (core/domain/principals/
 * resource-policies.ts: `KEYPOLICY#<keyId>`, the secret's policy keyed by the head's per-creation
 * `uid`).
 *
 * Both creators validate the document first — JSON, the resource-policy grammar, at most 32768
 * bytes, and the lockout rule (it must leave the account root unconditional `kms:SetKeyPolicy` /
 * `kms:SetSecretPolicy` on the resource) — so a refused policy creates nothing. The order of the
 * two writes and what a crash between them leaves are the creators' own (dynalite has no
 * transactions): ./create-key-with-policy.ts writes the policy first under a pre-drawn key id;
 * ../secrets/create-secret-with-policy.ts writes it after the secret, keyed by its uid. The policy
 * write is one conditional put that requires no policy item to exist (fresh random id or uid).
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
export function checkCreationPolicy(
  document: string,
  caller: Pick<Caller, 'accountId'>,
  arn: string,
  action: 'kms:SetKeyPolicy' | 'kms:SetSecretPolicy',
): void {
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
