/**
 * Alibaba fidelity through the official SDKs: the places where the service used to contradict
 * Alibaba's documentation (KeyUsage defaults, `ACS…` stage labels, ExtendedConfig and rotation
 * parameters on generic secrets, both ExtendedConfig forms, the documented limits) and the actions
 * added beside them (TagResources / UntagResources / ListTagResources, OpenKmsService). Last, one
 * walk over every action of the README's coverage table asserting the fields of the current SDK
 * response models (Go 4.1 / Python 3.2) are present.
 *
 * kms20160120 1.2.0 where it has the method; openapi-client callApi (ACS3, raw field names) for the
 * rest and for the field walk.
 */
import { constants, createHash, generateKeyPairSync, publicEncrypt, randomBytes, randomUUID } from 'node:crypto'
import RamModule, * as Ram from '@alicloud/ram20150501'
import { $OpenApiUtil } from '@alicloud/openapi-core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { b64, Kms, kmsClient, openApiCaller, sdkError, stackInfo } from './clients'
import { acs3, expectErrorShape, type Pairs } from './raw'

const run = randomUUID().slice(0, 8)
const unique = (base: string) => `${base}-${run}-${randomUUID().slice(0, 4)}`

describe('CreateKey KeyUsage default (Alibaba: SIGN/VERIFY when the spec can sign)', () => {
  it('gives every RSA and EC spec SIGN/VERIFY and the symmetric spec ENCRYPT/DECRYPT', async () => {
    const client = kmsClient()
    for (const keySpec of ['EC_P256', 'EC_P256K', 'RSA_2048']) {
      const { keyMetadata } = await client.createKey(new Kms.CreateKeyRequest({ keySpec }))
      expect({ keySpec, usage: keyMetadata.keyUsage }).toEqual({ keySpec, usage: 'SIGN/VERIFY' })
    }
    const aes = await client.createKey(new Kms.CreateKeyRequest({}))
    expect(aes.keyMetadata.keyUsage).toBe('ENCRYPT/DECRYPT')
    const rsaEnc = await client.createKey(new Kms.CreateKeyRequest({ keySpec: 'RSA_3072', keyUsage: 'ENCRYPT/DECRYPT' }))
    expect(rsaEnc.keyMetadata.keyUsage).toBe('ENCRYPT/DECRYPT')
    // The default is usable: an EC key created without KeyUsage signs.
    const ec = await client.createKey(new Kms.CreateKeyRequest({ keySpec: 'EC_P256' }))
    const digest = createHash('sha256').update('fidelity').digest('base64')
    const signed = await client.asymmetricSign(
      new Kms.AsymmetricSignRequest({
        keyId: ec.keyMetadata.keyId,
        keyVersionId: ec.keyMetadata.primaryKeyVersion,
        algorithm: 'ECDSA_SHA_256',
        digest,
      }),
    )
    expect(signed.value).toBeTruthy()
  })
})

