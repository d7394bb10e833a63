/**
 * @module core/store/iam
 *
 * DynamoDB implementation of the IamRepository port (layout in ./SCHEMA.md (Principals and policies)): users, custom
 * policies, policy attachments, the status and deletion of AccessKeys, and key and secret
 * policies. Every write is one conditional write on one item.
 */
import { DeleteItemCommand } from 'dynamodb-toolbox/entity/actions/delete'
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get'
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put'
import { UpdateItemCommand } from 'dynamodb-toolbox/entity/actions/update'
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query'
import type { AccessKeyRecord } from '../domain/model'
import type { IamRepository } from '../domain/ports'
import type {
  CustomPolicyRecord,
  PolicyAttachmentRecord,
  PolicyType,
  ResourcePolicyRecord,
  ResourcePolicyTarget,
  UserRecord,
} from '../domain/principals/model'
import type { RoleRecord } from '../domain/principals/role-model'
import { guard } from './common'
import type { KmsEntities, KmsTable } from './table'

function strip<T extends Record<string, unknown>>(item: T, ...names: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...item }
  for (const n of names) delete out[n]
  return out
}

export function usersPartition(accountId: string): string {
  return `ACCOUNT#${accountId}#USERS`
}

export function rolesPartition(accountId: string): string {
  return `ACCOUNT#${accountId}#ROLES`
}

function attachmentsOfPolicyPartition(accountId: string, policyType: PolicyType, policyName: string): string {
  return `POLICYUSERS#${accountId}#${policyType}#${policyName}`
}

/**
 * `KEYPOLICY#<keyId>` (key ids are never reused), `SECRETPOLICY#<account>#<region>#<name>#<uid>`
 * (one creation of the secret), or the name alone for heads created before secrets had a uid.
 */
export function resourcePolicyKey(target: ResourcePolicyTarget): string {
  if (target.kind === 'key') return `KEYPOLICY#${target.keyId}`
  const byName = `SECRETPOLICY#${target.accountId}#${target.region}#${target.secretName}`
  return target.uid === undefined ? byName : `${byName}#${target.uid}`
}

export class DynamoIamRepository implements IamRepository {
  constructor(
    private readonly table: KmsTable,
    private readonly entities: KmsEntities,
  ) {}

  getUser(accountId: string, userName: string): Promise<UserRecord | undefined> {
    return guard('get user', async () => {
      const { Item } = await this.entities.UserEntity.build(GetItemCommand)
        .key({ accountId, userName })
        .options({ consistent: true })
        .send()
      return Item ? (strip(Item, 'gsi1pk', 'gsi1sk') as unknown as UserRecord) : undefined
    })
  }

  private writeUser(user: UserRecord, condition: object, what: string): Promise<void> {
    return guard(what, async () => {
      await this.entities.UserEntity.build(PutItemCommand)
        .item({ ...user, gsi1pk: usersPartition(user.accountId), gsi1sk: user.userName })
        .options({ condition: condition as never })
        .send()
    })
  }

  createUser(user: UserRecord): Promise<void> {
    return this.writeUser(user, { attr: 'userName', exists: false }, 'create user')
  }

  replaceUser(user: UserRecord, expectedRev: number): Promise<void> {
    return this.writeUser(user, { attr: 'rev', eq: expectedRev }, 'replace user')
  }

  deleteUser(accountId: string, userName: string, expectedRev: number): Promise<void> {
    return guard('delete user', async () => {
      await this.entities.UserEntity.build(DeleteItemCommand)
        .key({ accountId, userName })
        .options({ condition: { attr: 'rev', eq: expectedRev } })
        .send()
    })
  }

  listUsers(accountId: string, afterName: string | undefined, limit: number): Promise<{ items: UserRecord[]; more: boolean }> {
    return guard('list users', async () => {
      const { Items = [] } = await this.table
        .build(QueryCommand)
        .entities(this.entities.UserEntity)
        .query({ index: 'gsi1', partition: usersPartition(accountId), ...(afterName === undefined ? {} : { range: { gt: afterName } }) })
        .options({ limit: limit + 1 })
        .send()
      const users = Items.map((i) => strip(i as Record<string, unknown>, 'gsi1pk', 'gsi1sk') as unknown as UserRecord)
      return { items: users.slice(0, limit), more: users.length > limit }
    })
  }

