/**
 * RAM roles and STS through the official clients: roles with @alicloud/ram20150501, AssumeRole
 * and GetCallerIdentity with @alicloud/sts20150401, and KMS calls signed with the temporary
 * credentials by every client generation — kms20160120 1.x and pop-core (V1, `SecurityToken`
 * parameter), openapi-core callApi (ACS3, `x-acs-security-token` header; formData, JSON and
 * query-only requests) with @alicloud/credentials' `access_key` and `sts` providers, and the
 * `ram_role_arn` provider over HTTPS (in a child process that trusts the stack's CA). Also: the
 * session policy narrows, sessions appear as AssumedRoleUser in the trail without their token,
 * and bad tokens, untrusted callers and deleted roles get Alibaba's 4xx.
 */
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb'
import CredentialModule, * as Credential from '@alicloud/credentials'
import OpenApiCoreModule, { $OpenApiUtil } from '@alicloud/openapi-core'
import PopCore from '@alicloud/pop-core'
import GatewayPopModule from '@alicloud/gateway-pop'
import RamModule, * as Ram from '@alicloud/ram20150501'
import StsModule, * as Sts from '@alicloud/sts20150401'
import KmsModule from '@alicloud/kms20160120'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { b64, Kms, sdkError, stackInfo, unb64 } from './clients'