describe('secret stage labels beginning with ACS', () => {
  it('accepts Alibaba\'s own PutSecretValue example, VersionStages=["ACSCurrent","ACSNext"]', async () => {
    const client = kmsClient()
    const secretName = unique('stages')
    await client.createSecret(new Kms.CreateSecretRequest({ secretName, versionId: 'v1', secretData: 'one' }))
    const put = await client.putSecretValue(
      new Kms.PutSecretValueRequest({ secretName, versionId: 'v2', secretData: 'two', versionStages: '["ACSCurrent","ACSNext"]' }),
    )
    expect(put.versionStages.versionStage.sort()).toEqual(['ACSCurrent', 'ACSNext'])
    const next = await client.getSecretValue(new Kms.GetSecretValueRequest({ secretName, versionStage: 'ACSNext' }))
    expect(next.secretData).toBe('two')
    // The built-in labels keep their meaning: ACSPrevious moved to the former current.
    const previous = await client.getSecretValue(new Kms.GetSecretValueRequest({ secretName, versionStage: 'ACSPrevious' }))
    expect(previous.secretData).toBe('one')
    await client.updateSecretVersionStage(
      new Kms.UpdateSecretVersionStageRequest({ secretName, versionStage: 'ACSCustom', moveToVersion: 'v1' }),
    )
    expect((await client.getSecretValue(new Kms.GetSecretValueRequest({ secretName, versionStage: 'ACSCustom' }))).secretData).toBe('one')
    // ACSPending stays reserved for rotation.
    const pending = await sdkError(
      client.putSecretValue(
        new Kms.PutSecretValueRequest({ secretName, versionId: 'v3', secretData: 'x', versionStages: '["ACSPending"]' }),
      ),
    )
    expect(pending.code).toBe('InvalidParameter')
  })

  it('evicts the earliest version at the 11th, labels and all, never the ACSCurrent one', async () => {
    const client = kmsClient()
    const secretName = unique('evict')
    await client.createSecret(new Kms.CreateSecretRequest({ secretName, versionId: 'v1', secretData: 'd1' }))
    await client.updateSecretVersionStage(
      new Kms.UpdateSecretVersionStageRequest({ secretName, versionStage: 'pinned', moveToVersion: 'v1' }),
    )
    for (let i = 2; i <= 11; i++) {
      await client.putSecretValue(new Kms.PutSecretValueRequest({ secretName, versionId: `v${i}`, secretData: `d${i}` }))
    }
    const listed = await client.listSecretVersionIds(
      new Kms.ListSecretVersionIdsRequest({ secretName, includeDeprecated: 'true', pageSize: 20 }),
    )
    expect(listed.versionIds.versionId.map((v) => v.versionId).sort()).toEqual([
      'v10',
      'v11',
      'v2',
      'v3',
      'v4',
      'v5',
      'v6',
      'v7',
      'v8',
      'v9',
    ])
    expect((await sdkError(client.getSecretValue(new Kms.GetSecretValueRequest({ secretName, versionStage: 'pinned' })))).code).toBe(
      'Forbidden.ResourceNotFound',
    )
    // With only custom labels on new versions, ACSCurrent stays on the earliest version and survives.
    const kept = unique('evict-current')
    await client.createSecret(new Kms.CreateSecretRequest({ secretName: kept, versionId: 'v1', secretData: 'current' }))
    for (let i = 2; i <= 11; i++) {
      await client.putSecretValue(
        new Kms.PutSecretValueRequest({ secretName: kept, versionId: `v${i}`, secretData: `d${i}`, versionStages: '["ACSNext"]' }),
      )
    }
    expect((await client.getSecretValue(new Kms.GetSecretValueRequest({ secretName: kept }))).secretData).toBe('current')
    const ids = await client.listSecretVersionIds(
      new Kms.ListSecretVersionIdsRequest({ secretName: kept, includeDeprecated: 'true', pageSize: 20 }),
    )
    expect(ids.versionIds.versionId.map((v) => v.versionId)).not.toContain('v2')
    expect(ids.totalCount).toBe(10)
  })
})

describe('ExtendedConfig and rotation parameters on generic secrets', () => {
  it('ignores ExtendedConfig and a RotationInterval without automatic rotation, as Alibaba does', async () => {
    const call = openApiCaller()
    const secretName = unique('ext')
    const created = await call('CreateSecret', {
      SecretName: secretName,
      VersionId: 'v1',
      SecretData: 'value',
      ExtendedConfig: JSON.stringify({ CustomData: { team: 'a' } }),
      EnableAutomaticRotation: 'false',
      RotationInterval: '7d',
    })
    expect(created).toMatchObject({ SecretName: secretName, SecretType: 'Generic' })
    expect(created.ExtendedConfig).toBeUndefined()
    const described = await call('DescribeSecret', { SecretName: secretName })
    expect(described.AutomaticRotation).toBeUndefined()
    const rotating = await sdkError(
      call('CreateSecret', {
        SecretName: unique('ext-rot'),
        VersionId: 'v1',
        SecretData: 'x',
        EnableAutomaticRotation: 'true',
        RotationInterval: '7d',
      }),
    )
    expect({ code: rotating.code, status: rotating.statusCode }).toEqual({ code: 'InvalidParameter', status: 400 })
  })

  it('limits ExtendedConfig to 1,024 characters', async () => {
    const call = openApiCaller()
    const config = (n: number) => JSON.stringify({ CustomData: { k: 'x'.repeat(n - 23) } })
    expect(config(1024)).toHaveLength(1024)
    await call('CreateSecret', { SecretName: unique('ext-fits'), VersionId: 'v1', SecretData: 'x', ExtendedConfig: config(1024) })
    const over = await sdkError(
      call('CreateSecret', { SecretName: unique('ext-over'), VersionId: 'v1', SecretData: 'x', ExtendedConfig: config(1025) }),
    )
    expect({ code: over.code, status: over.statusCode }).toEqual({ code: 'InvalidParameter', status: 400 })
    expect(over.message).not.toContain('xxxxxxxx')
  })

  it('parses UpdateSecret ExtendedConfig in the forms the SDKs send (and refuses it for generic secrets)', async () => {
    const call = openApiCaller()
    const secretName = unique('upd')
    await call('CreateSecret', { SecretName: secretName, VersionId: 'v1', SecretData: 'x' })
    const forms: Array<Record<string, string>> = [
      { 'ExtendedConfig.CustomData': '{"DBName":"app1","Port":"3306"}' }, // Python shrink form
      { 'ExtendedConfig.CustomData.DBName': 'app1', 'ExtendedConfig.CustomData.Port': '3306' }, // Go's flattened map
      { ExtendedConfig: '{"CustomData":{"DBName":"app1"}}' }, // a JSON string
    ]
    for (const form of forms) {
      const err = await sdkError(call('UpdateSecret', { SecretName: secretName, ...form }))
      expect({ form, code: err.code, status: err.statusCode, message: err.message.includes('ExtendedConfig') }).toEqual({
        form,
        code: 'InvalidParameter',
        status: 400,
        message: true,
      })
    }
    const both = await sdkError(call('UpdateSecret', { SecretName: secretName, ExtendedConfig: '{}', 'ExtendedConfig.CustomData': '{}' }))
    expect(both.code).toBe('InvalidParameter')
    const malformed = await sdkError(call('UpdateSecret', { SecretName: secretName, 'ExtendedConfig.CustomData': '{"DBName":' }))
    expect(malformed.code).toBe('InvalidParameter')
    // Description alone still updates.
    expect(await call('UpdateSecret', { SecretName: secretName, Description: 'updated' })).toMatchObject({ SecretName: secretName })
  })
})

