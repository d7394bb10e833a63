/**
 * @module core/store/invalidating
 *
 * Decorators around the repositories `deps` hands out (functions/deps.ts, test/fakes/deps.ts):
 * after every write of an item that an access view is derived from, they drop that view in this
 * isolate through {@link AccessInvalidation} (`AccessControl`). So every writer — an Alibaba or
 * AWS handler, a scheduled job, a local admin route — invalidates exactly what it changed, and
 * the domain operations stay unaware of the caches (bounds: docs/isolate-state.md).
 *
 * | Write | Drops |
 * |---|---|
 * | a key item (`create`, `replace`) | the key's view (`forgetKey`) |
 * | a key's resource policy (put, delete) | the key's view (`forgetKey`) |
 * | a secret's resource policy (put, delete) | the secret's policy (`forgetSecret`) |
 * | a user, role, custom policy, attachment or AccessKey | the account's identities and roles (`forgetAccount`) |
 *
 * The view is dropped once the write has been tried, whether or not it succeeded: a lost
 * conditional write means the view may be stale, and dropping is always safe. Reads pass
 * through and drop nothing.
 */
import type { AccessKeyRecord, AccountRecord, KeyRecord } from '../domain/model'
import type { AccessInvalidation, CredentialRepository, IamRepository, KeyRepository } from '../domain/ports'
import type {
  CustomPolicyRecord,
  PolicyAttachmentRecord,
  PolicyType,
  ResourcePolicyRecord,
  ResourcePolicyTarget,
  UserRecord,
} from '../domain/principals/model'
import type { RoleRecord } from '../domain/principals/role-model'

async function thenForget(write: () => Promise<void>, forget: () => void): Promise<void> {
  try {
    await write()
  } finally {
    forget()
  }
}

export class InvalidatingKeyRepository implements KeyRepository {
  constructor(
    private readonly inner: KeyRepository,
    private readonly access: AccessInvalidation,
  ) {}

  get(keyId: string): Promise<KeyRecord | undefined> {
    return this.inner.get(keyId)
  }

  create(key: KeyRecord): Promise<void> {
    return thenForget(
      () => this.inner.create(key),
      () => this.access.forgetKey(key.keyId),
    )
  }

  replace(key: KeyRecord, expectedRev: number): Promise<void> {
    return thenForget(
      () => this.inner.replace(key, expectedRev),
      () => this.access.forgetKey(key.keyId),
    )
  }

  listDue(...args: Parameters<KeyRepository['listDue']>) {
    return this.inner.listDue(...args)
  }

  listByAccount(accountId: string, region: string): Promise<KeyRecord[]> {
    return this.inner.listByAccount(accountId, region)
  }
}

export class InvalidatingIamRepository implements IamRepository {
  constructor(
    private readonly inner: IamRepository,
    private readonly access: AccessInvalidation,
  ) {}

  private account(accountId: string, write: () => Promise<void>): Promise<void> {
    return thenForget(write, () => this.access.forgetAccount(accountId))
  }

  private resource(target: ResourcePolicyTarget, write: () => Promise<void>): Promise<void> {
    return thenForget(write, () => {
      if (target.kind === 'key') this.access.forgetKey(target.keyId)
      else this.access.forgetSecret(target.accountId, target.region, target.secretName)
    })
  }

