/**
 * @module core/domain/principals/policies
 *
 * Identity policies: CreatePolicy, GetPolicy, DeletePolicy (custom), the built-in system
 * policies, and attaching them to users and roles (one implementation, {@link attachPolicy},
 * {@link detachPolicy} and {@link listAttachedPolicies}, parameterised by the {@link PolicyOwner}). Documents are validated at CreatePolicy (malformed,
 * unknown actions, over 6144 bytes → `MalformedPolicyDocument` with the position).
 *
 * Attach writes the attachment first and re-reads the owner and the policy after; if either is
 * gone or being deleted, it removes its own attachment (see core/domain/principals/model.ts), so
 * no attachment outlives its owner or policy.
 */
import { KmsError, invalidParameter } from '../../errors'
import type { Caller } from '../model'
import { ConditionFailed } from '../ports'
import { parsePolicyDocument } from '../policy/document'
import { systemPolicy, SYSTEM_POLICIES } from '../policy/system-policies'
import { isoSeconds, replaceOrConflict, type PrincipalDeps } from './deps'
import type { CustomPolicyRecord, PolicyAttachmentRecord, PolicyType } from './model'
import { assertPolicyName, assertUserName } from './names'
import { userNotFound } from './users'

export function policyNotFound(): KmsError {
  return new KmsError('iam.policyNotFound', 'The policy does not exist.')
}

/** A policy as GetPolicy reports it. */
export interface PolicyView {
  policyName: string
  policyType: PolicyType
  description: string
  document: string
  createdAt: string
  updatedAt: string
  attachmentCount: number
}

function assertPolicyType(value: string | undefined): PolicyType {
  if (value === 'System' || value === 'Custom') return value
  throw invalidParameter('PolicyType', 'must be System or Custom.')
}

/** @throws KmsError iam.policyExists, policy.malformed, validation.invalidParameter */
export async function createPolicy(
  deps: PrincipalDeps,
  caller: Caller,
  input: { policyName: string; document: string; description?: string },
): Promise<CustomPolicyRecord> {
  assertPolicyName(input.policyName)
  if (systemPolicy(input.policyName)) throw new KmsError('iam.policyExists', 'A system policy has that name.')
  if ((input.description ?? '').length > 1024) throw invalidParameter('Description', 'must be at most 1024 characters.')
  parsePolicyDocument(input.document, 'identity')
  const now = isoSeconds(deps.clock.now())
  const policy: CustomPolicyRecord = {
    accountId: caller.accountId,
    policyName: input.policyName,
    description: input.description ?? '',
    document: input.document,
    createdAt: now,
    updatedAt: now,
    state: 'Active',
    rev: 1,
  }
  try {
    await deps.iam.createPolicy(policy)
  } catch (err) {
    if (err instanceof ConditionFailed) throw new KmsError('iam.policyExists', 'The policy already exists.')
    throw err
  }
  return policy
}

async function activePolicy(deps: PrincipalDeps, accountId: string, policyName: string): Promise<CustomPolicyRecord> {
  const policy = await deps.iam.getPolicy(accountId, policyName)
  if (!policy || policy.state !== 'Active') throw policyNotFound()
  return policy
}

/** @throws KmsError iam.policyNotFound, validation.invalidParameter */
export async function getPolicy(deps: PrincipalDeps, caller: Caller, policyName: string, policyTypeParam: string): Promise<PolicyView> {
  const policyType = assertPolicyType(policyTypeParam)
  if (policyType === 'System') {
    const sys = systemPolicy(policyName)
    if (!sys) throw policyNotFound()
    const attached = await deps.iam.listAttachmentsOfPolicy(caller.accountId, 'System', policyName)
    const epoch = '2015-05-01T00:00:00Z'
    return {
      policyName,
      policyType,
      description: sys.description,
      document: sys.document,
      createdAt: epoch,
      updatedAt: epoch,
      attachmentCount: attached.length,
    }
  }
  assertPolicyName(policyName)
  const policy = await activePolicy(deps, caller.accountId, policyName)
  const attached = await deps.iam.listAttachmentsOfPolicy(caller.accountId, 'Custom', policyName)
  return {
    policyName,
    policyType,
    description: policy.description,
    document: policy.document,
    createdAt: policy.createdAt,
    updatedAt: policy.updatedAt,
    attachmentCount: attached.length,
  }
}

/**
 * Deletes a custom policy; with `cascade`, detaches it from every user first.
 * @throws KmsError iam.policyNotFound, iam.policyAttached, iam.systemPolicy, concurrency.conflict
 */
export async function deletePolicy(deps: PrincipalDeps, caller: Caller, policyName: string, cascade = false): Promise<void> {
  if (systemPolicy(policyName)) throw new KmsError('iam.systemPolicy', 'System policies cannot be deleted.')
  assertPolicyName(policyName)
  const policy = await deps.iam.getPolicy(caller.accountId, policyName)
  if (!policy) throw policyNotFound()
  const marked: CustomPolicyRecord = policy.state === 'Deleting' ? policy : { ...policy, state: 'Deleting', rev: policy.rev + 1 }
  if (marked !== policy) {
    await replaceOrConflict('policy', () => deps.iam.replacePolicy(marked, policy.rev))
  }
  const attachments = await deps.iam.listAttachmentsOfPolicy(caller.accountId, 'Custom', policyName)
  if (attachments.length > 0 && !cascade) {
    await deps.iam.replacePolicy({ ...marked, state: 'Active', rev: marked.rev + 1 }, marked.rev).catch(() => undefined)
    throw new KmsError('iam.policyAttached', 'The policy is still attached to users; detach it first.')
  }
  for (const a of attachments) {
    await deps.iam.deleteAttachment(a.accountId, a.userName, 'Custom', policyName).catch((err) => {
      if (!(err instanceof ConditionFailed)) throw err
    })
  }
  await deps.iam.deletePolicy(caller.accountId, policyName, marked.rev)
}

