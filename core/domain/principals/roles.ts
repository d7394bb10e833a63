/**
 * @module core/domain/principals/roles
 *
 * RAM roles: CreateRole (with its trust policy), GetRole, ListRoles, UpdateRole, DeleteRole,
 * AttachPolicyToRole, DetachPolicyFromRole, ListPoliciesForRole. Same protocols as users
 * (core/domain/principals/role-model.ts): deletion marks the role `Deleting`, refuses while
 * policies are attached (`DeleteConflict.Role.Policy`) and then deletes; attaching writes the
 * attachment and re-reads role and policy, removing its own write if either went away.
 * Deleting a role ends its STS sessions: they name the role id, and the role lookup of every
 * request they sign (core/domain/principals/access-control.ts) no longer finds it.
 */
import { KmsError, invalidParameter } from '../../errors'
import type { Caller } from '../model'
import { ConditionFailed } from '../ports'
import { isoSeconds, randomString, replaceOrConflict, type PrincipalDeps } from './deps'
import { attachPolicy, detachPolicy, listAttachedPolicies, type AttachedPolicyView, type PolicyOwner } from './policies'
import { roleAttachmentOwner, type RoleRecord } from './role-model'
import { parseTrustPolicy } from './trust-policy'

const ROLE_NAME = /^[A-Za-z0-9.-]{1,64}$/
export const DEFAULT_MAX_SESSION_DURATION = 3600
export const MAX_MAX_SESSION_DURATION = 43200

export function roleArn(accountId: string, roleName: string): string {
  return `acs:ram::${accountId}:role/${roleName}`
}

export function roleNotFound(): KmsError {
  return new KmsError('iam.roleNotFound', 'The role does not exist.')
}

/** @throws KmsError validation.invalidParameter */
export function assertRoleName(name: string, parameter = 'RoleName'): void {
  if (!ROLE_NAME.test(name)) throw invalidParameter(parameter, 'must be 1 to 64 letters, digits, periods or hyphens.')
}

/** A role that exists and is not being deleted. */
export async function getActiveRole(deps: Pick<PrincipalDeps, 'iam'>, accountId: string, roleName: string): Promise<RoleRecord> {
  const role = await deps.iam.getRole(accountId, roleName)
  if (!role || role.state !== 'Active') throw roleNotFound()
  return role
}

export interface CreateRoleInput {
  roleName: string
  assumeRolePolicyDocument: string
  description?: string
  maxSessionDuration?: number
}

/** @throws KmsError iam.roleExists, policy.malformed, validation.invalidParameter */
export async function createRole(deps: PrincipalDeps, caller: Caller, input: CreateRoleInput): Promise<RoleRecord> {
  assertRoleName(input.roleName)
  if ((input.description ?? '').length > 1024) throw invalidParameter('Description', 'must be at most 1024 characters.')
  const max = input.maxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION
  if (!Number.isInteger(max) || max < DEFAULT_MAX_SESSION_DURATION || max > MAX_MAX_SESSION_DURATION) {
    throw invalidParameter('MaxSessionDuration', `must be an integer from ${DEFAULT_MAX_SESSION_DURATION} to ${MAX_MAX_SESSION_DURATION}.`)
  }
  parseTrustPolicy(input.assumeRolePolicyDocument)
  const now = isoSeconds(deps.clock.now())
  const role: RoleRecord = {
    accountId: caller.accountId,
    roleName: input.roleName,
    roleId: `3${randomString(deps.random, 18, '0123456789')}`,
    description: input.description ?? '',
    assumeRolePolicyDocument: input.assumeRolePolicyDocument,
    maxSessionDuration: max,
    createdAt: now,
    updatedAt: now,
    state: 'Active',
    rev: 1,
  }
  try {
    await deps.iam.createRole(role)
  } catch (err) {
    if (err instanceof ConditionFailed) throw new KmsError('iam.roleExists', 'The role already exists.')
    throw err
  }
  return role
}

/** @throws KmsError iam.roleNotFound, validation.invalidParameter */
export async function getRole(deps: PrincipalDeps, caller: Caller, roleName: string): Promise<RoleRecord> {
  assertRoleName(roleName)
  return getActiveRole(deps, caller.accountId, roleName)
}

export async function listRoles(
  deps: PrincipalDeps,
  caller: Caller,
  afterName: string | undefined,
  limit: number,
): Promise<{ roles: RoleRecord[]; more: boolean }> {
  const { items, more } = await deps.iam.listRoles(caller.accountId, afterName, limit)
  return { roles: items.filter((r) => r.state === 'Active'), more }
}

