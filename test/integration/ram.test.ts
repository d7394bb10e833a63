/**
 * The RAM-compatible API (Version 2015-05-01) driven through the official @alicloud/ram20150501
 * SDK (ACS3-HMAC-SHA256 via openapi-core callApi, responses cast field by field): users,
 * AccessKeys, policies, attachments, the errors Alibaba documents, and RAM actions being
 * authorised themselves.
 */
import { randomUUID } from 'node:crypto'
import RamModule, * as Ram from '@alicloud/ram20150501'
import { $OpenApiUtil } from '@alicloud/openapi-core'
import { describe, expect, it } from 'vitest'
import { b64, Kms, kmsClient, stackInfo } from './clients'

const RamClient = ((RamModule as unknown as { default?: unknown }).default ?? RamModule) as unknown as new (
  config: InstanceType<typeof $OpenApiUtil.Config>,
) => InstanceType<typeof Ram.default>

function ram(accessKeyId = stackInfo().accessKeyId, accessKeySecret = stackInfo().accessKeySecret) {
  const s = stackInfo()
  return new RamClient(
    new $OpenApiUtil.Config({
      accessKeyId,
      accessKeySecret,
      regionId: s.regionId,
      endpoint: s.endpoint.replace(/^https?:\/\//, ''),
      protocol: 'HTTP',
    }),
  )
}

async function ramError(p: Promise<unknown>): Promise<{ code: string; status?: number; message: string }> {
  try {
    await p
  } catch (err) {
    const e = err as { code?: string; statusCode?: number; data?: { statusCode?: number }; message: string }
    return { code: String(e.code ?? '').replace(/Error$/, ''), status: e.statusCode ?? e.data?.statusCode, message: e.message }
  }
  throw new Error('expected the call to fail')
}

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`
const doc = (...Statement: object[]) => JSON.stringify({ Version: '1', Statement })

async function userWithKey(admin = ram(), policies: Array<[string, 'System' | 'Custom']> = []) {
  const userName = unique('u')
  await admin.createUser(new Ram.CreateUserRequest({ userName }))
  const { body } = await admin.createAccessKey(new Ram.CreateAccessKeyRequest({ userName }))
  for (const [policyName, policyType] of policies) {
    await admin.attachPolicyToUser(new Ram.AttachPolicyToUserRequest({ userName, policyName, policyType }))
  }
  return { userName, accessKeyId: body!.accessKey!.accessKeyId!, secret: body!.accessKey!.accessKeySecret! }
}

describe('users', () => {
  it('creates, reads, lists with a marker and refuses duplicates', async () => {
    const admin = ram()
    const prefix = unique('list')
    const created = await admin.createUser(
      new Ram.CreateUserRequest({ userName: `${prefix}-a`, displayName: 'Alice', comments: 'first', email: 'a@example.com' }),
    )
    expect(created.body!.user).toMatchObject({ userName: `${prefix}-a`, displayName: 'Alice', comments: 'first', email: 'a@example.com' })
    expect(created.body!.user!.userId).toMatch(/^\d{16}$/)
    expect(created.body!.requestId).toEqual(expect.any(String))
    await admin.createUser(new Ram.CreateUserRequest({ userName: `${prefix}-b` }))
    await admin.createUser(new Ram.CreateUserRequest({ userName: `${prefix}-c` }))

    const got = await admin.getUser(new Ram.GetUserRequest({ userName: `${prefix}-a` }))
    expect(got.body!.user).toMatchObject({
      userName: `${prefix}-a`,
      userId: created.body!.user!.userId,
      createDate: expect.stringMatching(/Z$/),
    })

    const names: string[] = []
    let marker: string | undefined
    let pages = 0
    do {
      const page = await admin.listUsers(new Ram.ListUsersRequest({ maxItems: 2, ...(marker ? { marker } : {}) }))
      names.push(...(page.body!.users!.user ?? []).map((u) => u.userName!))
      marker = page.body!.isTruncated ? page.body!.marker : undefined
      expect(typeof page.body!.isTruncated).toBe('boolean')
      pages++
    } while (marker)
    expect(pages).toBeGreaterThan(1)
    expect(names.filter((n) => n.startsWith(prefix))).toEqual([`${prefix}-a`, `${prefix}-b`, `${prefix}-c`])
    expect(new Set(names).size).toBe(names.length)

    const dup = await ramError(admin.createUser(new Ram.CreateUserRequest({ userName: `${prefix}-a` })))
    expect(dup).toMatchObject({ code: 'EntityAlreadyExists.User', status: 409 })
    expect(await ramError(admin.getUser(new Ram.GetUserRequest({ userName: unique('nobody') })))).toMatchObject({
      code: 'EntityNotExist.User',
      status: 404,
    })
    expect((await ramError(admin.createUser(new Ram.CreateUserRequest({ userName: 'root' })))).code).toBe('InvalidParameter')
    expect((await ramError(admin.createUser(new Ram.CreateUserRequest({ userName: 'a#b' })))).code).toBe('InvalidParameter')
  })

  it('refuses a forged or modified Marker with 400', async () => {
    const admin = ram()
    for (const marker of ['forged', 'v1.rk.eyJhIjoiMSJ9.00', `${'x'.repeat(3000)}`]) {
      const err = await ramError(admin.listUsers(new Ram.ListUsersRequest({ marker })))
      expect(err.status).toBe(400)
      expect(['InvalidNextToken', 'InvalidParameter']).toContain(err.code)
    }
  })

  it('refuses to delete a user that still has AccessKeys or policies', async () => {
    const admin = ram()
    const u = await userWithKey(admin, [['AliyunKMSReadOnlyAccess', 'System']])
    const req = new Ram.DeleteUserRequest({ userName: u.userName })
    expect(await ramError(admin.deleteUser(req))).toMatchObject({ code: 'DeleteConflict.User.AccessKey', status: 409 })
    await admin.deleteAccessKey(new Ram.DeleteAccessKeyRequest({ userName: u.userName, userAccessKeyId: u.accessKeyId }))
    expect(await ramError(admin.deleteUser(req))).toMatchObject({ code: 'DeleteConflict.User.Policy', status: 409 })
    await admin.detachPolicyFromUser(
      new Ram.DetachPolicyFromUserRequest({ userName: u.userName, policyName: 'AliyunKMSReadOnlyAccess', policyType: 'System' }),
    )
    await admin.deleteUser(req)
    expect((await ramError(admin.getUser(new Ram.GetUserRequest({ userName: u.userName })))).code).toBe('EntityNotExist.User')
  })
})

describe('access keys', () => {
  it('shows the secret once, lists without it, disables, re-enables and deletes', async () => {
    const admin = ram()
    const u = await userWithKey(admin, [['AliyunKMSReadOnlyAccess', 'System']])
    expect(u.accessKeyId).toMatch(/^LTAI[A-Za-z0-9]{20}$/)
    expect(u.secret).toMatch(/^[A-Za-z0-9]{30}$/)
    const listed = await admin.listAccessKeys(new Ram.ListAccessKeysRequest({ userName: u.userName }))
    expect(listed.body!.accessKeys!.accessKey).toEqual([{ accessKeyId: u.accessKeyId, status: 'Active', createDate: expect.any(String) }])
    expect(JSON.stringify(listed.body)).not.toContain(u.secret)

    const asUser = kmsClient(stackInfo(), u.secret, u.accessKeyId)
    await asUser.listKeys(new Kms.ListKeysRequest({}))
    await admin.updateAccessKey(
      new Ram.UpdateAccessKeyRequest({ userName: u.userName, userAccessKeyId: u.accessKeyId, status: 'Inactive' }),
    )
    expect(await ramError(asUser.listKeys(new Kms.ListKeysRequest({})))).toMatchObject({ code: 'InvalidAccessKeyId.Inactive' })
    await admin.updateAccessKey(new Ram.UpdateAccessKeyRequest({ userName: u.userName, userAccessKeyId: u.accessKeyId, status: 'Active' }))
    await asUser.listKeys(new Kms.ListKeysRequest({}))

    await admin.createAccessKey(new Ram.CreateAccessKeyRequest({ userName: u.userName }))
    expect(await ramError(admin.createAccessKey(new Ram.CreateAccessKeyRequest({ userName: u.userName })))).toMatchObject({
      code: 'LimitExceeded.User.AccessKey',
    })
    await admin.deleteAccessKey(new Ram.DeleteAccessKeyRequest({ userName: u.userName, userAccessKeyId: u.accessKeyId }))
    expect(await ramError(asUser.listKeys(new Kms.ListKeysRequest({})))).toMatchObject({ code: 'InvalidAccessKeyId.NotFound' })
    expect(
      await ramError(admin.deleteAccessKey(new Ram.DeleteAccessKeyRequest({ userName: u.userName, userAccessKeyId: u.accessKeyId }))),
    ).toMatchObject({ code: 'EntityNotExist.User.AccessKey', status: 404 })
    expect(
      (
        await ramError(
          admin.updateAccessKey(new Ram.UpdateAccessKeyRequest({ userName: u.userName, userAccessKeyId: 'x', status: 'Sleepy' })),
        )
      ).code,
    ).toBe('InvalidParameter')
  })
})

describe('policies', () => {
  it('creates, reads, attaches, lists and deletes custom policies; reads system policies', async () => {
    const admin = ram()
    const policyName = unique('p')
    const policyDocument = doc({ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: ['acs:kms:*:*:key/*'] })
    const created = await admin.createPolicy(new Ram.CreatePolicyRequest({ policyName, policyDocument, description: 'decrypt' }))
    expect(created.body!.policy).toMatchObject({ policyName, policyType: 'Custom', description: 'decrypt', defaultVersion: 'v1' })
    const got = await admin.getPolicy(new Ram.GetPolicyRequest({ policyName, policyType: 'Custom' }))
    expect(got.body!.policy).toMatchObject({ policyName, policyDocument, attachmentCount: 0 })
    expect(got.body!.defaultPolicyVersion).toMatchObject({ versionId: 'v1', isDefaultVersion: true, policyDocument })
    const sys = await admin.getPolicy(new Ram.GetPolicyRequest({ policyName: 'AliyunKMSFullAccess', policyType: 'System' }))
    expect(JSON.parse(sys.body!.policy!.policyDocument!).Statement[0].Action).toBe('kms:*')

    const u = await userWithKey(admin)
    await admin.attachPolicyToUser(new Ram.AttachPolicyToUserRequest({ userName: u.userName, policyName, policyType: 'Custom' }))
    await admin.attachPolicyToUser(
      new Ram.AttachPolicyToUserRequest({ userName: u.userName, policyName: 'AliyunKMSReadOnlyAccess', policyType: 'System' }),
    )
    const again = await ramError(
      admin.attachPolicyToUser(new Ram.AttachPolicyToUserRequest({ userName: u.userName, policyName, policyType: 'Custom' })),
    )
    expect(again).toMatchObject({ code: 'EntityAlreadyExists.User.Policy', status: 409 })
    const listed = await admin.listPoliciesForUser(new Ram.ListPoliciesForUserRequest({ userName: u.userName }))
    expect((listed.body!.policies!.policy ?? []).map((p) => [p.policyName, p.policyType]).sort()).toEqual(
      [
        ['AliyunKMSReadOnlyAccess', 'System'],
        [policyName, 'Custom'],
      ].sort(),
    )
    expect((await admin.getPolicy(new Ram.GetPolicyRequest({ policyName, policyType: 'Custom' }))).body!.policy!.attachmentCount).toBe(1)
    expect(await ramError(admin.deletePolicy(new Ram.DeletePolicyRequest({ policyName })))).toMatchObject({
      code: 'DeleteConflict.Policy.User',
      status: 409,
    })
    await admin.detachPolicyFromUser(new Ram.DetachPolicyFromUserRequest({ userName: u.userName, policyName, policyType: 'Custom' }))
    await admin.deletePolicy(new Ram.DeletePolicyRequest({ policyName }))
    expect((await ramError(admin.getPolicy(new Ram.GetPolicyRequest({ policyName, policyType: 'Custom' })))).code).toBe(
      'EntityNotExist.Policy',
    )
    expect((await ramError(admin.deletePolicy(new Ram.DeletePolicyRequest({ policyName: 'AdministratorAccess' })))).status).toBe(400)
  })

  it('refuses malformed, unknown-action and oversized documents with MalformedPolicyDocument and the position', async () => {
    const admin = ram()
    const cases: Array<[string, string]> = [
      ['{"Version":"1","Statement":[', 'offset'],
      [doc({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Decrpyt'], Resource: '*' }), 'Statement[0].Action[1]'],
      [doc({ Effect: 'Permit', Action: 'kms:*', Resource: '*' }), 'Statement[0].Effect'],
      [doc({ Effect: 'Allow', Action: 'kms:*', Resource: '*', Principal: '*' }), 'Statement[0].Principal'],
      [
        doc({ Effect: 'Allow', Action: 'kms:*', Resource: '*', Condition: { IpAddress: { 'acs:SourceIp': 'nope' } } }),
        'Statement[0].Condition',
      ],
      [
        JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*', Sid: 'x'.repeat(6200) }] }),
        'the document',
      ],
    ]
    for (const [policyDocument, position] of cases) {
      const err = await ramError(admin.createPolicy(new Ram.CreatePolicyRequest({ policyName: unique('bad'), policyDocument })))
      expect(err, policyDocument.slice(0, 80)).toMatchObject({ code: 'MalformedPolicyDocument', status: 400 })
      expect(err.message).toContain(position)
    }
  })
})

describe('RAM authorisation', () => {
  it('lets a user without RAM permissions do nothing, and a read-only user only read', async () => {
    const admin = ram()
    const target = await userWithKey(admin)
    const nobody = await userWithKey(admin, [['AliyunKMSFullAccess', 'System']])
    const asNobody = ram(nobody.accessKeyId, nobody.secret)
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['CreateUser', () => asNobody.createUser(new Ram.CreateUserRequest({ userName: unique('x') }))],
      ['GetUser', () => asNobody.getUser(new Ram.GetUserRequest({ userName: target.userName }))],
      ['ListUsers', () => asNobody.listUsers(new Ram.ListUsersRequest({}))],
      ['CreateAccessKey', () => asNobody.createAccessKey(new Ram.CreateAccessKeyRequest({ userName: target.userName }))],
      ['ListAccessKeys', () => asNobody.listAccessKeys(new Ram.ListAccessKeysRequest({ userName: target.userName }))],
      [
        'AttachPolicyToUser',
        () =>
          asNobody.attachPolicyToUser(
            new Ram.AttachPolicyToUserRequest({ userName: nobody.userName, policyName: 'AdministratorAccess', policyType: 'System' }),
          ),
      ],
      [
        'CreatePolicy',
        () =>
          asNobody.createPolicy(
            new Ram.CreatePolicyRequest({ policyName: unique('p'), policyDocument: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }),
          ),
      ],
      ['DeleteUser', () => asNobody.deleteUser(new Ram.DeleteUserRequest({ userName: target.userName }))],
    ]
    for (const [name, call] of calls) {
      expect({ name, ...(await ramError(call())) }).toMatchObject({ name, code: 'Forbidden.NoPermission', status: 403 })
    }
    // Escalation attempt changed nothing.
    const still = await admin.listPoliciesForUser(new Ram.ListPoliciesForUserRequest({ userName: nobody.userName }))
    expect((still.body!.policies!.policy ?? []).map((p) => p.policyName)).toEqual(['AliyunKMSFullAccess'])

    const reader = await userWithKey(admin, [['AliyunRAMReadOnlyAccess', 'System']])
    const asReader = ram(reader.accessKeyId, reader.secret)
    expect((await asReader.getUser(new Ram.GetUserRequest({ userName: target.userName }))).body!.user!.userName).toBe(target.userName)
    await asReader.listUsers(new Ram.ListUsersRequest({ maxItems: 5 }))
    expect((await ramError(asReader.createUser(new Ram.CreateUserRequest({ userName: unique('y') })))).code).toBe('Forbidden.NoPermission')
    // Without a KMS policy the reader cannot use KMS either.
    const kms = kmsClient(stackInfo(), reader.secret, reader.accessKeyId)
    const err = await ramError(kms.encrypt(new Kms.EncryptRequest({ keyId: 'alias/none', plaintext: b64('x') })))
    expect(err.code).toBe('Forbidden.NoPermission')
  })

  it('lets a user manage only its own AccessKeys when its policy names itself', async () => {
    const admin = ram()
    const self = await userWithKey(admin)
    const policyName = unique('self')
    const { accountId } = stackInfo()
    await admin.createPolicy(
      new Ram.CreatePolicyRequest({
        policyName,
        policyDocument: doc({ Effect: 'Allow', Action: ['ram:*AccessKey*'], Resource: `acs:ram::${accountId}:user/${self.userName}` }),
      }),
    )
    await admin.attachPolicyToUser(new Ram.AttachPolicyToUserRequest({ userName: self.userName, policyName, policyType: 'Custom' }))
    const asSelf = ram(self.accessKeyId, self.secret)
    const own = await asSelf.listAccessKeys(new Ram.ListAccessKeysRequest({}))
    expect(own.body!.accessKeys!.accessKey!.map((k) => k.accessKeyId)).toEqual([self.accessKeyId])
    const other = await userWithKey(admin)
    expect((await ramError(asSelf.listAccessKeys(new Ram.ListAccessKeysRequest({ userName: other.userName })))).code).toBe(
      'Forbidden.NoPermission',
    )
  })
})