/**
 * Whose attachments an attach, detach or list works on: a user, or a role (whose attachments
 * are keyed by `roleAttachmentOwner`, see core/domain/principals/role-model.ts).
 */
export interface PolicyOwner {
  /** The attachments' `userName` key. */
  key: string
  /** Validates the owner's name; runs before the policy type and name are checked. */
  assertName(): void
  /** The owner's record as stored (any state), or undefined. */
  get(): Promise<{ state: string } | undefined>
  notFound(): KmsError
  alreadyAttached(): KmsError
  notAttached(): KmsError
}

function attachmentInput(owner: PolicyOwner, input: { policyName: string; policyType: string }): PolicyType {
  owner.assertName()
  const policyType = assertPolicyType(input.policyType)
  if (policyType === 'System') {
    if (!systemPolicy(input.policyName)) throw policyNotFound()
  } else {
    assertPolicyName(input.policyName)
  }
  return policyType
}

async function activeOwner(owner: PolicyOwner): Promise<void> {
  const record = await owner.get()
  if (!record || record.state !== 'Active') throw owner.notFound()
}

/** Attach for users and roles: writes the attachment, then re-reads owner and policy. */
export async function attachPolicy(
  deps: PrincipalDeps,
  caller: Caller,
  owner: PolicyOwner,
  input: { policyName: string; policyType: string },
): Promise<void> {
  const policyType = attachmentInput(owner, input)
  await activeOwner(owner)
  if (policyType === 'Custom') await activePolicy(deps, caller.accountId, input.policyName)
  const attachment: PolicyAttachmentRecord = {
    accountId: caller.accountId,
    userName: owner.key,
    policyType,
    policyName: input.policyName,
    attachedAt: isoSeconds(deps.clock.now()),
  }
  try {
    await deps.iam.createAttachment(attachment)
  } catch (err) {
    if (err instanceof ConditionFailed) throw owner.alreadyAttached()
    throw err
  }
  const record = await owner.get()
  const policy = policyType === 'Custom' ? await deps.iam.getPolicy(caller.accountId, input.policyName) : undefined
  const ownerGone = !record || record.state !== 'Active'
  const policyGone = policyType === 'Custom' && (!policy || policy.state !== 'Active')
  if (ownerGone || policyGone) {
    await deps.iam.deleteAttachment(caller.accountId, owner.key, policyType, input.policyName).catch(() => undefined)
    throw ownerGone ? owner.notFound() : policyNotFound()
  }
}

/** Detach for users and roles; the owner need only exist (it may be being deleted). */
export async function detachPolicy(
  deps: PrincipalDeps,
  caller: Caller,
  owner: PolicyOwner,
  input: { policyName: string; policyType: string },
): Promise<void> {
  const policyType = attachmentInput(owner, input)
  if (!(await owner.get())) throw owner.notFound()
  try {
    await deps.iam.deleteAttachment(caller.accountId, owner.key, policyType, input.policyName)
  } catch (err) {
    if (err instanceof ConditionFailed) throw owner.notAttached()
    throw err
  }
}

export interface AttachedPolicyView {
  policyName: string
  policyType: PolicyType
  description: string
  attachedAt: string
}

/** List for users and roles: the owner's attachments with each policy's description. */
export async function listAttachedPolicies(deps: PrincipalDeps, caller: Caller, owner: PolicyOwner): Promise<AttachedPolicyView[]> {
  owner.assertName()
  await activeOwner(owner)
  const attachments = await deps.iam.listAttachments(caller.accountId, owner.key)
  const out: AttachedPolicyView[] = []
  for (const a of attachments) {
    const description =
      a.policyType === 'System'
        ? (SYSTEM_POLICIES.find((p) => p.name === a.policyName)?.description ?? '')
        : ((await deps.iam.getPolicy(caller.accountId, a.policyName))?.description ?? '')
    out.push({ policyName: a.policyName, policyType: a.policyType, description, attachedAt: a.attachedAt })
  }
  return out
}

function userOwner(deps: PrincipalDeps, caller: Caller, userName: string): PolicyOwner {
  return {
    key: userName,
    assertName: () => assertUserName(userName),
    get: () => deps.iam.getUser(caller.accountId, userName),
    notFound: userNotFound,
    alreadyAttached: () => new KmsError('iam.attachmentExists', 'The policy is already attached to the user.'),
    notAttached: () => new KmsError('iam.attachmentNotFound', 'The policy is not attached to the user.'),
  }
}

/**
 * @throws KmsError iam.userNotFound, iam.policyNotFound, iam.attachmentExists
 */
export async function attachPolicyToUser(
  deps: PrincipalDeps,
  caller: Caller,
  input: { userName: string; policyName: string; policyType: string },
): Promise<void> {
  await attachPolicy(deps, caller, userOwner(deps, caller, input.userName), input)
}

/** @throws KmsError iam.userNotFound, iam.policyNotFound, iam.attachmentNotFound */
export async function detachPolicyFromUser(
  deps: PrincipalDeps,
  caller: Caller,
  input: { userName: string; policyName: string; policyType: string },
): Promise<void> {
  await detachPolicy(deps, caller, userOwner(deps, caller, input.userName), input)
}

/** @throws KmsError iam.userNotFound */
export async function listPoliciesForUser(deps: PrincipalDeps, caller: Caller, userName: string): Promise<AttachedPolicyView[]> {
  return listAttachedPolicies(deps, caller, userOwner(deps, caller, userName))
}