describe('TagResources / UntagResources / ListTagResources', () => {
  it('tags, lists with NextToken-free pages and untags keys in both parameter forms', async () => {
    const call = openApiCaller()
    const keys: string[] = []
    for (let i = 0; i < 3; i++) keys.push((await call('CreateKey', {})).KeyMetadata.KeyId as string)
    await call('TagResources', {
      RegionId: stackInfo().regionId,
      ResourceType: 'key',
      ResourceId: JSON.stringify(keys),
      Tag: JSON.stringify([
        { Key: 'env', Value: 'dev' },
        { Key: 'team', Value: 'a' },
      ]),
    })
    // The numbered form the generated SDKs send for lists.
    await call('TagResources', { ResourceType: 'key', 'ResourceId.1': keys[0]!, 'Tag.1.Key': 'owner', 'Tag.1.Value': 'me' })
    const listed = await call('ListTagResources', { ResourceType: 'key', ResourceId: JSON.stringify(keys) })
    expect(listed.NextToken).toBeUndefined()
    const rows = listed.TagResources.TagResource as Array<Record<string, string>>
    expect(rows).toHaveLength(7)
    expect(rows).toContainEqual({ ResourceId: keys[0], ResourceType: 'key', TagKey: 'owner', TagValue: 'me' })
    expect(rows).toContainEqual({ ResourceId: keys[2], ResourceType: 'key', TagKey: 'env', TagValue: 'dev' })
    const filtered = await call('ListTagResources', {
      ResourceType: 'key',
      ResourceId: JSON.stringify(keys),
      Tag: JSON.stringify([{ Key: 'owner' }]),
    })
    expect(filtered.TagResources.TagResource).toEqual([{ ResourceId: keys[0], ResourceType: 'key', TagKey: 'owner', TagValue: 'me' }])
    // The single-resource view agrees.
    const single = await kmsClient().listResourceTags(new Kms.ListResourceTagsRequest({ keyId: keys[1]! }))
    expect(single.tags.tag.map((t) => t.tagKey)).toEqual(['env', 'team'])

    await call('UntagResources', { ResourceType: 'key', ResourceId: JSON.stringify(keys), 'TagKey.1': 'team' })
    await call('UntagResources', { ResourceType: 'key', ResourceId: JSON.stringify([keys[0]]), All: 'true' })
    // Repeating a batch is safe.
    await call('UntagResources', { ResourceType: 'key', ResourceId: JSON.stringify([keys[0]]), All: 'true' })
    const after = await call('ListTagResources', { ResourceType: 'key', ResourceId: JSON.stringify(keys) })
    expect(after.TagResources.TagResource).toEqual([
      { ResourceId: keys[1], ResourceType: 'key', TagKey: 'env', TagValue: 'dev' },
      { ResourceId: keys[2], ResourceType: 'key', TagKey: 'env', TagValue: 'dev' },
    ])
  })

  it('tags secrets and pages ListTagResources by 200 rows with NextToken', async () => {
    const call = openApiCaller()
    const names: string[] = []
    for (let i = 0; i < 11; i++) {
      const secretName = unique(`tagged${i}`)
      await call('CreateSecret', { SecretName: secretName, VersionId: 'v1', SecretData: 'x' })
      names.push(secretName)
    }
    const tags = Array.from({ length: 20 }, (_, i) => ({ Key: `k${String(i).padStart(2, '0')}`, Value: 'v' }))
    await call('TagResources', { ResourceType: 'secret', ResourceId: JSON.stringify(names), Tag: JSON.stringify(tags) })
    const first = await call('ListTagResources', { ResourceType: 'secret', ResourceId: JSON.stringify(names) })
    expect(first.TagResources.TagResource).toHaveLength(200)
    expect(first.NextToken).toEqual(expect.any(String))
    const second = await call('ListTagResources', { ResourceType: 'secret', ResourceId: JSON.stringify(names), NextToken: first.NextToken })
    expect(second.TagResources.TagResource).toHaveLength(20)
    expect(second.NextToken).toBeUndefined()
    const described = await kmsClient().describeSecret(new Kms.DescribeSecretRequest({ secretName: names[10]!, fetchTags: 'true' }))
    expect(described.tags.tag).toHaveLength(20)
    // A 21st tag on a resource is over Alibaba's limit of 20.
    const over = await sdkError(
      call('TagResources', { ResourceType: 'secret', ResourceId: JSON.stringify([names[0]]), Tag: '[{"Key":"k20","Value":"v"}]' }),
    )
    expect(over.code).toBe('Rejected.LimitExceeded')
  })

  it('refuses bad batches with 4xx: 51 resources, another type, aliases, a missing resource', async () => {
    const call = openApiCaller()
    const { KeyMetadata } = await call('CreateKey', {})
    const tag = JSON.stringify([{ Key: 'k', Value: 'v' }])
    const cases: Array<[Record<string, string>, string]> = [
      [
        { ResourceType: 'key', ResourceId: JSON.stringify(Array.from({ length: 51 }, () => KeyMetadata.KeyId)), Tag: tag },
        'InvalidParameter',
      ],
      [{ ResourceType: 'instance', ResourceId: JSON.stringify([KeyMetadata.KeyId]), Tag: tag }, 'InvalidParameter'],
      [{ ResourceType: 'key', ResourceId: '["alias/anything"]', Tag: tag }, 'InvalidParameter'],
      [{ ResourceType: 'key', Tag: tag }, 'MissingParameter'],
      [{ ResourceType: 'key', ResourceId: JSON.stringify([KeyMetadata.KeyId]) }, 'MissingParameter'],
      [{ ResourceType: 'key', ResourceId: JSON.stringify([randomUUID()]), Tag: tag }, 'Forbidden.KeyNotFound'],
      [{ ResourceType: 'secret', ResourceId: JSON.stringify([unique('absent')]), Tag: tag }, 'Forbidden.ResourceNotFound'],
    ]
    for (const [params, code] of cases) {
      const err = await sdkError(call('TagResources', params))
      expect({ params, code: err.code }).toEqual({ params, code })
      expect(err.statusCode).toBeLessThan(500)
    }
  })
})