  getRole(accountId: string, roleName: string): Promise<RoleRecord | undefined> {
    return guard('get role', async () => {
      const { Item } = await this.entities.RoleEntity.build(GetItemCommand)
        .key({ accountId, roleName })
        .options({ consistent: true })
        .send()
      return Item ? (strip(Item, 'gsi1pk', 'gsi1sk') as unknown as RoleRecord) : undefined
    })
  }

  private writeRole(role: RoleRecord, condition: object, what: string): Promise<void> {
    return guard(what, async () => {
      await this.entities.RoleEntity.build(PutItemCommand)
        .item({ ...role, gsi1pk: rolesPartition(role.accountId), gsi1sk: role.roleName })
        .options({ condition: condition as never })
        .send()
    })
  }

  createRole(role: RoleRecord): Promise<void> {
    return this.writeRole(role, { attr: 'roleName', exists: false }, 'create role')
  }

  replaceRole(role: RoleRecord, expectedRev: number): Promise<void> {
    return this.writeRole(role, { attr: 'rev', eq: expectedRev }, 'replace role')
  }

  deleteRole(accountId: string, roleName: string, expectedRev: number): Promise<void> {
    return guard('delete role', async () => {
      await this.entities.RoleEntity.build(DeleteItemCommand)
        .key({ accountId, roleName })
        .options({ condition: { attr: 'rev', eq: expectedRev } })
        .send()
    })
  }

  listRoles(accountId: string, afterName: string | undefined, limit: number): Promise<{ items: RoleRecord[]; more: boolean }> {
    return guard('list roles', async () => {
      const { Items = [] } = await this.table
        .build(QueryCommand)
        .entities(this.entities.RoleEntity)
        .query({ index: 'gsi1', partition: rolesPartition(accountId), ...(afterName === undefined ? {} : { range: { gt: afterName } }) })
        .options({ limit: limit + 1 })
        .send()
      const roles = Items.map((i) => strip(i as Record<string, unknown>, 'gsi1pk', 'gsi1sk') as unknown as RoleRecord)
      return { items: roles.slice(0, limit), more: roles.length > limit }
    })
  }

  getPolicy(accountId: string, policyName: string): Promise<CustomPolicyRecord | undefined> {
    return guard('get policy', async () => {
      const { Item } = await this.entities.PolicyEntity.build(GetItemCommand)
        .key({ accountId, policyName })
        .options({ consistent: true })
        .send()
      return Item as CustomPolicyRecord | undefined
    })
  }

  private writePolicy(policy: CustomPolicyRecord, condition: object, what: string): Promise<void> {
    return guard(what, async () => {
      await this.entities.PolicyEntity.build(PutItemCommand)
        .item(policy)
        .options({ condition: condition as never })
        .send()
    })
  }

  createPolicy(policy: CustomPolicyRecord): Promise<void> {
    return this.writePolicy(policy, { attr: 'policyName', exists: false }, 'create policy')
  }

  replacePolicy(policy: CustomPolicyRecord, expectedRev: number): Promise<void> {
    return this.writePolicy(policy, { attr: 'rev', eq: expectedRev }, 'replace policy')
  }

  deletePolicy(accountId: string, policyName: string, expectedRev: number): Promise<void> {
    return guard('delete policy', async () => {
      await this.entities.PolicyEntity.build(DeleteItemCommand)
        .key({ accountId, policyName })
        .options({ condition: { attr: 'rev', eq: expectedRev } })
        .send()
    })
  }

  listAttachments(accountId: string, userName: string): Promise<PolicyAttachmentRecord[]> {
    return guard('list attachments', async () => {
      const { Items = [] } = await this.table
        .build(QueryCommand)
        .entities(this.entities.PolicyAttachmentEntity)
        .query({ partition: `USERPOLICY#${accountId}#${userName}` })
        .options({ consistent: true, maxPages: Infinity })
        .send()
      return Items.map((i) => strip(i as Record<string, unknown>, 'gsi1pk', 'gsi1sk') as unknown as PolicyAttachmentRecord)
    })
  }

  listAttachmentsOfPolicy(accountId: string, policyType: PolicyType, policyName: string): Promise<PolicyAttachmentRecord[]> {
    return guard('list attachments of policy', async () => {
      const { Items = [] } = await this.table
        .build(QueryCommand)
        .entities(this.entities.PolicyAttachmentEntity)
        .query({ index: 'gsi1', partition: attachmentsOfPolicyPartition(accountId, policyType, policyName) })
        .options({ maxPages: Infinity })
        .send()
      return Items.map((i) => strip(i as Record<string, unknown>, 'gsi1pk', 'gsi1sk') as unknown as PolicyAttachmentRecord)
    })
  }