const run = promisify(execFile)
const def = <T>(m: unknown): T => ((m as { default?: unknown }).default ?? m) as T
const RamClient = def<new (c: InstanceType<typeof $OpenApiUtil.Config>) => InstanceType<typeof Ram.default>>(RamModule)
const StsClient = def<new (c: InstanceType<typeof $OpenApiUtil.Config>) => InstanceType<typeof Sts.default>>(StsModule)
const OpenApiClient = def<new (c: InstanceType<typeof $OpenApiUtil.Config>) => InstanceType<typeof OpenApiCoreModule>>(OpenApiCoreModule)
const CredentialClient = def<new (c: InstanceType<typeof Credential.Config>) => InstanceType<typeof Credential.default>>(CredentialModule)
const GatewayPop = def<new () => any>(GatewayPopModule)
const KmsClient = def<new (c: Record<string, unknown>) => InstanceType<typeof Kms.default>>(KmsModule)

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`
const doc = (...Statement: object[]) => JSON.stringify({ Version: '1', Statement })
const host = () => stackInfo().endpoint.replace(/^https?:\/\//, '')
const trustRoot = () => doc({ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { RAM: [`acs:ram::${stackInfo().accountId}:root`] } })

interface Keys {
  accessKeyId: string
  accessKeySecret: string
  securityToken?: string
}

function rootKeys(): Keys {
  return { accessKeyId: stackInfo().accessKeyId, accessKeySecret: stackInfo().accessKeySecret }
}

function config(k: Keys) {
  return new $OpenApiUtil.Config({ ...k, regionId: stackInfo().regionId, endpoint: host(), protocol: 'HTTP' })
}

const ram = (k: Keys = rootKeys()) => new RamClient(config(k))
const sts = (k: Keys = rootKeys()) => new StsClient(config(k))

/** kms20160120 1.x: V1, parameters in the query, `SecurityToken` among them. */
function kms1(k: Keys) {
  return new KmsClient({ ...k, regionId: stackInfo().regionId, endpoint: host(), protocol: 'HTTP' })
}

/** An RPC caller over an openapi-core client: the input as body form, JSON body or query. */
function rpc(client: InstanceType<typeof OpenApiClient>) {
  return async (action: string, input: Record<string, string>, as: 'formData' | 'json' | 'query' = 'query', version = '2016-01-20') => {
    const params = new $OpenApiUtil.Params({
      action,
      version,
      protocol: 'HTTP',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: as === 'json' ? 'json' : 'formData',
      bodyType: 'json',
    })
    const request = new $OpenApiUtil.OpenApiRequest(as === 'query' ? { query: input } : { body: input })
    const res = await client.callApi(params, request, {} as never)
    return res.body as Record<string, any>
  }
}

/** openapi-core callApi (ACS3) with a credential client; body form, JSON body or query only. */
function openApi(credential: InstanceType<typeof Credential.default>) {
  const client = new OpenApiClient(
    new $OpenApiUtil.Config({ credential, regionId: stackInfo().regionId, endpoint: host(), protocol: 'HTTP' }),
  )
  return rpc(client)
}

/** openapi-core `execute` through @alicloud/gateway-pop (`signatureVersion: 'v4'`: ACS4-HMAC-SHA256). */
function gatewayPop(credential: InstanceType<typeof Credential.default>) {
  const client = new OpenApiClient(
    new $OpenApiUtil.Config({ credential, regionId: stackInfo().regionId, endpoint: host(), protocol: 'HTTP', signatureVersion: 'v4' }),
  )
  client.setGatewayClient(new GatewayPop())
  ;(client as unknown as { _productId: string })._productId = 'Kms'
  return rpc(client)
}

async function err(p: Promise<unknown>) {
  const e = await sdkError(p)
  const requestId = e.data?.RequestId ?? e.data?.requestId ?? (e as { requestId?: string }).requestId
  // kms20160120 1.x (rpc-client) reports the HTTP status only in its message: `code: 400, …`.
  const status = e.statusCode ?? Number(/code: (\d{3})\b/.exec(e.message)?.[1] ?? NaN)
  return { code: e.code, status: Number.isNaN(status) ? undefined : status, message: e.message, requestId }
}

async function newRole(policies: Array<[string, 'System' | 'Custom']> = [], trust = trustRoot()) {
  const roleName = unique('role')
  const created = await ram().createRole(new Ram.CreateRoleRequest({ roleName, assumeRolePolicyDocument: trust, description: 'test role' }))
  for (const [policyName, policyType] of policies) {
    await ram().attachPolicyToRole(new Ram.AttachPolicyToRoleRequest({ roleName, policyName, policyType }))
  }
  return { roleName, arn: created.body!.role!.arn!, roleId: created.body!.role!.roleId! }
}

async function assume(roleArn: string, opts: { policy?: string; durationSeconds?: number; by?: Keys; session?: string } = {}) {
  const res = await sts(opts.by).assumeRole(
    new Sts.AssumeRoleRequest({
      roleArn,
      roleSessionName: opts.session ?? 'it-session',
      ...(opts.policy ? { policy: opts.policy } : {}),
      ...(opts.durationSeconds ? { durationSeconds: opts.durationSeconds } : {}),
    }),
  )
  const c = res.body!.credentials!
  return { keys: { accessKeyId: c.accessKeyId!, accessKeySecret: c.accessKeySecret!, securityToken: c.securityToken! }, body: res.body! }
}

async function userWithKey(policies: Array<[string, 'System' | 'Custom']>) {
  const userName = unique('u')
  await ram().createUser(new Ram.CreateUserRequest({ userName }))
  const { body } = await ram().createAccessKey(new Ram.CreateAccessKeyRequest({ userName }))
  for (const [policyName, policyType] of policies)
    await ram().attachPolicyToUser(new Ram.AttachPolicyToUserRequest({ userName, policyName, policyType }))
  return { userName, keys: { accessKeyId: body!.accessKey!.accessKeyId!, accessKeySecret: body!.accessKey!.accessKeySecret! } }
}

let kmsOnly: { roleName: string; arn: string; roleId: string }

beforeAll(async () => {
  kmsOnly = await newRole([['AliyunKMSFullAccess', 'System']])
})

describe('RAM roles', () => {
  it('CreateRole, GetRole, ListRoles, policies of a role, DeleteRole, and their errors', async () => {
    const roleName = unique('life')
    const created = await ram().createRole(
      new Ram.CreateRoleRequest({ roleName, assumeRolePolicyDocument: trustRoot(), maxSessionDuration: 7200 }),
    )
    expect(created.body!.role).toMatchObject({
      roleName,
      arn: `acs:ram::${stackInfo().accountId}:role/${roleName}`,
      roleId: expect.stringMatching(/^\d{19}$/),
      assumeRolePolicyDocument: trustRoot(),
      maxSessionDuration: 7200,
    })
    const got = await ram().getRole(new Ram.GetRoleRequest({ roleName }))
    expect(got.body!.role).toMatchObject({
      roleName,
      roleId: created.body!.role!.roleId,
      createDate: expect.stringMatching(/Z$/),
      updateDate: expect.stringMatching(/Z$/),
    })
    const names: string[] = []
    let marker: string | undefined
    do {
      const page = await ram().listRoles(new Ram.ListRolesRequest({ maxItems: 1, ...(marker ? { marker } : {}) }))
      expect(typeof page.body!.isTruncated).toBe('boolean')
      names.push(...(page.body!.roles!.role ?? []).map((r) => r.roleName!))
      marker = page.body!.isTruncated ? page.body!.marker : undefined
    } while (marker)
    expect(names).toContain(roleName)

    await ram().createPolicy(
      new Ram.CreatePolicyRequest({
        policyName: `${roleName}-p`,
        policyDocument: doc({ Effect: 'Allow', Action: 'kms:List*', Resource: '*' }),
      }),
    )
    await ram().attachPolicyToRole(new Ram.AttachPolicyToRoleRequest({ roleName, policyName: `${roleName}-p`, policyType: 'Custom' }))
    expect(
      await err(
        ram().attachPolicyToRole(new Ram.AttachPolicyToRoleRequest({ roleName, policyName: `${roleName}-p`, policyType: 'Custom' })),
      ),
    ).toMatchObject({ code: 'EntityAlreadyExists.Role.Policy', status: 409 })
    const listed = await ram().listPoliciesForRole(new Ram.ListPoliciesForRoleRequest({ roleName }))
    expect(listed.body!.policies!.policy!.map((p) => p.policyName)).toEqual([`${roleName}-p`])
    // The policy's attachments count the role; it cannot be deleted while attached.
    expect(await err(ram().deletePolicy(new Ram.DeletePolicyRequest({ policyName: `${roleName}-p` })))).toMatchObject({ status: 409 })
    expect(await err(ram().deleteRole(new Ram.DeleteRoleRequest({ roleName })))).toMatchObject({
      code: 'DeleteConflict.Role.Policy',
      status: 409,
    })
    await ram().detachPolicyFromRole(new Ram.DetachPolicyFromRoleRequest({ roleName, policyName: `${roleName}-p`, policyType: 'Custom' }))
    expect(
      await err(
        ram().detachPolicyFromRole(new Ram.DetachPolicyFromRoleRequest({ roleName, policyName: `${roleName}-p`, policyType: 'Custom' })),
      ),
    ).toMatchObject({ code: 'EntityNotExist.Role.Policy', status: 404 })
    // UpdateRole: a new trust policy applies to the next AssumeRole.
    const nobody = doc({ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { RAM: ['acs:ram::2222222222222222:root'] } })
    const updated = await ram().updateRole(
      new Ram.UpdateRoleRequest({ roleName, newAssumeRolePolicyDocument: nobody, newDescription: 'updated', newMaxSessionDuration: 3600 }),
    )
    expect(updated.body!.role).toMatchObject({
      roleName,
      assumeRolePolicyDocument: nobody,
      description: 'updated',
      maxSessionDuration: 3600,
    })
    expect(await err(assume(created.body!.role!.arn!))).toMatchObject({ code: 'NoPermission', status: 403 })
    expect(await err(ram().updateRole(new Ram.UpdateRoleRequest({ roleName, newAssumeRolePolicyDocument: '{' })))).toMatchObject({
      code: 'MalformedPolicyDocument',
      status: 400,
    })
    await ram().deleteRole(new Ram.DeleteRoleRequest({ roleName }))
    expect(await err(ram().getRole(new Ram.GetRoleRequest({ roleName })))).toMatchObject({ code: 'EntityNotExist.Role', status: 404 })

    expect(
      await err(ram().createRole(new Ram.CreateRoleRequest({ roleName: kmsOnly.roleName, assumeRolePolicyDocument: trustRoot() }))),
    ).toMatchObject({ code: 'EntityAlreadyExists.Role', status: 409 })
    const bad = await err(
      ram().createRole(
        new Ram.CreateRoleRequest({
          roleName: unique('bad'),
          assumeRolePolicyDocument: doc({ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { RAM: ['*'] } }),
        }),
      ),
    )
    expect(bad).toMatchObject({ code: 'MalformedPolicyDocument', status: 400 })
    expect(
      (await err(ram().createRole(new Ram.CreateRoleRequest({ roleName: 'a#b', assumeRolePolicyDocument: trustRoot() })))).status,
    ).toBe(400)
  })
})

describe('AssumeRole and GetCallerIdentity', () => {
  it('issue STS credentials that the 1.x clients (V1) use for KMS calls, as the role session', async () => {
    const { keys, body } = await assume(kmsOnly.arn, { durationSeconds: 1800, session: 'v1-session' })
    expect(keys.accessKeyId).toMatch(/^STS\./)
    expect(body.assumedRoleUser).toEqual({
      arn: `acs:ram::${stackInfo().accountId}:assumed-role/${kmsOnly.roleName}/v1-session`,
      assumedRoleId: `${kmsOnly.roleId}:v1-session`,
    })
    const expires = Date.parse(body.credentials!.expiration!)
    expect(expires - Date.now()).toBeGreaterThan(1790_000)
    expect(expires - Date.now()).toBeLessThan(1810_000)
    expect(body.credentials!.expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)

    const who = await sts(keys).getCallerIdentity()
    expect(who.body).toMatchObject({
      accountId: stackInfo().accountId,
      identityType: 'AssumedRoleUser',
      arn: `acs:ram::${stackInfo().accountId}:assumed-role/${kmsOnly.roleName}/v1-session`,
      roleId: kmsOnly.roleId,
      principalId: `${kmsOnly.roleId}:v1-session`,
    })
    const rootWho = await sts().getCallerIdentity()
    expect(rootWho.body).toMatchObject({
      identityType: 'Account',
      arn: `acs:ram::${stackInfo().accountId}:root`,
      accountId: stackInfo().accountId,
    })

    const client = kms1(keys)
    const key = await client.createKey(new Kms.CreateKeyRequest({ description: 'by a role session' }))
    const keyId = key.keyMetadata!.keyId!
    expect(key.keyMetadata!.keyState).toBe('Enabled')
    const enc = await client.encrypt(new Kms.EncryptRequest({ keyId, plaintext: b64('role secret'), encryptionContext: { app: 'sts' } }))
    const dec = await client.decrypt(new Kms.DecryptRequest({ ciphertextBlob: enc.ciphertextBlob, encryptionContext: { app: 'sts' } }))
    expect(unb64(dec.plaintext!)).toBe('role secret')
    const secretName = unique('sts-secret')
    await client.createSecret(new Kms.CreateSecretRequest({ secretName, secretData: 's3cr3t', versionId: 'v1' }))
    const value = await client.getSecretValue(new Kms.GetSecretValueRequest({ secretName }))
    expect(value.secretData).toBe('s3cr3t')

    // pop-core RPCClient (V1, GET and POST) with the same credentials.
    for (const method of ['GET', 'POST'] as const) {
      const pop = new (PopCore as unknown as { RPCClient: new (c: Record<string, unknown>) => any }).RPCClient({
        ...keys,
        endpoint: stackInfo().endpoint,
        apiVersion: '2016-01-20',
      })
      const d = await pop.request('DescribeKey', { KeyId: keyId }, { method, timeout: 10_000 })
      expect(d.KeyMetadata.KeyId).toBe(keyId)
    }
    // The role has KMS permissions only.
    expect(await err(ram(keys).listUsers(new Ram.ListUsersRequest({})))).toMatchObject({ code: 'Forbidden.NoPermission', status: 403 })
  })

  it('openapi-core (ACS3) with the access_key and sts credential providers: formData, JSON and query-only', async () => {
    const base = new CredentialClient(new Credential.Config({ type: 'access_key', ...rootKeys() }))
    const asRoot = openApi(base)
    expect((await asRoot('GetCallerIdentity', {}, 'query', '2015-04-01')).IdentityType).toBe('Account')
    const assumed = await asRoot(
      'AssumeRole',
      { RoleArn: kmsOnly.arn, RoleSessionName: 'acs3-session', DurationSeconds: '900' },
      'formData',
      '2015-04-01',
    )
    const c = assumed.Credentials
    const session = openApi(
      new CredentialClient(
        new Credential.Config({
          type: 'sts',
          accessKeyId: c.AccessKeyId,
          accessKeySecret: c.AccessKeySecret,
          securityToken: c.SecurityToken,
        }),
      ),
    )
    for (const as of ['formData', 'json', 'query'] as const) {
      const key = await session('CreateKey', { Description: `acs3 ${as}` }, as)
      const enc = await session('Encrypt', { KeyId: key.KeyMetadata.KeyId, Plaintext: b64(`via ${as}`) }, as)
      const dec = await session('Decrypt', { CiphertextBlob: enc.CiphertextBlob }, as)
      expect(unb64(dec.Plaintext)).toBe(`via ${as}`)
    }
    const secretName = unique('acs3-secret')
    await session('CreateSecret', { SecretName: secretName, SecretData: 'acs3-value', VersionId: 'v1' }, 'formData')
    expect((await session('GetSecretValue', { SecretName: secretName })).SecretData).toBe('acs3-value')
    const who = await session('GetCallerIdentity', {}, 'query', '2015-04-01')
    expect(who).toMatchObject({
      IdentityType: 'AssumedRoleUser',
      Arn: expect.stringContaining(`:assumed-role/${kmsOnly.roleName}/acs3-session`),
    })
    // Errors surface with Alibaba's code, message, request id and status.
    const notFound = await err(session('DescribeKey', { KeyId: randomUUID() }))
    expect(notFound).toMatchObject({ code: 'Forbidden.KeyNotFound', status: 404, requestId: expect.stringMatching(/^[0-9A-F-]{36}$/) })
    expect(notFound.message).toContain('Forbidden.KeyNotFound')
  })

  it('openapi-core + gateway-pop (ACS4) with access_key and sts credentials: formData, JSON and query-only', async () => {
    const asRoot = gatewayPop(new CredentialClient(new Credential.Config({ type: 'access_key', ...rootKeys() })))
    const assumed = await asRoot('AssumeRole', { RoleArn: kmsOnly.arn, RoleSessionName: 'acs4-session' }, 'formData', '2015-04-01')
    const c = assumed.Credentials
    const session = gatewayPop(
      new CredentialClient(
        new Credential.Config({
          type: 'sts',
          accessKeyId: c.AccessKeyId,
          accessKeySecret: c.AccessKeySecret,
          securityToken: c.SecurityToken,
        }),
      ),
    )
    for (const as of ['formData', 'json', 'query'] as const) {
      const key = await session('CreateKey', { Description: `acs4 ${as}` }, as)
      const enc = await session('Encrypt', { KeyId: key.KeyMetadata.KeyId, Plaintext: b64(`acs4 ${as}`) }, as)
      expect(unb64((await session('Decrypt', { CiphertextBlob: enc.CiphertextBlob }, as)).Plaintext)).toBe(`acs4 ${as}`)
    }
    const secretName = unique('acs4-secret')
    await session('CreateSecret', { SecretName: secretName, SecretData: 'acs4-value', VersionId: 'v1' }, 'json')
    expect((await session('GetSecretValue', { SecretName: secretName })).SecretData).toBe('acs4-value')
    expect((await session('GetCallerIdentity', {}, 'query', '2015-04-01')).IdentityType).toBe('AssumedRoleUser')
    const notFound = await err(session('DescribeKey', { KeyId: randomUUID() }))
    expect(notFound).toMatchObject({ code: 'Forbidden.KeyNotFound', status: 404, requestId: expect.stringMatching(/^[0-9A-F-]{36}$/) })
    const wrong = gatewayPop(
      new CredentialClient(
        new Credential.Config({ type: 'sts', accessKeyId: c.AccessKeyId, accessKeySecret: 'wrong', securityToken: c.SecurityToken }),
      ),
    )
    expect(await err(wrong('ListKeys', {}))).toMatchObject({ code: 'SignatureDoesNotMatch', status: 400 })
  })

  it('narrows the role by the session policy (it can only narrow)', async () => {
    const policyName = unique('enc-only')
    await ram().createPolicy(
      new Ram.CreatePolicyRequest({
        policyName,
        policyDocument: doc({ Effect: 'Allow', Action: ['kms:CreateKey', 'kms:Encrypt', 'kms:Decrypt'], Resource: '*' }),
      }),
    )
    const role = await newRole([[policyName, 'Custom']])
    // The session policy names more (kms:*) than the role grants, and less (no Decrypt).
    const { keys } = await assume(role.arn, {
      policy: doc({ Effect: 'Allow', Action: ['kms:CreateKey', 'kms:Encrypt', 'kms:DescribeKey', 'kms:ListKeys'], Resource: '*' }),
    })
    const client = kms1(keys)
    const key = await client.createKey(new Kms.CreateKeyRequest({}))
    const keyId = key.keyMetadata!.keyId!
    const enc = await client.encrypt(new Kms.EncryptRequest({ keyId, plaintext: b64('x') }))
    expect(await err(client.decrypt(new Kms.DecryptRequest({ ciphertextBlob: enc.ciphertextBlob })))).toMatchObject({
      code: 'Forbidden.NoPermission',
      status: 403,
    })
    expect(await err(client.describeKey(new Kms.DescribeKeyRequest({ keyId })))).toMatchObject({
      code: 'Forbidden.NoPermission',
      status: 403,
    })
    const malformed = await err(assume(role.arn, { policy: '{"Version":"1","Statement":[{"Effect":"Allow"' }))
    expect(malformed).toMatchObject({ code: 'MalformedPolicyDocument', status: 400 })
  })

  it('needs both the trust policy and sts:AssumeRole; refuses bad durations and unknown roles', async () => {
    const alice = await userWithKey([['AliyunSTSAssumeRoleAccess', 'System']])
    const carol = await userWithKey([])
    const onlyAlice = await newRole(
      [['AliyunKMSFullAccess', 'System']],
      doc({ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { RAM: [`acs:ram::${stackInfo().accountId}:user/${alice.userName}`] } }),
    )
    const { keys } = await assume(onlyAlice.arn, { by: alice.keys })
    expect((await sts(keys).getCallerIdentity()).body!.identityType).toBe('AssumedRoleUser')
    // Trusted by the account root, but carol has no sts:AssumeRole.
    expect(await err(assume(kmsOnly.arn, { by: carol.keys }))).toMatchObject({ code: 'Forbidden.NoPermission', status: 403 })
    // Alice may call AssumeRole, but the trust policy of kmsOnly does name her account root…
    expect((await assume(kmsOnly.arn, { by: alice.keys })).keys.accessKeyId).toMatch(/^STS\./)
    // …while a role trusting only alice refuses the account root.
    expect(await err(assume(onlyAlice.arn))).toMatchObject({ code: 'NoPermission', status: 403 })
    for (const durationSeconds of [899, 3601]) {
      expect(await err(assume(kmsOnly.arn, { durationSeconds }))).toMatchObject({ code: 'InvalidParameter', status: 400 })
    }
    expect(await err(assume(`acs:ram::${stackInfo().accountId}:role/${unique('missing')}`))).toMatchObject({
      code: 'EntityNotExist.Role',
      status: 404,
    })
    expect(await err(assume('acs:ram::2222222222222222:role/elsewhere'))).toMatchObject({ status: 403 })
    expect(await err(assume('not-an-arn'))).toMatchObject({ code: 'InvalidParameter', status: 400 })
  })

  it('refuses tampered, truncated, foreign and missing tokens, and tokens with the wrong AccessKey', async () => {
    const a = (await assume(kmsOnly.arn, { session: 'sess-a' })).keys
    const b = (await assume(kmsOnly.arn, { session: 'sess-b' })).keys
    const list = (k: Keys) => kms1(k).listKeys(new Kms.ListKeysRequest({}))
    const t = a.securityToken!
    const flipped = `${t.slice(0, -5)}${t.at(-5) === 'A' ? 'B' : 'A'}${t.slice(-4)}`
    for (const [keys, code] of [
      [{ ...a, securityToken: flipped }, 'InvalidSecurityToken.Malformed'],
      [{ ...a, securityToken: t.slice(0, 40) }, 'InvalidSecurityToken.Malformed'],
      [{ ...a, securityToken: 'CAISforeign' }, 'InvalidSecurityToken.Malformed'],
      [{ ...a, securityToken: b.securityToken }, 'InvalidSecurityToken.MismatchWithAccessKey'],
      [{ ...rootKeys(), securityToken: t }, 'InvalidSecurityToken.MismatchWithAccessKey'],
      [{ accessKeyId: a.accessKeyId, accessKeySecret: a.accessKeySecret }, 'MissingSecurityToken'],
      [{ ...a, accessKeySecret: 'not-the-secret' }, 'SignatureDoesNotMatch'],
    ] as Array<[Keys, string]>) {
      const e = await err(list(keys))
      expect(e).toMatchObject({ code, status: 400 })
      expect(e.message).not.toContain(t.slice(20, 60))
    }
    // The same through ACS3 (the header is signed, so it cannot be swapped either).
    const acs3 = openApi(
      new CredentialClient(
        new Credential.Config({ type: 'sts', accessKeyId: a.accessKeyId, accessKeySecret: a.accessKeySecret, securityToken: flipped }),
      ),
    )
    expect(await err(acs3('ListKeys', {}))).toMatchObject({ code: 'InvalidSecurityToken.Malformed', status: 400 })
  })

  it('ends every session of a deleted role', async () => {
    const role = await newRole()
    await ram().attachPolicyToRole(
      new Ram.AttachPolicyToRoleRequest({ roleName: role.roleName, policyName: 'AliyunKMSReadOnlyAccess', policyType: 'System' }),
    )
    const { keys } = await assume(role.arn)
    await kms1(keys).listKeys(new Kms.ListKeysRequest({}))
    await ram().detachPolicyFromRole(
      new Ram.DetachPolicyFromRoleRequest({ roleName: role.roleName, policyName: 'AliyunKMSReadOnlyAccess', policyType: 'System' }),
    )
    await ram().deleteRole(new Ram.DeleteRoleRequest({ roleName: role.roleName }))
    // Other isolates may cache the role for up to 5 s.
    let last: Awaited<ReturnType<typeof err>> | undefined
    for (let i = 0; i < 30; i++) {
      last = await err(sts(keys).getCallerIdentity())
      if (last.code === 'InvalidSecurityToken.Expired') break
      await new Promise((r) => setTimeout(r, 250))
    }
    expect(last).toMatchObject({ code: 'InvalidSecurityToken.Expired', status: 400 })
  })
})

describe('random input', () => {
  it('never answers 5xx to random role, STS and token input', async () => {
    const raw = openApi(new CredentialClient(new Credential.Config({ type: 'access_key', ...rootKeys() })))
    const { keys } = await assume(kmsOnly.arn, { session: 'fuzz' })
    const text = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.constantFrom(
        '',
        'acs:ram::1:role/x',
        `acs:ram::${stackInfo().accountId}:role/${kmsOnly.roleName}`,
        '{"Version":"1"}',
        '-1',
        '99999999999',
        'edge-sts1.x.y',
      ),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          'CreateRole',
          'GetRole',
          'DeleteRole',
          'AttachPolicyToRole',
          'ListPoliciesForRole',
          'AssumeRole',
          'GetCallerIdentity',
          'ListKeys',
        ),
        fc.dictionary(
          fc.constantFrom(
            'RoleName',
            'RoleArn',
            'RoleSessionName',
            'DurationSeconds',
            'Policy',
            'AssumeRolePolicyDocument',
            'PolicyName',
            'PolicyType',
            'MaxSessionDuration',
          ),
          text,
        ),
        fc.option(text, { nil: undefined }),
        async (action, params, token) => {
          const version = ['AssumeRole', 'GetCallerIdentity'].includes(action)
            ? '2015-04-01'
            : action === 'ListKeys'
              ? '2016-01-20'
              : '2015-05-01'
          const caller =
            token === undefined
              ? raw
              : openApi(new CredentialClient(new Credential.Config({ type: 'sts', ...keys, securityToken: token || keys.securityToken })))
          try {
            await caller(action, { ...params }, 'formData', version)
          } catch (e) {
            const status = (e as { statusCode?: number }).statusCode ?? 0
            if (!(status >= 400 && status < 500))
              throw new Error(`${action} ${JSON.stringify(params)} → ${status}: ${String((e as Error).message).slice(0, 300)}`)
          }
        },
      ),
      { numRuns: 150 },
    )
  }, 120_000)
})

describe('response fields', () => {
  const names = (model: { names(): Record<string, string> }) => Object.values(model.names()).sort()
  const keys = (o: Record<string, unknown>) => Object.keys(o).sort()

  it('match the SDK models field for field (absent only: role Tags, SourceIdentity, Marker at the end)', async () => {
    const raw = openApi(new CredentialClient(new Credential.Config({ type: 'access_key', ...rootKeys() })))
    const R = Ram as unknown as Record<string, { names(): Record<string, string> }>
    const S = Sts as unknown as Record<string, { names(): Record<string, string> }>
    const roleName = unique('fields')
    const created = await raw('CreateRole', { RoleName: roleName, AssumeRolePolicyDocument: trustRoot() }, 'query', '2015-05-01')
    expect(keys(created.Role)).toEqual(names(R.CreateRoleResponseBodyRole!))
    expect(keys((await raw('GetRole', { RoleName: roleName }, 'query', '2015-05-01')).Role)).toEqual(names(R.GetRoleResponseBodyRole!))
    const listed = await raw('ListRoles', { MaxItems: '1000' }, 'query', '2015-05-01')
    expect([...keys(listed), 'Marker'].sort()).toEqual(names(R.ListRolesResponseBody!))
    expect([...keys(listed.Roles.Role[0]), 'Tags'].sort()).toEqual(names(R.ListRolesResponseBodyRolesRole!))
    await raw(
      'AttachPolicyToRole',
      { RoleName: roleName, PolicyName: 'AliyunKMSReadOnlyAccess', PolicyType: 'System' },
      'query',
      '2015-05-01',
    )
    const policies = await raw('ListPoliciesForRole', { RoleName: roleName }, 'query', '2015-05-01')
    expect(keys(policies)).toEqual(names(R.ListPoliciesForRoleResponseBody!))
    expect(keys(policies.Policies.Policy[0])).toEqual(names(R.ListPoliciesForRoleResponseBodyPoliciesPolicy!))
    const assumed = await raw('AssumeRole', { RoleArn: created.Role.Arn, RoleSessionName: 'fields' }, 'query', '2015-04-01')
    expect([...keys(assumed), 'SourceIdentity'].sort()).toEqual(names(S.AssumeRoleResponseBody!))
    expect(keys(assumed.Credentials)).toEqual(names(S.AssumeRoleResponseBodyCredentials!))
    expect(keys(assumed.AssumedRoleUser)).toEqual(names(S.AssumeRoleResponseBodyAssumedRoleUser!))
    const c = assumed.Credentials
    const session = openApi(
      new CredentialClient(
        new Credential.Config({
          type: 'sts',
          accessKeyId: c.AccessKeyId,
          accessKeySecret: c.AccessKeySecret,
          securityToken: c.SecurityToken,
        }),
      ),
    )
    expect(keys(await session('GetCallerIdentity', {}, 'query', '2015-04-01'))).toEqual(names(S.GetCallerIdentityResponseBody!))
    expect([...keys(await raw('GetCallerIdentity', {}, 'query', '2015-04-01')), 'RoleId'].sort()).toEqual(
      names(S.GetCallerIdentityResponseBody!),
    )
  })
})

describe('audit trail', () => {
  let ddb: DynamoDBClient
  afterAll(() => ddb?.destroy())

  it('records role sessions as AssumedRoleUser, and never their token or secret', async () => {
    const { keys } = await assume(kmsOnly.arn, { session: 'audited' })
    await kms1(keys).listKeys(new Kms.ListKeysRequest({}))
    await err(kms1({ ...keys, securityToken: `${keys.securityToken!.slice(0, -3)}xyz` }).listKeys(new Kms.ListKeysRequest({})))
    const trail = openApi(new CredentialClient(new Credential.Config({ type: 'access_key', ...rootKeys() })))
    const page = await trail(
      'LookupEvents',
      { 'LookupAttribute.1.Key': 'EventAccessKeyId', 'LookupAttribute.1.Value': keys.accessKeyId, MaxResults: '50' },
      'query',
      '2020-07-06',
    )
    const events = page.Events as any[]
    const listKeys = events.find((e) => e.eventName === 'ListKeys' && !e.errorCode)
    expect(listKeys.userIdentity).toMatchObject({
      type: 'assumed-role',
      principalId: `acs:ram::${stackInfo().accountId}:assumed-role/${kmsOnly.roleName}/audited`,
      accessKeyId: keys.accessKeyId,
    })
    ddb = new DynamoDBClient({
      endpoint: stackInfo().dynamoEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    })
    const items: Array<Record<string, AttributeValue>> = []
    for (let start: Record<string, AttributeValue> | undefined; ;) {
      const p = await ddb.send(new ScanCommand({ TableName: stackInfo().tableName, ExclusiveStartKey: start }))
      items.push(...(p.Items ?? []))
      start = p.LastEvaluatedKey
      if (!start) break
    }
    const all = JSON.stringify(items)
    expect(all).toContain(keys.accessKeyId)
    expect(all).toContain('AssumedRoleUser')
    expect(all).not.toContain(keys.securityToken!.slice(20, 80))
    expect(all).not.toContain(keys.accessKeySecret)
  })
})

describe('@alicloud/credentials ram_role_arn provider', () => {
  it('assumes the role over HTTPS against the local STS endpoint and runs KMS calls', async () => {
    const s = stackInfo()
    const input = { host: s.httpsEndpoint.replace(/^https:\/\//, ''), regionId: s.regionId, ...rootKeys(), roleArn: kmsOnly.arn }
    const { stdout } = await run(process.execPath, [join(__dirname, 'sts-credentials-child.cjs'), JSON.stringify(input)], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: s.caCertPath },
      timeout: 60_000,
    }).catch((e: { stdout?: string; message: string }) => ({ stdout: e.stdout ?? e.message }))
    const out = JSON.parse(stdout.trim().split('\n').pop()!)
    expect(out).toMatchObject({
      accessKeyIdPrefix: 'STS.',
      hasToken: true,
      identityType: 'AssumedRoleUser',
      arn: `acs:ram::${s.accountId}:assumed-role/${kmsOnly.roleName}/provider-session`,
      roundTrip: 'hello',
    })
    // AliyunKMSFullAccess allows ScheduleKeyDeletion, so the last call succeeds as well.
    expect(out.denied).toBe(false)
  }, 90_000)
})