const RamClient = ((RamModule as unknown as { default?: unknown }).default ?? RamModule) as unknown as new (
  config: InstanceType<typeof $OpenApiUtil.Config>,
) => InstanceType<typeof Ram.default>

/** A RAM user of the stack's account with one custom policy; returns its ACS3 caller. */
async function userWith(statement: object) {
  const s = stackInfo()
  const admin = new RamClient(
    new $OpenApiUtil.Config({
      accessKeyId: s.accessKeyId,
      accessKeySecret: s.accessKeySecret,
      regionId: s.regionId,
      endpoint: s.endpoint.replace(/^https?:\/\//, ''),
      protocol: 'HTTP',
    }),
  )
  const userName = unique('tagger')
  const policyName = unique('tagpol')
  await admin.createUser(new Ram.CreateUserRequest({ userName }))
  await admin.createPolicy(
    new Ram.CreatePolicyRequest({ policyName, policyDocument: JSON.stringify({ Version: '1', Statement: [statement] }) }),
  )
  await admin.attachPolicyToUser(new Ram.AttachPolicyToUserRequest({ userName, policyName, policyType: 'Custom' }))
  const { body } = await admin.createAccessKey(new Ram.CreateAccessKeyRequest({ userName }))
  return openApiCaller({ secret: body!.accessKey!.accessKeySecret! }, { ...s, accessKeyId: body!.accessKey!.accessKeyId! })
}

describe('batch tag actions under random input (fast-check)', () => {
  it('answer 2xx or a well-formed 4xx, never a 5xx or an echo of a tag value', async () => {
    const call = openApiCaller()
    const keyId = (await call('CreateKey', {})).KeyMetadata.KeyId as string
    const secretName = unique('fuzz')
    await call('CreateSecret', { SecretName: secretName, VersionId: 'v1', SecretData: 'x' })
    const marker = `m4rk3r${run}`
    const word = fc.oneof(
      fc.constantFrom(
        keyId,
        secretName,
        'alias/x',
        `acs:kms:${stackInfo().regionId}:1:key/${keyId}`,
        '',
        'true',
        '0',
        '201',
        marker,
        '__proto__',
      ),
      fc.string({ unit: 'binary', maxLength: 30 }),
    )
    const json = (arb: fc.Arbitrary<unknown>) => arb.map((v) => JSON.stringify(v))
    const value = fc.oneof(
      word,
      json(fc.array(word, { maxLength: 55 })),
      json(fc.array(fc.record({ Key: word, Value: word }, { requiredKeys: [] }), { maxLength: 22 })),
      fc.json({ maxDepth: 2 }),
    )
    const name = fc.constantFrom(
      'ResourceType',
      'ResourceId',
      'ResourceId.1',
      'ResourceId.2',
      'ResourceId.x',
      'Tag',
      'Tag.1.Key',
      'Tag.1.Value',
      'Tag.2.Key',
      'Tag.0.Key',
      'TagKey',
      'TagKey.1',
      'All',
      'NextToken',
      'RegionId',
    )
    const params = fc.uniqueArray(fc.tuple(name, value), { maxLength: 6, selector: ([k]) => k })
    const withType = params.chain((list) =>
      fc
        .constantFrom('key', 'secret', 'Key', 'other')
        .map((t) => [['ResourceType', t] as [string, string], ...list.filter(([k]) => k !== 'ResourceType')]),
    )
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31)
    console.log(`batch tag fuzz seed: ${seed} (rerun with FUZZ_SEED=${seed})`)
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('TagResources', 'UntagResources', 'ListTagResources'), withType, async (action, list) => {
        const res = await acs3(action, list as Pairs)
        expect(res.status, res.text).toBeLessThan(500)
        if (res.status !== 200) {
          expectErrorShape(res)
          expect(res.text).not.toContain(marker)
        }
      }),
      { numRuns: 150, seed },
    )
  }, 120_000)
})

