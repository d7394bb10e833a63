/**
 * @module core/domain/principals/memory-iam.fake
 *
 * In-memory IamRepository + CredentialRepository with the DynamoDB repositories' conditional
 * semantics and listing order (test/contract holds both to one contract), for unit tests only.
 */
import type { AccessKeyRecord, AccountRecord } from '../model'
import { ConditionFailed, type CredentialRepository, type IamRepository } from '../ports'
import type {
  CustomPolicyRecord,
  PolicyAttachmentRecord,
  PolicyType,
  ResourcePolicyRecord,
  ResourcePolicyTarget,
  UserRecord,
} from './model'
import type { RoleRecord } from './role-model'

function targetKey(t: ResourcePolicyTarget): string {
  return t.kind === 'key' ? `k/${t.keyId}` : `s/${t.accountId}/${t.region}/${t.secretName}${t.uid === undefined ? '' : `/${t.uid}`}`
}

export class MemoryIam implements IamRepository, CredentialRepository {
  readonly users = new Map<string, UserRecord>()
  readonly policies = new Map<string, CustomPolicyRecord>()
  readonly attachments = new Map<string, PolicyAttachmentRecord>()
  readonly accessKeys = new Map<string, AccessKeyRecord>()
  readonly accounts = new Map<string, AccountRecord>()
  readonly resourcePolicies = new Map<string, ResourcePolicyRecord>()
  readonly roles = new Map<string, RoleRecord>()
  reads = 0