  // Users, roles, custom policies, attachments, AccessKeys: the account's identity views.
  getUser(accountId: string, userName: string): Promise<UserRecord | undefined> {
    return this.inner.getUser(accountId, userName)
  }
  createUser(user: UserRecord): Promise<void> {
    return this.account(user.accountId, () => this.inner.createUser(user))
  }
  replaceUser(user: UserRecord, expectedRev: number): Promise<void> {
    return this.account(user.accountId, () => this.inner.replaceUser(user, expectedRev))
  }
  deleteUser(accountId: string, userName: string, expectedRev: number): Promise<void> {
    return this.account(accountId, () => this.inner.deleteUser(accountId, userName, expectedRev))
  }
  listUsers(accountId: string, afterName: string | undefined, limit: number) {
    return this.inner.listUsers(accountId, afterName, limit)
  }
  getRole(accountId: string, roleName: string): Promise<RoleRecord | undefined> {
    return this.inner.getRole(accountId, roleName)
  }
  createRole(role: RoleRecord): Promise<void> {
    return this.account(role.accountId, () => this.inner.createRole(role))
  }
  replaceRole(role: RoleRecord, expectedRev: number): Promise<void> {
    return this.account(role.accountId, () => this.inner.replaceRole(role, expectedRev))
  }
  deleteRole(accountId: string, roleName: string, expectedRev: number): Promise<void> {
    return this.account(accountId, () => this.inner.deleteRole(accountId, roleName, expectedRev))
  }
  listRoles(accountId: string, afterName: string | undefined, limit: number) {
    return this.inner.listRoles(accountId, afterName, limit)
  }
  getPolicy(accountId: string, policyName: string): Promise<CustomPolicyRecord | undefined> {
    return this.inner.getPolicy(accountId, policyName)
  }
  createPolicy(policy: CustomPolicyRecord): Promise<void> {
    return this.account(policy.accountId, () => this.inner.createPolicy(policy))
  }
  replacePolicy(policy: CustomPolicyRecord, expectedRev: number): Promise<void> {
    return this.account(policy.accountId, () => this.inner.replacePolicy(policy, expectedRev))
  }
  deletePolicy(accountId: string, policyName: string, expectedRev: number): Promise<void> {
    return this.account(accountId, () => this.inner.deletePolicy(accountId, policyName, expectedRev))
  }
  listAttachments(accountId: string, userName: string): Promise<PolicyAttachmentRecord[]> {
    return this.inner.listAttachments(accountId, userName)
  }
  listAttachmentsOfPolicy(accountId: string, policyType: PolicyType, policyName: string): Promise<PolicyAttachmentRecord[]> {
    return this.inner.listAttachmentsOfPolicy(accountId, policyType, policyName)
  }
  createAttachment(attachment: PolicyAttachmentRecord): Promise<void> {
    return this.account(attachment.accountId, () => this.inner.createAttachment(attachment))
  }
  deleteAttachment(accountId: string, userName: string, policyType: PolicyType, policyName: string): Promise<void> {
    return this.account(accountId, () => this.inner.deleteAttachment(accountId, userName, policyType, policyName))
  }
  listAccessKeys(accountId: string, principal: string): Promise<AccessKeyRecord[]> {
    return this.inner.listAccessKeys(accountId, principal)
  }
  setAccessKeyStatus(accessKeyId: string, accountId: string, principal: string, status: 'Active' | 'Inactive'): Promise<void> {
    return this.account(accountId, () => this.inner.setAccessKeyStatus(accessKeyId, accountId, principal, status))
  }
  deleteAccessKey(accessKeyId: string, accountId: string, principal: string): Promise<void> {
    return this.account(accountId, () => this.inner.deleteAccessKey(accessKeyId, accountId, principal))
  }

  // Resource policies: the key's view, or the secret's policy.
  getResourcePolicy(target: ResourcePolicyTarget): Promise<ResourcePolicyRecord | undefined> {
    return this.inner.getResourcePolicy(target)
  }
  putResourcePolicy(record: ResourcePolicyRecord, expectedRev: number | undefined): Promise<void> {
    return this.resource(record.target, () => this.inner.putResourcePolicy(record, expectedRev))
  }
  deleteResourcePolicy(target: ResourcePolicyTarget, expectedRev?: number): Promise<void> {
    return this.resource(target, () => this.inner.deleteResourcePolicy(target, expectedRev))
  }
}

/**
 * AccessKey writes (CreateAccessKey, and the AccessKeys of RAM credential secrets) drop the
 * account's identity views, as every RAM change does; the AccessKey record cache itself is
 * `forget` (core/store/cached-credentials.ts), passed through.
 */
export class InvalidatingCredentialRepository implements CredentialRepository {
  constructor(
    private readonly inner: CredentialRepository,
    private readonly access: AccessInvalidation,
  ) {}

  getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined> {
    return this.inner.getAccessKey(accessKeyId)
  }
  createAccessKey(record: AccessKeyRecord): Promise<void> {
    return thenForget(
      () => this.inner.createAccessKey(record),
      () => this.access.forgetAccount(record.accountId),
    )
  }
  putAccessKey(record: AccessKeyRecord): Promise<void> {
    return thenForget(
      () => this.inner.putAccessKey(record),
      () => this.access.forgetAccount(record.accountId),
    )
  }
  getAccount(accountId: string): Promise<AccountRecord | undefined> {
    return this.inner.getAccount(accountId)
  }
  ensureAccount(record: AccountRecord): Promise<void> {
    return this.inner.ensureAccount(record)
  }
  forget(accessKeyId: string): void {
    this.inner.forget?.(accessKeyId)
  }
}

/** The repositories of `deps`, each dropping in `access` what its writes change. */
export function invalidating(
  repos: { keys: KeyRepository; iam: IamRepository; credentials: CredentialRepository },
  access: AccessInvalidation,
): { keys: KeyRepository; iam: IamRepository; credentials: CredentialRepository } {
  return {
    keys: new InvalidatingKeyRepository(repos.keys, access),
    iam: new InvalidatingIamRepository(repos.iam, access),
    credentials: new InvalidatingCredentialRepository(repos.credentials, access),
  }
}
