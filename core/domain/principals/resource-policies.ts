/**
 * @module core/domain/principals/resource-policies
 *
 * Key and secret policies: GetKeyPolicy / SetKeyPolicy, GetSecretPolicy / SetSecretPolicy
 * (PolicyName `default`, the only name Alibaba allows). A key or secret without a stored policy
 * has the default one (delegate to the owning account's RAM policies).
 *
 * Policies live in their own items (`KEYPOLICY#<keyId>`, `SECRETPOLICY#<account>#<region>#<name>`)
 * rather than on the key or secret item, so setting one never races with key or secret writes
 * and never changes their `rev`. A SetKeyPolicy that would leave the account root without
 * unconditional `kms:SetKeyPolicy` on the key is refused (`policy.lockout`), so an account can
 * never lock itself out of its own key; documents are limited to 32768 bytes.
 */
import { KmsError, invalidParameter } from '../../errors'
import { keyArn, resolveKey } from '../keys/common'
import type { Caller } from '../model'
import { ConditionFailed, type KeyDeps, type SecretDeps } from '../ports'
import { parsePolicyDocument } from '../policy/document'
import { keepsRootAccess } from '../policy/evaluate'
import { defaultResourcePolicyText } from '../policy/system-policies'
import { loadSecret } from '../secrets/common'
import { secretArn } from '../secrets/names'
import { isoSeconds, MAX_ATTEMPTS, backoff, type PrincipalDeps } from './deps'
import type { ResourcePolicyTarget } from './model'

function assertPolicyName(name: string | undefined): void {
  if (name !== undefined && name !== '' && name !== 'default') throw invalidParameter('PolicyName', 'must be "default".')
}

async function put(deps: Pick<PrincipalDeps, 'iam' | 'clock'>, target: ResourcePolicyTarget, accountId: string, document: string): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await deps.iam.getResourcePolicy(target)
    try {
      await deps.iam.putResourcePolicy(
        { target, accountId, document, updatedAt: isoSeconds(deps.clock.now()), rev: (current?.rev ?? 0) + 1 },
        current?.rev,
      )
      return
    } catch (err) {
      if (!(err instanceof ConditionFailed)) throw err
      await backoff(attempt)
    }
  }
  throw new KmsError('concurrency.conflict', 'The policy was modified concurrently. Retry the request.')
}

function checked(document: string, accountId: string, resource: string, action: string): void {
  const doc = parsePolicyDocument(document, 'resource')
  if (!keepsRootAccess(doc, accountId, resource, action)) {
    throw new KmsError(
      'policy.lockout',
      `The policy would lock the account root out: it must allow ${action} to acs:ram::${accountId}:* (or :root) without conditions and deny it to nobody who includes the root.`,
    )
  }
}

/** @throws KmsError key.notFound, validation.invalidParameter */
export async function getKeyPolicy(deps: KeyDeps & Pick<PrincipalDeps, 'iam'>, caller: Caller, keyId: string, policyName?: string): Promise<string> {
  assertPolicyName(policyName)
  const key = await resolveKey(deps, caller, keyId)
  const stored = await deps.iam.getResourcePolicy({ kind: 'key', keyId: key.keyId })
  return stored?.document ?? defaultResourcePolicyText(key.accountId)
}

/** @throws KmsError key.notFound, policy.malformed, policy.lockout, validation.invalidParameter */
export async function setKeyPolicy(
  deps: KeyDeps & Pick<PrincipalDeps, 'iam'>,
  caller: Caller,
  input: { keyId: string; policyName?: string; policy: string },
): Promise<string> {
  assertPolicyName(input.policyName)
  const key = await resolveKey(deps, caller, input.keyId)
  checked(input.policy, key.accountId, keyArn(key), 'kms:SetKeyPolicy')
  await put(deps, { kind: 'key', keyId: key.keyId }, key.accountId, input.policy)
  return key.keyId
}

/** @throws KmsError secret.notFound, validation.invalidParameter */
export async function getSecretPolicy(
  deps: SecretDeps & Pick<PrincipalDeps, 'iam'>,
  caller: Caller,
  secretName: string,
  policyName?: string,
): Promise<string> {
  assertPolicyName(policyName)
  const head = await loadSecret(deps, caller, secretName, 'allow')
  const stored = await deps.iam.getResourcePolicy({ kind: 'secret', accountId: head.accountId, region: head.region, secretName: head.secretName })
  return stored?.document ?? defaultResourcePolicyText(head.accountId)
}

/** @throws KmsError secret.notFound, policy.malformed, policy.lockout, validation.invalidParameter */
export async function setSecretPolicy(
  deps: SecretDeps & Pick<PrincipalDeps, 'iam'>,
  caller: Caller,
  input: { secretName: string; policyName?: string; policy: string },
): Promise<{ accountId: string; region: string; secretName: string }> {
  assertPolicyName(input.policyName)
  const head = await loadSecret(deps, caller, input.secretName, 'allow')
  checked(input.policy, head.accountId, secretArn(head), 'kms:SetSecretPolicy')
  const target = { kind: 'secret' as const, accountId: head.accountId, region: head.region, secretName: head.secretName }
  await put(deps, target, head.accountId, input.policy)
  return target
}
