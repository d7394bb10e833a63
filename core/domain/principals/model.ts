/**
 * @module core/domain/principals/model
 *
 * RAM users, custom policies, their attachments, and the resource policies of keys and secrets
 * (layout in core/store/SCHEMA.md (Principals and policies)). Accounts and AccessKeys are the records of
 * core/domain/model.ts: a user's AccessKey carries `principal = <user name>`, the account root's
 * carries `principal = 'root'`.
 *
 * Invariants:
 * - Every item changes through one conditional write: users and policies on `rev`, attachments
 *   and access keys on existence. There are no multi-item transactions (dynalite has none).
 * - Deleting a user or a policy first marks it `Deleting` (one conditional write), then checks
 *   what still refers to it, then deletes it. Whoever adds a reference (an AccessKey, an
 *   attachment) writes it first and re-reads the target afterwards, removing its own write when
 *   the target is gone or `Deleting`. So a reference never survives its target, without locks.
 */

/** The principal name of the account root (never a user name). */
export const ROOT_PRINCIPAL = 'root'

export type EntityState = 'Active' | 'Deleting'

export interface UserRecord {
  accountId: string
  userName: string
  /** Numeric id, unique per user (a re-created user gets a new one). */
  userId: string
  displayName: string
  comments: string
  email: string
  mobilePhone: string
  createdAt: string
  updatedAt: string
  state: EntityState
  rev: number
}

export type PolicyType = 'System' | 'Custom'

export interface CustomPolicyRecord {
  accountId: string
  policyName: string
  description: string
  /** The document as submitted (validated; at most 6144 bytes). */
  document: string
  createdAt: string
  updatedAt: string
  state: EntityState
  rev: number
}

export interface PolicyAttachmentRecord {
  accountId: string
  userName: string
  policyType: PolicyType
  policyName: string
  attachedAt: string
}

/**
 * What a resource policy is attached to. A secret's policy belongs to one creation of the name:
 * `uid` is the head's per-creation id (absent only for heads created before 2026-11-23, whose
 * policies stay keyed by name), so a secret re-created under the same name never meets the
 * policy of the one before it.
 */
export type ResourcePolicyTarget =
  { kind: 'key'; keyId: string } | { kind: 'secret'; accountId: string; region: string; secretName: string; uid?: string }

export interface ResourcePolicyRecord {
  target: ResourcePolicyTarget
  /** The owning account (for keys: the key's account when the policy was set). */
  accountId: string
  /** The document (validated; at most 32768 bytes). */
  document: string
  updatedAt: string
  rev: number
}