describe('batch tag authorisation', () => {
  it('authorises every resource of a batch as the single call: one resource denied refuses the whole call', async () => {
    const admin = openApiCaller()
    const allowed = (await admin('CreateKey', {})).KeyMetadata
    const other = (await admin('CreateKey', {})).KeyMetadata
    const call = await userWith({
      Effect: 'Allow',
      Action: ['kms:TagResource', 'kms:UntagResource', 'kms:ListResourceTags'],
      Resource: [allowed.Arn],
    })
    const tag = JSON.stringify([{ Key: 'k', Value: 'v' }])
    await call('TagResources', { ResourceType: 'key', ResourceId: JSON.stringify([allowed.KeyId]), Tag: tag })
    const denied = await sdkError(
      call('TagResources', {
        ResourceType: 'key',
        ResourceId: JSON.stringify([allowed.KeyId, other.KeyId]),
        Tag: '[{"Key":"both","Value":"v"}]',
      }),
    )
    expect({ code: denied.code, status: denied.statusCode }).toEqual({ code: 'Forbidden.NoPermission', status: 403 })
    // Refused before anything changed: the allowed key did not get the tag either.
    const rows = (await admin('ListTagResources', { ResourceType: 'key', ResourceId: JSON.stringify([allowed.KeyId, other.KeyId]) }))
      .TagResources.TagResource
    expect(rows).toEqual([{ ResourceId: allowed.KeyId, ResourceType: 'key', TagKey: 'k', TagValue: 'v' }])
    expect((await sdkError(call('ListTagResources', { ResourceType: 'key', ResourceId: JSON.stringify([other.KeyId]) }))).code).toBe(
      'Forbidden.NoPermission',
    )
    expect(
      (await sdkError(call('UntagResources', { ResourceType: 'key', ResourceId: JSON.stringify([other.KeyId]), All: 'true' }))).code,
    ).toBe('Forbidden.NoPermission')
    // A policy naming only the batch action grants nothing (the single actions are what is checked).
    const batchOnly = await userWith({ Effect: 'Allow', Action: ['kms:TagResources'], Resource: ['*'] })
    expect(
      (await sdkError(batchOnly('TagResources', { ResourceType: 'key', ResourceId: JSON.stringify([allowed.KeyId]), Tag: tag }))).code,
    ).toBe('Forbidden.NoPermission')
  })
})

describe('OpenKmsService / DescribeAccountKmsStatus', () => {
  it('answers as an enabled account, however often the service is opened', async () => {
    const call = openApiCaller()
    expect(await call('OpenKmsService', {})).toEqual({ RequestId: expect.any(String) })
    expect(await call('OpenKmsService', {})).toEqual({ RequestId: expect.any(String) })
    // kms20160120 1.2.0 has no DescribeAccountKmsStatus method; the current SDKs call it as this.
    expect(await call('DescribeAccountKmsStatus', {})).toEqual({ RequestId: expect.any(String), AccountStatus: 'Enabled' })
  })
})