  createAttachment(a: PolicyAttachmentRecord): Promise<void> {
    return guard('create attachment', async () => {
      await this.entities.PolicyAttachmentEntity.build(PutItemCommand)
        .item({ ...a, gsi1pk: attachmentsOfPolicyPartition(a.accountId, a.policyType, a.policyName), gsi1sk: a.userName })
        .options({ condition: { attr: 'policyName', exists: false } })
        .send()
    })
  }

  deleteAttachment(accountId: string, userName: string, policyType: PolicyType, policyName: string): Promise<void> {
    return guard('delete attachment', async () => {
      await this.entities.PolicyAttachmentEntity.build(DeleteItemCommand)
        .key({ accountId, userName, policyType, policyName })
        .options({ condition: { attr: 'policyName', exists: true } })
        .send()
    })
  }

  listAccessKeys(accountId: string, principal: string): Promise<AccessKeyRecord[]> {
    return guard('list access keys', async () => {
      const { Items = [] } = await this.table
        .build(QueryCommand)
        .entities(this.entities.AccessKeyEntity)
        .query({ index: 'gsi1', partition: `ACCOUNT#${accountId}#ACCESSKEYS` })
        .options({ maxPages: Infinity })
        .send()
      return Items.map((i) => strip(i as Record<string, unknown>, 'gsi1pk', 'gsi1sk') as unknown as AccessKeyRecord).filter(
        (k) => k.principal === principal && k.accountId === accountId,
      )
    })
  }

  setAccessKeyStatus(accessKeyId: string, accountId: string, principal: string, status: 'Active' | 'Inactive'): Promise<void> {
    return guard('update access key', async () => {
      await this.entities.AccessKeyEntity.build(UpdateItemCommand)
        .item({ accessKeyId, status })
        .options({
          condition: {
            and: [
              { attr: 'accountId', eq: accountId },
              { attr: 'principal', eq: principal },
            ],
          },
        })
        .send()
    })
  }

  deleteAccessKey(accessKeyId: string, accountId: string, principal: string): Promise<void> {
    return guard('delete access key', async () => {
      await this.entities.AccessKeyEntity.build(DeleteItemCommand)
        .key({ accessKeyId })
        .options({
          condition: {
            and: [
              { attr: 'accountId', eq: accountId },
              { attr: 'principal', eq: principal },
            ],
          },
        })
        .send()
    })
  }

  getResourcePolicy(target: ResourcePolicyTarget): Promise<ResourcePolicyRecord | undefined> {
    return guard('get resource policy', async () => {
      const { Item } = await this.entities.ResourcePolicyEntity.build(GetItemCommand)
        .key({ target: resourcePolicyKey(target) })
        .options({ consistent: true })
        .send()
      if (!Item) return undefined
      return { target, accountId: Item.accountId, document: Item.document, updatedAt: Item.updatedAt, rev: Item.rev }
    })
  }

  putResourcePolicy(record: ResourcePolicyRecord, expectedRev: number | undefined): Promise<void> {
    const t = record.target
    return guard('put resource policy', async () => {
      await this.entities.ResourcePolicyEntity.build(PutItemCommand)
        .item({
          target: resourcePolicyKey(t),
          kind: t.kind,
          accountId: record.accountId,
          ...(t.kind === 'key'
            ? { keyId: t.keyId }
            : { region: t.region, secretName: t.secretName, ...(t.uid === undefined ? {} : { uid: t.uid }) }),
          document: record.document,
          updatedAt: record.updatedAt,
          rev: record.rev,
        })
        .options({ condition: expectedRev === undefined ? { attr: 'target', exists: false } : { attr: 'rev', eq: expectedRev } })
        .send()
    })
  }

  deleteResourcePolicy(target: ResourcePolicyTarget, expectedRev?: number): Promise<void> {
    return guard('delete resource policy', async () => {
      await this.entities.ResourcePolicyEntity.build(DeleteItemCommand)
        .key({ target: resourcePolicyKey(target) })
        .options(expectedRev === undefined ? {} : { condition: { attr: 'rev', eq: expectedRev } })
        .send()
    })
  }
}
