/**
 * @module core/domain/principals/resource-policies
 *
 * Key and secret policies: GetKeyPolicy / SetKeyPolicy, GetSecretPolicy / SetSecretPolicy
 * (PolicyName `default`, the only name Alibaba allows). A key or secret without a stored policy
 * has the default one (delegate to the owning account's RAM policies).
 *
 * Policies live in their own items (`KEYPOLICY#<keyId>`, `SECRETPOLICY#<account>#<region>#<name>#<uid>`)
 * rather than on the key or secret item, so setting one never races with key or secret writes
 * and never changes their `rev`. A secret's policy belongs to one creation of the secret (the
 * head's `uid`), never to its name: a secret deleted and created again under the same name starts
 * with the default policy, whatever the old one granted. The purge deletes the policy too
 * (core/domain/secrets/purge.ts), and a SetSecretPolicy that loses a race with the purge removes
 * its own write. A SetKeyPolicy that would leave the account root without
 * unconditional `kms:SetKeyPolicy` on the key is refused (`policy.lockout`), so an account can
 * never lock itself out of its own key; documents are limited to 32768 bytes.
 */
import { KmsError, invalidParameter } from '../../errors'
import { keyArn, resolveKey } from '../keys/common'
import type { Caller } from '../model'
import { ConditionFailed, type IamRepository, type KeyDeps, type SecretDeps } from '../ports'
import { parsePolicyDocument } from '../policy/document'
import { keepsRootAccess } from '../policy/evaluate'
import { defaultResourcePolicyText } from '../policy/system-policies'
import { loadSecret, secretNotFound } from '../secrets/common'
import type { SecretRecord } from '../secrets/model'
import { secretArn } from '../secrets/names'
import { isoSeconds, MAX_ATTEMPTS, backoff, type PrincipalDeps } from './deps'
import type { ResourcePolicyTarget } from './model'

function assertPolicyName(name: string | undefined): void {
  if (name !== undefined && name !== '' && name !== 'default') throw invalidParameter('PolicyName', 'must be "default".')
}

/** @returns the revision written */
async function put(
  deps: Pick<PrincipalDeps, 'iam' | 'clock'>,
  target: ResourcePolicyTarget,
  accountId: string,
  document: string,
): Promise<number> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await deps.iam.getResourcePolicy(target)
    const rev = (current?.rev ?? 0) + 1
    try {
      await deps.iam.putResourcePolicy({ target, accountId, document, updatedAt: isoSeconds(deps.clock.now()), rev }, current?.rev)
      return rev
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
export async function getKeyPolicy(
  deps: KeyDeps & Pick<PrincipalDeps, 'iam'>,
  caller: Caller,
  keyId: string,
  policyName?: string,
): Promise<string> {
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

type SecretHead = Pick<SecretRecord, 'accountId' | 'region' | 'secretName' | 'uid' | 'createdAt'>

/** Where the policy of this creation of a secret is stored (by name only for heads without uid). */
export function secretPolicyTarget(head: Omit<SecretHead, 'createdAt'>, byName = false): ResourcePolicyTarget {
  const { accountId, region, secretName } = head
  return byName || head.uid === undefined
    ? { kind: 'secret', accountId, region, secretName }
    : { kind: 'secret', accountId, region, secretName, uid: head.uid }
}

/** A secret's stored policy; `denyOnly` when only its Deny statements may apply (see below). */
export interface StoredSecretPolicy {
  document: string
  rev: number
  /** The item it came from (the cache key of its compiled form). */
  target: ResourcePolicyTarget
  denyOnly: boolean
}

/**
 * The stored policy of this creation of a secret, if any.
 *
 * Migration: policies set before they were keyed by uid are stored by name, also for heads that
 * have a uid. Such an item counts for a head only when it was written after the head was created
 * (`updatedAt` > `createdAt`): one written earlier belonged to a deleted secret of the same name
 * and is ignored. Written in the very second of the creation it is ambiguous, and only its Deny
 * statements apply (on top of the default policy): an old grant never reaches a new secret, an
 * old restriction is kept.
 * @throws KmsError store.unavailable
 */
export async function storedSecretPolicy(
  iam: Pick<IamRepository, 'getResourcePolicy'>,
  head: SecretHead,
): Promise<StoredSecretPolicy | undefined> {
  const own = secretPolicyTarget(head)
  const stored = await iam.getResourcePolicy(own)
  if (stored) return { document: stored.document, rev: stored.rev, target: own, denyOnly: false }
  if (head.uid === undefined) return undefined
  const byName = secretPolicyTarget(head, true)
  const legacy = await iam.getResourcePolicy(byName)
  if (!legacy) return undefined
  const written = Date.parse(legacy.updatedAt)
  const created = Date.parse(head.createdAt)
  if (!(written >= created)) return undefined
  return { document: legacy.document, rev: legacy.rev, target: byName, denyOnly: written === created }
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
  const stored = await storedSecretPolicy(deps.iam, head)
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
  const target = secretPolicyTarget(head)
  const rev = await put(deps, target, head.accountId, input.policy)
  // Whoever adds an item that refers to the secret re-reads it afterwards: if this creation of the
  // secret was purged meanwhile, the policy is removed again (it would be unreachable anyway when
  // keyed by uid; for heads without uid the next secret of the name could otherwise inherit it).
  const after = await deps.secrets.getHead(head.accountId, head.region, head.secretName)
  if (!after || after.state === 'Deleted' || after.uid !== head.uid) {
    try {
      await deps.iam.deleteResourcePolicy(target, rev)
    } catch (err) {
      if (!(err instanceof ConditionFailed)) throw err
    }
    throw secretNotFound()
  }
  return { accountId: head.accountId, region: head.region, secretName: head.secretName }
}