/** Asserts that every dotted path (`a.b[].c`: every element of list b) is present in `body`. */
function expectFields(action: string, body: Record<string, any>, paths: string[]): void {
  const missing: string[] = []
  const walk = (value: any, parts: string[], at: string): void => {
    if (parts.length === 0) return
    const [head, ...rest] = parts as [string, ...string[]]
    const list = head.endsWith('[]')
    const name = list ? head.slice(0, -2) : head
    const next = value?.[name]
    if (next === undefined || next === null) {
      missing.push(`${at}${name}`)
      return
    }
    if (list) {
      if (!Array.isArray(next) || next.length === 0) missing.push(`${at}${name}[] (empty)`)
      else for (const item of next) walk(item, rest, `${at}${name}[].`)
    } else {
      walk(next, rest, `${at}${name}.`)
    }
  }
  for (const path of ['RequestId', ...paths]) walk(body, path.split('.'), '')
  expect({ action, missing }).toEqual({ action, missing: [] })
}

const KEY_METADATA = [
  'Arn',
  'AutomaticRotation',
  'CreationDate',
  'Creator',
  'Description',
  'KeyId',
  'KeySpec',
  'KeyState',
  'KeyUsage',
  'LastRotationDate',
  'NextRotationDate',
  'Origin',
  'PrimaryKeyVersion',
  'ProtectionLevel',
  'RotationInterval',
].map((f) => `KeyMetadata.${f}`)
const KEY_VERSION = ['CreationDate', 'KeyId', 'KeyVersionId']
const ALIASES = ['PageNumber', 'PageSize', 'TotalCount', 'Aliases.Alias[].AliasArn', 'Aliases.Alias[].AliasName', 'Aliases.Alias[].KeyId']

