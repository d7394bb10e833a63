/**
 * @module core/domain/principals/role-model
 *
 * RAM roles (layout in core/store/SCHEMA.md (Principals and policies)) and the repository port
 * for them. A role's policies are ordinary policy attachments whose `userName` is
 * `role/<roleName>` ({@link roleAttachmentOwner}): user names never contain `/`, so the two never
 * collide, and a policy's attachments (gsi1) list users and roles together, so DeletePolicy's
 * reference check and cascade cover roles without a second index.
 *
 * Invariants: as users (core/domain/principals/model.ts): one conditional write per change on
 * `rev`; deletion marks `Deleting`, checks attachments, then deletes; attach writes first and
 * re-reads the role. `roleId` is random per creation, and every STS session names it, so a role
 * deleted and created again under the same name never honours the old sessions.
 */
import type { EntityState } from './model'

export interface RoleRecord {
  accountId: string
  roleName: string
  /** Numeric, unique per creation. */
  roleId: string
  description: string
  /** The trust policy, as submitted (validated). */
  assumeRolePolicyDocument: string
  /** Upper bound of AssumeRole's DurationSeconds (3600–43200). */
  maxSessionDuration: number
  createdAt: string
  updatedAt: string
  state: EntityState
  rev: number
}

export interface RoleRepository {
  getRole(accountId: string, roleName: string): Promise<RoleRecord | undefined>
  /** ConditionFailed when the role exists. */
  createRole(role: RoleRecord): Promise<void>
  /** ConditionFailed unless the stored `rev` equals `expectedRev`. */
  replaceRole(role: RoleRecord, expectedRev: number): Promise<void>
  /** ConditionFailed unless the stored `rev` equals `expectedRev`. */
  deleteRole(accountId: string, roleName: string, expectedRev: number): Promise<void>
  /** Roles of an account by name, after `afterName` (exclusive). */
  listRoles(accountId: string, afterName: string | undefined, limit: number): Promise<{ items: RoleRecord[]; more: boolean }>
}

/** The `userName` of a role's policy attachments. */
export function roleAttachmentOwner(roleName: string): string {
  return `role/${roleName}`
}

export const ROLE_ATTACHMENT_PREFIX = 'role/'