  async getUser(accountId: string, userName: string) {
    this.reads++
    const u = this.users.get(`${accountId}/${userName}`)
    return u ? { ...u } : undefined
  }
  async createUser(user: UserRecord) {
    const k = `${user.accountId}/${user.userName}`
    if (this.users.has(k)) throw new ConditionFailed('create user')
    this.users.set(k, { ...user })
  }
  async replaceUser(user: UserRecord, expectedRev: number) {
    const k = `${user.accountId}/${user.userName}`
    if (this.users.get(k)?.rev !== expectedRev) throw new ConditionFailed('replace user')
    this.users.set(k, { ...user })
  }
  async deleteUser(accountId: string, userName: string, expectedRev: number) {
    const k = `${accountId}/${userName}`
    if (this.users.get(k)?.rev !== expectedRev) throw new ConditionFailed('delete user')
    this.users.delete(k)
  }
  async listUsers(accountId: string, afterName: string | undefined, limit: number) {
    const all = [...this.users.values()]
      .filter((u) => u.accountId === accountId && (afterName === undefined || u.userName > afterName))
      .sort((a, b) => (a.userName < b.userName ? -1 : 1))
    return { items: all.slice(0, limit).map((u) => ({ ...u })), more: all.length > limit }
  }
  async getRole(accountId: string, roleName: string) {
    this.reads++
    const r = this.roles.get(`${accountId}/${roleName}`)
    return r ? { ...r } : undefined
  }
  async createRole(role: RoleRecord) {
    const k = `${role.accountId}/${role.roleName}`
    if (this.roles.has(k)) throw new ConditionFailed('create role')
    this.roles.set(k, { ...role })
  }
  async replaceRole(role: RoleRecord, expectedRev: number) {
    const k = `${role.accountId}/${role.roleName}`
    if (this.roles.get(k)?.rev !== expectedRev) throw new ConditionFailed('replace role')
    this.roles.set(k, { ...role })
  }
  async deleteRole(accountId: string, roleName: string, expectedRev: number) {
    const k = `${accountId}/${roleName}`
    if (this.roles.get(k)?.rev !== expectedRev) throw new ConditionFailed('delete role')
    this.roles.delete(k)
  }
  async listRoles(accountId: string, afterName: string | undefined, limit: number) {
    const all = [...this.roles.values()]
      .filter((r) => r.accountId === accountId && (afterName === undefined || r.roleName > afterName))
      .sort((a, b) => (a.roleName < b.roleName ? -1 : 1))
    return { items: all.slice(0, limit).map((r) => ({ ...r })), more: all.length > limit }
  }
  async getPolicy(accountId: string, policyName: string) {
    this.reads++
    const p = this.policies.get(`${accountId}/${policyName}`)
    return p ? { ...p } : undefined
  }
  async createPolicy(policy: CustomPolicyRecord) {
    const k = `${policy.accountId}/${policy.policyName}`
    if (this.policies.has(k)) throw new ConditionFailed('create policy')
    this.policies.set(k, { ...policy })
  }
  async replacePolicy(policy: CustomPolicyRecord, expectedRev: number) {
    const k = `${policy.accountId}/${policy.policyName}`
    if (this.policies.get(k)?.rev !== expectedRev) throw new ConditionFailed('replace policy')
    this.policies.set(k, { ...policy })
  }
  async deletePolicy(accountId: string, policyName: string, expectedRev: number) {
    const k = `${accountId}/${policyName}`
    if (this.policies.get(k)?.rev !== expectedRev) throw new ConditionFailed('delete policy')
    this.policies.delete(k)
  }
  private attachmentKey(a: Pick<PolicyAttachmentRecord, 'accountId' | 'userName' | 'policyType' | 'policyName'>) {
    return `${a.accountId}/${a.userName}/${a.policyType}/${a.policyName}`
  }
  /** By `<policyType>#<policyName>`, as the Query on the user's partition. */
  async listAttachments(accountId: string, userName: string) {
    this.reads++
    const order = (a: PolicyAttachmentRecord) => `${a.policyType}#${a.policyName}`
    return [...this.attachments.values()]
      .filter((a) => a.accountId === accountId && a.userName === userName)
      .sort((a, b) => (order(a) < order(b) ? -1 : 1))
      .map((a) => ({ ...a }))
  }
  /** By user, as the gsi1 query. */
  async listAttachmentsOfPolicy(accountId: string, policyType: PolicyType, policyName: string) {
    return [...this.attachments.values()]
      .filter((a) => a.accountId === accountId && a.policyType === policyType && a.policyName === policyName)
      .sort((a, b) => (a.userName < b.userName ? -1 : 1))
      .map((a) => ({ ...a }))
  }
  async createAttachment(a: PolicyAttachmentRecord) {
    const k = this.attachmentKey(a)
    if (this.attachments.has(k)) throw new ConditionFailed('create attachment')
    this.attachments.set(k, { ...a })
  }
  async deleteAttachment(accountId: string, userName: string, policyType: PolicyType, policyName: string) {
    const k = this.attachmentKey({ accountId, userName, policyType, policyName })
    if (!this.attachments.delete(k)) throw new ConditionFailed('delete attachment')
  }
  /** By AccessKey id, as the gsi1 query. */
  async listAccessKeys(accountId: string, principal: string) {
    return [...this.accessKeys.values()]
      .filter((k) => k.accountId === accountId && k.principal === principal)
      .sort((a, b) => (a.accessKeyId < b.accessKeyId ? -1 : 1))
      .map((k) => ({ ...k }))
  }
  async setAccessKeyStatus(accessKeyId: string, accountId: string, principal: string, status: 'Active' | 'Inactive') {
    const k = this.accessKeys.get(accessKeyId)
    if (!k || k.accountId !== accountId || k.principal !== principal) throw new ConditionFailed('update access key')
    k.status = status
  }
  async deleteAccessKey(accessKeyId: string, accountId: string, principal: string) {
    const k = this.accessKeys.get(accessKeyId)
    if (!k || k.accountId !== accountId || k.principal !== principal) throw new ConditionFailed('delete access key')
    this.accessKeys.delete(accessKeyId)
  }
  async getResourcePolicy(target: ResourcePolicyTarget) {
    const r = this.resourcePolicies.get(targetKey(target))
    return r ? { ...r } : undefined
  }
  async putResourcePolicy(record: ResourcePolicyRecord, expectedRev: number | undefined) {
    const k = targetKey(record.target)
    const cur = this.resourcePolicies.get(k)
    if (expectedRev === undefined ? cur !== undefined : cur?.rev !== expectedRev) throw new ConditionFailed('put resource policy')
    this.resourcePolicies.set(k, { ...record })
  }
  async deleteResourcePolicy(target: ResourcePolicyTarget, expectedRev?: number) {
    const k = targetKey(target)
    if (expectedRev !== undefined && this.resourcePolicies.get(k)?.rev !== expectedRev) throw new ConditionFailed('delete resource policy')
    this.resourcePolicies.delete(k)
  }
  async getAccessKey(accessKeyId: string) {
    const k = this.accessKeys.get(accessKeyId)
    return k ? { ...k } : undefined
  }
  async createAccessKey(record: AccessKeyRecord) {
    if (this.accessKeys.has(record.accessKeyId)) throw new ConditionFailed('create access key')
    this.accessKeys.set(record.accessKeyId, { ...record })
  }
  async putAccessKey(record: AccessKeyRecord) {
    this.accessKeys.set(record.accessKeyId, { ...record })
  }
  async getAccount(accountId: string) {
    const a = this.accounts.get(accountId)
    return a ? { ...a } : undefined
  }
  async ensureAccount(record: AccountRecord) {
    if (!this.accounts.has(record.accountId)) this.accounts.set(record.accountId, { ...record })
  }
}