describe('response fields of the current SDK models, action by action', () => {
  it('returns every documented field of every action in the coverage table', async () => {
    const call = openApiCaller()
    const seen = new Set<string>()
    const check = async (action: string, params: Record<string, string>, fields: string[] = []) => {
      const body = await call(action, params)
      expectFields(action, body, fields)
      seen.add(action)
      return body
    }

    // Service
    await check('DescribeRegions', {}, ['Regions.Region[].RegionId'])
    await check('DescribeAccountKmsStatus', {}, ['AccountStatus'])
    await check('OpenKmsService', {})

    // Keys
    const created = await check(
      'CreateKey',
      { EnableAutomaticRotation: 'true', RotationInterval: '30d', Description: 'fields' },
      KEY_METADATA,
    )
    const keyId = created.KeyMetadata.KeyId as string
    await check('DescribeKey', { KeyId: keyId }, [...KEY_METADATA, 'KeyMetadata.DeletionProtection'])
    await check('ListKeys', { PageSize: '1' }, ['PageNumber', 'PageSize', 'TotalCount', 'Keys.Key[].KeyId', 'Keys.Key[].KeyArn'])
    await check('UpdateKeyDescription', { KeyId: keyId, Description: 'changed' })
    await check('SetDeletionProtection', {
      ProtectedResourceArn: created.KeyMetadata.Arn,
      EnableDeletionProtection: 'true',
      DeletionProtectionDescription: 'why',
    })
    await check('DescribeKey', { KeyId: keyId }, ['KeyMetadata.DeletionProtection', 'KeyMetadata.DeletionProtectionDescription'])
    await check('SetDeletionProtection', { ProtectedResourceArn: created.KeyMetadata.Arn, EnableDeletionProtection: 'false' })
    await check('DisableKey', { KeyId: keyId })
    await check('EnableKey', { KeyId: keyId })
    await check('UpdateRotationPolicy', { KeyId: keyId, EnableAutomaticRotation: 'true', RotationInterval: '60d' })
    await check('ListKeyVersions', { KeyId: keyId }, [
      'PageNumber',
      'PageSize',
      'TotalCount',
      ...KEY_VERSION.map((f) => `KeyVersions.KeyVersion[].${f}`),
    ])
    await check(
      'DescribeKeyVersion',
      { KeyId: keyId, KeyVersionId: created.KeyMetadata.PrimaryKeyVersion },
      KEY_VERSION.map((f) => `KeyVersion.${f}`),
    )
    const policy = await check('GetKeyPolicy', { KeyId: keyId, PolicyName: 'default' }, ['Policy'])
    await check('SetKeyPolicy', { KeyId: keyId, PolicyName: 'default', Policy: policy.Policy })

    // Aliases
    const aliasName = `alias/fields-${run}`
    await check('CreateAlias', { AliasName: aliasName, KeyId: keyId })
    await check('ListAliases', { PageSize: '100' }, ALIASES)
    await check('ListAliasesByKeyId', { KeyId: keyId }, ALIASES)
    const other = (await call('CreateKey', {})).KeyMetadata.KeyId as string
    await check('UpdateAlias', { AliasName: aliasName, KeyId: other })
    await check('DeleteAlias', { AliasName: aliasName })

    // Tags
    await check('TagResource', { KeyId: keyId, Tags: JSON.stringify([{ TagKey: 'k', TagValue: 'v' }]) })
    await check('ListResourceTags', { KeyId: keyId }, ['Tags.Tag[].KeyId', 'Tags.Tag[].TagKey', 'Tags.Tag[].TagValue'])
    await check('UntagResource', { KeyId: keyId, TagKeys: '["k"]' })
    await check('TagResources', { ResourceType: 'key', ResourceId: JSON.stringify([keyId]), Tag: '[{"Key":"b","Value":"v"}]' })
    await check('ListTagResources', { ResourceType: 'key', ResourceId: JSON.stringify([keyId]) }, [
      'TagResources.TagResource[].ResourceId',
      'TagResources.TagResource[].ResourceType',
      'TagResources.TagResource[].TagKey',
      'TagResources.TagResource[].TagValue',
    ])
    await check('UntagResources', { ResourceType: 'key', ResourceId: JSON.stringify([keyId]), TagKey: '["b"]' })

    // Symmetric crypto
    const ctx = JSON.stringify({ app: 'fields' })
    const enc = await check('Encrypt', { KeyId: keyId, Plaintext: b64('x'), EncryptionContext: ctx }, [
      'CiphertextBlob',
      'KeyId',
      'KeyVersionId',
    ])
    await check('Decrypt', { CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ctx }, ['KeyId', 'KeyVersionId', 'Plaintext'])
    const gdk = await check('GenerateDataKey', { KeyId: keyId }, ['CiphertextBlob', 'KeyId', 'KeyVersionId', 'Plaintext'])
    await check('GenerateDataKeyWithoutPlaintext', { KeyId: keyId }, ['CiphertextBlob', 'KeyId', 'KeyVersionId'])
    await check('ReEncrypt', { CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: ctx, DestinationKeyId: other }, [
      'CiphertextBlob',
      'KeyId',
      'KeyVersionId',
    ])
    const recipient = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const wrapping = {
      PublicKeyBlob: recipient.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    }
    await check('ExportDataKey', { CiphertextBlob: gdk.CiphertextBlob, ...wrapping }, ['ExportedDataKey', 'KeyId', 'KeyVersionId'])
    await check('GenerateAndExportDataKey', { KeyId: keyId, ...wrapping }, ['CiphertextBlob', 'ExportedDataKey', 'KeyId', 'KeyVersionId'])

    // Asymmetric keys
    const signer = (await call('CreateKey', { KeySpec: 'EC_P256' })).KeyMetadata
    const digest = createHash('sha256').update('fields').digest('base64')
    const sig = { KeyId: signer.KeyId, KeyVersionId: signer.PrimaryKeyVersion, Algorithm: 'ECDSA_SHA_256', Digest: digest }
    const signed = await check('AsymmetricSign', sig, ['KeyId', 'KeyVersionId', 'Value'])
    await check('AsymmetricVerify', { ...sig, Value: signed.Value }, ['KeyId', 'KeyVersionId', 'Value'])
    await check('GetPublicKey', { KeyId: signer.KeyId, KeyVersionId: signer.PrimaryKeyVersion }, ['KeyId', 'KeyVersionId', 'PublicKey'])
    const rsa = (await call('CreateKey', { KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT/DECRYPT' })).KeyMetadata
    const rsaParams = { KeyId: rsa.KeyId, KeyVersionId: rsa.PrimaryKeyVersion, Algorithm: 'RSAES_OAEP_SHA_256' }
    const aenc = await check('AsymmetricEncrypt', { ...rsaParams, Plaintext: b64('x') }, ['CiphertextBlob', 'KeyId', 'KeyVersionId'])
    await check('AsymmetricDecrypt', { ...rsaParams, CiphertextBlob: aenc.CiphertextBlob }, ['KeyId', 'KeyVersionId', 'Plaintext'])

    // BYOK
    const external = (await call('CreateKey', { Origin: 'EXTERNAL' })).KeyMetadata.KeyId as string
    const params = await check(
      'GetParametersForImport',
      { KeyId: external, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' },
      ['ImportToken', 'KeyId', 'PublicKey', 'TokenExpireTime'],
    )
    const encryptedKeyMaterial = publicEncrypt(
      {
        key: Buffer.from(params.PublicKey, 'base64'),
        format: 'der',
        type: 'spki',
        padding: constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: 'sha256',
      },
      randomBytes(32),
    ).toString('base64')
    const expireUnix = String(Math.floor(Date.now() / 1000) + 86_400)
    await check('ImportKeyMaterial', {
      KeyId: external,
      ImportToken: params.ImportToken,
      EncryptedKeyMaterial: encryptedKeyMaterial,
      KeyMaterialExpireUnix: expireUnix,
    })
    await check('DescribeKey', { KeyId: external }, ['KeyMetadata.MaterialExpireTime'])
    await check('DeleteKeyMaterial', { KeyId: external })

    // Secrets
    const secretName = unique('fields')
    await check(
      'CreateSecret',
      { SecretName: secretName, VersionId: 'v1', SecretData: 'one', Tags: JSON.stringify([{ TagKey: 't', TagValue: 'v' }]) },
      ['Arn', 'SecretName', 'SecretType', 'VersionId'],
    )
    const value = ['CreateTime', 'SecretData', 'SecretDataType', 'SecretName', 'SecretType', 'VersionId', 'VersionStages.VersionStage']
    await check('GetSecretValue', { SecretName: secretName }, value)
    await check('PutSecretValue', { SecretName: secretName, VersionId: 'v2', SecretData: 'two' }, [
      'SecretName',
      'VersionId',
      'VersionStages.VersionStage',
    ])
    await check(
      'BatchGetSecretValue',
      { SecretsList: JSON.stringify([{ SecretName: secretName }]) },
      value.map((f) => `SecretValues[].${f}`),
    )
    await check('UpdateSecretVersionStage', { SecretName: secretName, VersionStage: 'blue', MoveToVersion: 'v1' }, ['SecretName'])
    await check('ListSecretVersionIds', { SecretName: secretName }, [
      'PageNumber',
      'PageSize',
      'SecretName',
      'TotalCount',
      'VersionIds.VersionId[].CreateTime',
      'VersionIds.VersionId[].VersionId',
      'VersionIds.VersionId[].VersionStages.VersionStage',
    ])
    await check('DescribeSecret', { SecretName: secretName, FetchTags: 'true' }, [
      'Arn',
      'CreateTime',
      'Description',
      'EncryptionKeyId',
      'OwingService',
      'SecretName',
      'SecretType',
      'UpdateTime',
      'Tags.Tag[].TagKey',
      'Tags.Tag[].TagValue',
    ])
    await check(
      'ListSecrets',
      { FetchTags: 'true', PageSize: '100', Filters: JSON.stringify([{ Key: 'SecretName', Values: [secretName] }]) },
      [
        'PageNumber',
        'PageSize',
        'TotalCount',
        ...['CreateTime', 'OwingService', 'SecretName', 'SecretType', 'UpdateTime', 'Tags.Tag[].TagKey'].map(
          (f) => `SecretList.Secret[].${f}`,
        ),
      ],
    )
    await check('UpdateSecret', { SecretName: secretName, Description: 'd' }, ['SecretName'])
    const secretPolicy = await check('GetSecretPolicy', { SecretName: secretName, PolicyName: 'default' }, ['Policy'])
    await check('SetSecretPolicy', { SecretName: secretName, PolicyName: 'default', Policy: secretPolicy.Policy })
    await check('GetRandomPassword', {}, ['RandomPassword'])
    await check('DeleteSecret', { SecretName: secretName }, ['PlannedDeleteTime', 'SecretName'])
    await check('DescribeSecret', { SecretName: secretName }, ['PlannedDeleteTime'])
    await check('RestoreSecret', { SecretName: secretName }, ['SecretName'])

    // Key deletion last (the key is then unusable).
    await check('ScheduleKeyDeletion', { KeyId: other, PendingWindowInDays: '7' })
    await check('DescribeKey', { KeyId: other }, ['KeyMetadata.DeleteDate'])
    await check('CancelKeyDeletion', { KeyId: other })

    // Every KMS action the README lists went through this walk, except those that need a
    // resource this walk does not make, each checked field by field in its own file:
    // GenerateMac/VerifyMac (HMAC keys: hmac.test.ts); CreateKeyVersion, which a fresh key cannot
    // call for 7 days (it answers the KeyVersion shape of DescribeKeyVersion, checked above);
    // RotateSecret/UpdateSecretRotationPolicy (managed secrets: managed-secrets.test.ts); the
    // instance actions (instances.test.ts) and the external key stores (external-keys.test.ts).
    const { KMS_ACTIONS } = await import('../../functions/alibaba/registry')
    const skipped = new Set([
      'GenerateMac',
      'VerifyMac',
      'CreateKeyVersion',
      'RotateSecret',
      'UpdateSecretRotationPolicy',
      'ListKmsInstances',
      'GetKmsInstance',
      'GetKmsInstanceQuotaInfos',
      'CreateExternalKeyStore',
      'DescribeExternalKeyStore',
      'ConnectExternalKeyStore',
      'DisconnectExternalKeyStore',
    ])
    expect([...KMS_ACTIONS.keys()].filter((a) => !seen.has(a) && !skipped.has(a))).toEqual([])
  })
})
