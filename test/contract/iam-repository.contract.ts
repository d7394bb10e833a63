/**
 * @module test/contract/iam-repository.contract
 *
 * What every IamRepository and CredentialRepository (core/domain/ports.ts) does: the in-memory
 * fake (core/domain/principals/memory-iam.fake.ts, one object for both ports) and the DynamoDB
 * repositories (core/store/iam.ts, core/store/repositories.ts). The two ports share the AccessKey
 * items, so they are tested together.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { ConditionFailed, type CredentialRepository, type IamRepository } from '../../core/domain/ports'
import type { ResourcePolicyTarget } from '../../core/domain/principals/model'
import { ACCOUNT, accessKeyRecord, attachmentRecord, OTHER_ACCOUNT, policyRecord, REGION, roleRecord, userRecord } from './records'

export interface IamRepositories {
  iam: IamRepository
  credentials: CredentialRepository
}

/** `make` returns empty repositories over one store; it is called once per test. */
export function describeIamRepositoryContract(name: string, make: () => Promise<IamRepositories> | IamRepositories): void {
  describe(`IamRepository and CredentialRepository contract: ${name}`, () => {
    let iam: IamRepository
    let credentials: CredentialRepository
    beforeEach(async () => {
      ;({ iam, credentials } = await make())
    })

    describe('users', () => {
      it('get returns undefined for a missing user, and the user as created', async () => {
        expect(await iam.getUser(ACCOUNT, 'alice')).toBeUndefined()
        await iam.createUser(userRecord())
        expect(await iam.getUser(ACCOUNT, 'alice')).toEqual(userRecord())
        expect(await iam.getUser(OTHER_ACCOUNT, 'alice')).toBeUndefined()
      })

      it('create refuses an existing user with ConditionFailed', async () => {
        await iam.createUser(userRecord())
        await expect(iam.createUser(userRecord({ displayName: 'Other' }))).rejects.toBeInstanceOf(ConditionFailed)
        expect((await iam.getUser(ACCOUNT, 'alice'))!.displayName).toBe('Alice')
      })

      it('replace writes on the expected rev; a lost race writes nothing', async () => {
        await iam.createUser(userRecord())
        await iam.replaceUser(userRecord({ rev: 2, comments: 'winner' }), 1)
        await expect(iam.replaceUser(userRecord({ rev: 2, comments: 'loser' }), 1)).rejects.toBeInstanceOf(ConditionFailed)
        expect(await iam.getUser(ACCOUNT, 'alice')).toEqual(userRecord({ rev: 2, comments: 'winner' }))
        await expect(iam.replaceUser(userRecord({ userName: 'bob', rev: 2 }), 1)).rejects.toBeInstanceOf(ConditionFailed)
        expect(await iam.getUser(ACCOUNT, 'bob')).toBeUndefined()
      })

      it('delete deletes on the expected rev only', async () => {
        await iam.createUser(userRecord({ rev: 2 }))
        await expect(iam.deleteUser(ACCOUNT, 'alice', 1)).rejects.toBeInstanceOf(ConditionFailed)
        await iam.deleteUser(ACCOUNT, 'alice', 2)
        expect(await iam.getUser(ACCOUNT, 'alice')).toBeUndefined()
        await expect(iam.deleteUser(ACCOUNT, 'alice', 2)).rejects.toBeInstanceOf(ConditionFailed)
      })

      it('listUsers pages through the users of one account by name', async () => {
        for (const n of ['dave', 'bob', 'erin', 'alice', 'carol']) await iam.createUser(userRecord({ userName: n }))
        await iam.createUser(userRecord({ userName: 'mallory', accountId: OTHER_ACCOUNT }))
        const page1 = await iam.listUsers(ACCOUNT, undefined, 2)
        expect(page1.items.map((u) => u.userName)).toEqual(['alice', 'bob'])
        expect(page1.more).toBe(true)
        expect(page1.items[0]).toEqual(userRecord())
        const page2 = await iam.listUsers(ACCOUNT, 'bob', 2)
        expect(page2.items.map((u) => u.userName)).toEqual(['carol', 'dave'])
        expect(page2.more).toBe(true)
        expect(await iam.listUsers(ACCOUNT, 'dave', 2).then((p) => [p.items.map((u) => u.userName), p.more])).toEqual([['erin'], false])
        expect(await iam.listUsers(ACCOUNT, 'erin', 2)).toEqual({ items: [], more: false })
        // Exactly `limit` left: no further page.
        expect((await iam.listUsers(ACCOUNT, 'carol', 2)).more).toBe(false)
        // The cursor need not name an existing user.
        expect((await iam.listUsers(ACCOUNT, 'c', 1)).items.map((u) => u.userName)).toEqual(['carol'])
      })
    })

    describe('roles', () => {
      it('create, conditional replace and delete, as for users', async () => {
        expect(await iam.getRole(ACCOUNT, 'deployer')).toBeUndefined()
        await iam.createRole(roleRecord())
        await expect(iam.createRole(roleRecord())).rejects.toBeInstanceOf(ConditionFailed)
        await iam.replaceRole(roleRecord({ rev: 2, maxSessionDuration: 7200 }), 1)
        await expect(iam.replaceRole(roleRecord({ rev: 2 }), 1)).rejects.toBeInstanceOf(ConditionFailed)
        expect(await iam.getRole(ACCOUNT, 'deployer')).toEqual(roleRecord({ rev: 2, maxSessionDuration: 7200 }))
        await expect(iam.deleteRole(ACCOUNT, 'deployer', 1)).rejects.toBeInstanceOf(ConditionFailed)
        await iam.deleteRole(ACCOUNT, 'deployer', 2)
        expect(await iam.getRole(ACCOUNT, 'deployer')).toBeUndefined()
      })

      it('listRoles pages through the roles of one account by name', async () => {
        for (const n of ['c', 'a', 'b']) await iam.createRole(roleRecord({ roleName: n }))
        await iam.createRole(roleRecord({ roleName: 'z', accountId: OTHER_ACCOUNT }))
        expect(await iam.listRoles(ACCOUNT, undefined, 2).then((p) => [p.items.map((r) => r.roleName), p.more])).toEqual([['a', 'b'], true])
        expect(await iam.listRoles(ACCOUNT, 'b', 2).then((p) => [p.items.map((r) => r.roleName), p.more])).toEqual([['c'], false])
      })
    })

    describe('custom policies', () => {
      it('create, conditional replace and delete', async () => {
        expect(await iam.getPolicy(ACCOUNT, 'ReadKeys')).toBeUndefined()
        await iam.createPolicy(policyRecord())
        await expect(iam.createPolicy(policyRecord({ description: 'x' }))).rejects.toBeInstanceOf(ConditionFailed)
        expect(await iam.getPolicy(ACCOUNT, 'ReadKeys')).toEqual(policyRecord())
        await iam.replacePolicy(policyRecord({ rev: 2, state: 'Deleting' }), 1)
        await expect(iam.replacePolicy(policyRecord({ rev: 2 }), 1)).rejects.toBeInstanceOf(ConditionFailed)
        expect(await iam.getPolicy(ACCOUNT, 'ReadKeys')).toEqual(policyRecord({ rev: 2, state: 'Deleting' }))
        await expect(iam.deletePolicy(ACCOUNT, 'ReadKeys', 1)).rejects.toBeInstanceOf(ConditionFailed)
        await iam.deletePolicy(ACCOUNT, 'ReadKeys', 2)
        expect(await iam.getPolicy(ACCOUNT, 'ReadKeys')).toBeUndefined()
      })
    })

    describe('attachments', () => {
      it('createAttachment refuses an existing attachment; deleteAttachment refuses a missing one', async () => {
        await iam.createAttachment(attachmentRecord())
        await expect(iam.createAttachment(attachmentRecord({ attachedAt: '2026-11-02T00:00:00Z' }))).rejects.toBeInstanceOf(ConditionFailed)
        expect(await iam.listAttachments(ACCOUNT, 'alice')).toEqual([attachmentRecord()])
        await iam.deleteAttachment(ACCOUNT, 'alice', 'Custom', 'ReadKeys')
        expect(await iam.listAttachments(ACCOUNT, 'alice')).toEqual([])
        await expect(iam.deleteAttachment(ACCOUNT, 'alice', 'Custom', 'ReadKeys')).rejects.toBeInstanceOf(ConditionFailed)
      })

      it('a System and a Custom policy of the same name are two attachments', async () => {
        await iam.createAttachment(attachmentRecord({ policyType: 'System', policyName: 'ReadKeys' }))
        await iam.createAttachment(attachmentRecord({ policyType: 'Custom', policyName: 'ReadKeys' }))
        await expect(iam.deleteAttachment(ACCOUNT, 'alice', 'System', 'Other')).rejects.toBeInstanceOf(ConditionFailed)
        expect(await iam.listAttachments(ACCOUNT, 'alice')).toHaveLength(2)
      })

      it('listAttachments lists a user’s attachments by policy type and name', async () => {
        await iam.createAttachment(attachmentRecord({ policyType: 'System', policyName: 'B' }))
        await iam.createAttachment(attachmentRecord({ policyType: 'Custom', policyName: 'Z' }))
        await iam.createAttachment(attachmentRecord({ policyType: 'System', policyName: 'A' }))
        await iam.createAttachment(attachmentRecord({ userName: 'bob', policyName: 'Y' }))
        await iam.createAttachment(attachmentRecord({ accountId: OTHER_ACCOUNT, policyName: 'X' }))
        expect((await iam.listAttachments(ACCOUNT, 'alice')).map((a) => `${a.policyType}:${a.policyName}`)).toEqual([
          'Custom:Z',
          'System:A',
          'System:B',
        ])
      })

      it('listAttachmentsOfPolicy lists a policy’s attachments by user', async () => {
        for (const u of ['carol', 'alice', 'bob']) await iam.createAttachment(attachmentRecord({ userName: u }))
        await iam.createAttachment(attachmentRecord({ userName: 'dave', policyType: 'System' }))
        await iam.createAttachment(attachmentRecord({ userName: 'erin', policyName: 'Other' }))
        await iam.createAttachment(attachmentRecord({ userName: 'frank', accountId: OTHER_ACCOUNT }))
        expect(await iam.listAttachmentsOfPolicy(ACCOUNT, 'Custom', 'ReadKeys')).toEqual(
          ['alice', 'bob', 'carol'].map((u) => attachmentRecord({ userName: u })),
        )
      })
    })

    describe('access keys', () => {
      it('getAccessKey returns undefined for a missing key, and the key as created', async () => {
        expect(await credentials.getAccessKey('LTAI0000000000000001')).toBeUndefined()
        await credentials.createAccessKey(accessKeyRecord())
        expect(await credentials.getAccessKey('LTAI0000000000000001')).toEqual(accessKeyRecord())
      })

      it('createAccessKey refuses an existing id; putAccessKey replaces it', async () => {
        await credentials.createAccessKey(accessKeyRecord())
        await expect(credentials.createAccessKey(accessKeyRecord({ principal: 'bob' }))).rejects.toBeInstanceOf(ConditionFailed)
        expect((await credentials.getAccessKey('LTAI0000000000000001'))!.principal).toBe('alice')
        await credentials.putAccessKey(accessKeyRecord({ principal: 'root' }))
        expect((await credentials.getAccessKey('LTAI0000000000000001'))!.principal).toBe('root')
        await credentials.putAccessKey(accessKeyRecord({ accessKeyId: 'LTAI0000000000000002' }))
        expect(await credentials.getAccessKey('LTAI0000000000000002')).toEqual(accessKeyRecord({ accessKeyId: 'LTAI0000000000000002' }))
      })

      it('listAccessKeys lists the keys of one principal of an account by id', async () => {
        await credentials.createAccessKey(accessKeyRecord({ accessKeyId: 'LTAI3' }))
        await credentials.createAccessKey(accessKeyRecord({ accessKeyId: 'LTAI1' }))
        await credentials.createAccessKey(accessKeyRecord({ accessKeyId: 'LTAI2', principal: 'bob' }))
        await credentials.createAccessKey(accessKeyRecord({ accessKeyId: 'LTAI4', accountId: OTHER_ACCOUNT }))
        expect(await iam.listAccessKeys(ACCOUNT, 'alice')).toEqual([
          accessKeyRecord({ accessKeyId: 'LTAI1' }),
          accessKeyRecord({ accessKeyId: 'LTAI3' }),
        ])
        expect(await iam.listAccessKeys(ACCOUNT, 'nobody')).toEqual([])
      })

      it('setAccessKeyStatus changes the status only of a key of that account and principal', async () => {
        await credentials.createAccessKey(accessKeyRecord())
        await expect(iam.setAccessKeyStatus('LTAI0000000000000001', ACCOUNT, 'bob', 'Inactive')).rejects.toBeInstanceOf(ConditionFailed)
        await expect(iam.setAccessKeyStatus('LTAI0000000000000001', OTHER_ACCOUNT, 'alice', 'Inactive')).rejects.toBeInstanceOf(
          ConditionFailed,
        )
        expect((await credentials.getAccessKey('LTAI0000000000000001'))!.status).toBe('Active')
        await iam.setAccessKeyStatus('LTAI0000000000000001', ACCOUNT, 'alice', 'Inactive')
        expect(await credentials.getAccessKey('LTAI0000000000000001')).toEqual(accessKeyRecord({ status: 'Inactive' }))
      })

      it('setAccessKeyStatus refuses a missing key and creates nothing', async () => {
        await expect(iam.setAccessKeyStatus('LTAI-missing', ACCOUNT, 'alice', 'Inactive')).rejects.toBeInstanceOf(ConditionFailed)
        expect(await credentials.getAccessKey('LTAI-missing')).toBeUndefined()
      })

      it('deleteAccessKey deletes only a key of that account and principal', async () => {
        await credentials.createAccessKey(accessKeyRecord())
        await expect(iam.deleteAccessKey('LTAI0000000000000001', ACCOUNT, 'bob')).rejects.toBeInstanceOf(ConditionFailed)
        expect(await credentials.getAccessKey('LTAI0000000000000001')).toBeDefined()
        await iam.deleteAccessKey('LTAI0000000000000001', ACCOUNT, 'alice')
        expect(await credentials.getAccessKey('LTAI0000000000000001')).toBeUndefined()
        await expect(iam.deleteAccessKey('LTAI0000000000000001', ACCOUNT, 'alice')).rejects.toBeInstanceOf(ConditionFailed)
      })
    })

    describe('accounts', () => {
      it('ensureAccount creates a missing account and leaves an existing one as it is', async () => {
        expect(await credentials.getAccount(ACCOUNT)).toBeUndefined()
        await credentials.ensureAccount({ accountId: ACCOUNT, createdAt: '2026-11-01T00:00:00Z' })
        await credentials.ensureAccount({ accountId: ACCOUNT, createdAt: '2026-11-09T00:00:00Z' })
        expect(await credentials.getAccount(ACCOUNT)).toEqual({ accountId: ACCOUNT, createdAt: '2026-11-01T00:00:00Z' })
      })
    })

    describe('resource policies', () => {
      const key: ResourcePolicyTarget = { kind: 'key', keyId: 'key-1' }
      const secret: ResourcePolicyTarget = { kind: 'secret', accountId: ACCOUNT, region: REGION, secretName: 's' }
      const secretUid: ResourcePolicyTarget = { ...secret, uid: 'uid-1' }
      const record = (target: ResourcePolicyTarget, rev = 1, document = '{"Version":"1"}') => ({
        target,
        accountId: ACCOUNT,
        document,
        updatedAt: '2026-11-01T00:00:00Z',
        rev,
      })

      it('put without expectedRev creates, and refuses an existing policy', async () => {
        expect(await iam.getResourcePolicy(key)).toBeUndefined()
        await iam.putResourcePolicy(record(key), undefined)
        await expect(iam.putResourcePolicy(record(key, 1, '{"x":1}'), undefined)).rejects.toBeInstanceOf(ConditionFailed)
        expect(await iam.getResourcePolicy(key)).toEqual(record(key))
      })

      it('put with expectedRev replaces on that rev only, and refuses a missing policy', async () => {
        await expect(iam.putResourcePolicy(record(key, 2), 1)).rejects.toBeInstanceOf(ConditionFailed)
        expect(await iam.getResourcePolicy(key)).toBeUndefined()
        await iam.putResourcePolicy(record(key), undefined)
        await iam.putResourcePolicy(record(key, 2, '{"v":2}'), 1)
        await expect(iam.putResourcePolicy(record(key, 2, '{"v":"lost"}'), 1)).rejects.toBeInstanceOf(ConditionFailed)
        expect(await iam.getResourcePolicy(key)).toEqual(record(key, 2, '{"v":2}'))
      })

      it('keeps the policies of a key, a secret and one creation of that secret apart', async () => {
        await iam.putResourcePolicy(record(key, 1, 'k'), undefined)
        await iam.putResourcePolicy(record(secret, 1, 's'), undefined)
        await iam.putResourcePolicy(record(secretUid, 1, 'u'), undefined)
        expect((await iam.getResourcePolicy(key))!.document).toBe('k')
        expect(await iam.getResourcePolicy(secret)).toEqual(record(secret, 1, 's'))
        expect(await iam.getResourcePolicy(secretUid)).toEqual(record(secretUid, 1, 'u'))
        expect(await iam.getResourcePolicy({ ...secret, uid: 'uid-2' })).toBeUndefined()
      })

      it('delete with expectedRev deletes on that rev only; without, it is idempotent', async () => {
        await iam.putResourcePolicy(record(key, 3), undefined)
        await expect(iam.deleteResourcePolicy(key, 2)).rejects.toBeInstanceOf(ConditionFailed)
        expect(await iam.getResourcePolicy(key)).toBeDefined()
        await iam.deleteResourcePolicy(key, 3)
        expect(await iam.getResourcePolicy(key)).toBeUndefined()
        await expect(iam.deleteResourcePolicy(key, 3)).rejects.toBeInstanceOf(ConditionFailed)
        await iam.deleteResourcePolicy(key)
        await iam.putResourcePolicy(record(secret), undefined)
        await iam.deleteResourcePolicy(secret)
        expect(await iam.getResourcePolicy(secret)).toBeUndefined()
      })
    })
  })
}