export interface UpdateRoleInput {
  roleName: string
  assumeRolePolicyDocument?: string
  description?: string
  maxSessionDuration?: number
}

/**
 * Replaces the trust policy, description or MaxSessionDuration (one write on `rev`). Sessions
 * already issued keep their expiry; the new trust policy applies to the next AssumeRole.
 * @throws KmsError iam.roleNotFound, policy.malformed, validation.invalidParameter, concurrency.conflict
 */
export async function updateRole(deps: PrincipalDeps, caller: Caller, input: UpdateRoleInput): Promise<RoleRecord> {
  assertRoleName(input.roleName)
  if (input.assumeRolePolicyDocument !== undefined) parseTrustPolicy(input.assumeRolePolicyDocument)
  if ((input.description ?? '').length > 1024) throw invalidParameter('NewDescription', 'must be at most 1024 characters.')
  const max = input.maxSessionDuration
  if (max !== undefined && (!Number.isInteger(max) || max < DEFAULT_MAX_SESSION_DURATION || max > MAX_MAX_SESSION_DURATION)) {
    throw invalidParameter(
      'NewMaxSessionDuration',
      `must be an integer from ${DEFAULT_MAX_SESSION_DURATION} to ${MAX_MAX_SESSION_DURATION}.`,
    )
  }
  const role = await getActiveRole(deps, caller.accountId, input.roleName)
  const updated: RoleRecord = {
    ...role,
    ...(input.assumeRolePolicyDocument === undefined ? {} : { assumeRolePolicyDocument: input.assumeRolePolicyDocument }),
    ...(input.description === undefined ? {} : { description: input.description }),
    ...(max === undefined ? {} : { maxSessionDuration: max }),
    updatedAt: isoSeconds(deps.clock.now()),
    rev: role.rev + 1,
  }
  await replaceOrConflict('role', () => deps.iam.replaceRole(updated, role.rev))
  return updated
}

/** @throws KmsError iam.roleNotFound, iam.roleHasPolicies, concurrency.conflict */
export async function deleteRole(deps: PrincipalDeps, caller: Caller, roleName: string): Promise<void> {
  assertRoleName(roleName)
  const role = await deps.iam.getRole(caller.accountId, roleName)
  if (!role) throw roleNotFound()
  const marked: RoleRecord = role.state === 'Deleting' ? role : { ...role, state: 'Deleting', rev: role.rev + 1 }
  if (marked !== role) {
    await replaceOrConflict('role', () => deps.iam.replaceRole(marked, role.rev))
  }
  if ((await deps.iam.listAttachments(caller.accountId, roleAttachmentOwner(roleName))).length > 0) {
    await deps.iam.replaceRole({ ...marked, state: 'Active', rev: marked.rev + 1 }, marked.rev).catch(() => undefined)
    throw new KmsError('iam.roleHasPolicies', 'The role still has policies attached; detach them first.')
  }
  await deps.iam.deleteRole(caller.accountId, roleName, marked.rev)
}

function roleOwner(deps: PrincipalDeps, caller: Caller, roleName: string): PolicyOwner {
  return {
    key: roleAttachmentOwner(roleName),
    assertName: () => assertRoleName(roleName),
    get: () => deps.iam.getRole(caller.accountId, roleName),
    notFound: roleNotFound,
    alreadyAttached: () => new KmsError('iam.roleAttachmentExists', 'The policy is already attached to the role.'),
    notAttached: () => new KmsError('iam.roleAttachmentNotFound', 'The policy is not attached to the role.'),
  }
}

/** @throws KmsError iam.roleNotFound, iam.policyNotFound, iam.roleAttachmentExists */
export async function attachPolicyToRole(
  deps: PrincipalDeps,
  caller: Caller,
  input: { roleName: string; policyName: string; policyType: string },
): Promise<void> {
  await attachPolicy(deps, caller, roleOwner(deps, caller, input.roleName), input)
}

/** @throws KmsError iam.roleNotFound, iam.policyNotFound, iam.roleAttachmentNotFound */
export async function detachPolicyFromRole(
  deps: PrincipalDeps,
  caller: Caller,
  input: { roleName: string; policyName: string; policyType: string },
): Promise<void> {
  await detachPolicy(deps, caller, roleOwner(deps, caller, input.roleName), input)
}

/** @throws KmsError iam.roleNotFound */
export async function listPoliciesForRole(deps: PrincipalDeps, caller: Caller, roleName: string): Promise<AttachedPolicyView[]> {
  return listAttachedPolicies(deps, caller, roleOwner(deps, caller, roleName))
}
