/**
 * The secrets manager end to end through the official SDKs against the real local stack:
 * kms20160120 1.2.0 for every secrets method it has, openapi-client (ACS3) for
 * BatchGetSecretValue, ListResourceTags by SecretName and ListSecrets filters. The table is
 * inspected and tampered with through @aws-sdk/client-dynamodb; the scheduled job runs in-process
 * against the stack's DynamoDB with a fake `now`.
 */
import { randomUUID } from 'node:crypto'
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb'
import { SECRET_HEAD_CACHE_MS } from '../../core/store/cached-secrets'
import OpenApiModule, * as OpenApi from '@alicloud/openapi-client'
import * as TeaUtil from '@alicloud/tea-util'
import { beforeAll, describe, expect, it } from 'vitest'
import { runSecretsJob } from '../../core/domain/secrets/purge-job'
import { ORPHAN_GRACE_MS } from '../../core/domain/secrets/model'
import { createStore, type Store } from '../../core/store'
import { runCronOnce } from '../../scripts/lib/cron'
import { b64, Kms, kmsClient, openApiCaller, sdkError, stackInfo } from './clients'

const DAY = 86_400_000
const NO_KEY = '5f0c1e0b-0000-4000-8000-000000000000'
const NOT_FOUND = 'Forbidden.ResourceNotFound'
const run = randomUUID().slice(0, 8)
const unique = (base: string) => `${base}-${run}`

let store: Store
let ddb: DynamoDBClient

beforeAll(() => {
  const stack = stackInfo()
  ddb = new DynamoDBClient({
    endpoint: stack.dynamoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  store = createStore(ddb, stack.tableName)
})

const pk = (name: string) => `SECRET#${stackInfo().accountId}#${stackInfo().regionId}#${name}`

async function rawItem(name: string, sk: string) {
  const key = { pk: { S: pk(name) }, sk: { S: sk } }
  const TableName = stackInfo().tableName
  const res = await ddb.send(new GetItemCommand({ TableName, Key: key, ConsistentRead: true }))
  return res.Item
}

async function versionItems(name: string): Promise<string[]> {
  const { Items = [] } = await ddb.send(
    new QueryCommand({
      TableName: stackInfo().tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
      ExpressionAttributeValues: { ':pk': { S: pk(name) }, ':v': { S: 'VERSION#' } },
      ConsistentRead: true,
    }),
  )
  return Items.map((i) => i.sk!.S!.slice('VERSION#'.length)).sort()
}

/** kms20160120 1.x reports the HTTP status only inside the message ("code: 409, …"). */
async function failure(p: Promise<unknown>) {
  const err = await sdkError(p)
  return { ...err, statusCode: err.statusCode ?? Number(/code: (\d{3})/.exec(err.message)?.[1]) }
}

function create(name: string, data = 'value', extra: Record<string, string> = {}) {
  const request = { secretName: name, versionId: 'v1', secretData: data, ...extra }
  return kmsClient().createSecret(new Kms.CreateSecretRequest(request))
}

/** Concurrent writers serialise on the head, so the last of 50 can take longer than 3 s. */
const PATIENT = new TeaUtil.RuntimeOptions({ readTimeout: 60_000, connectTimeout: 10_000 })

function put(name: string, versionId: string, data: string, extra: Record<string, string> = {}) {
  const request = { secretName: name, versionId, secretData: data, ...extra }
  return kmsClient().putSecretValueEx(new Kms.PutSecretValueRequest(request), PATIENT)
}

function get(name: string, opts: { versionId?: string; versionStage?: string } = {}) {
  return kmsClient().getSecretValue(new Kms.GetSecretValueRequest({ secretName: name, ...opts }))
}

function describeSecret(name: string, fetchTags?: 'true') {
  return kmsClient().describeSecret(new Kms.DescribeSecretRequest({ secretName: name, fetchTags }))
}

type Move = { moveToVersion?: string; removeFromVersion?: string }

function moveStage(name: string, versionStage: string, move: Move) {
  const request = { secretName: name, versionStage, ...move }
  return kmsClient().updateSecretVersionStage(new Kms.UpdateSecretVersionStageRequest(request))
}

type Deletion = { recoveryWindowInDays?: string; forceDeleteWithoutRecovery?: string }

function deleteSecret(name: string, opts: Deletion) {
  return kmsClient().deleteSecret(new Kms.DeleteSecretRequest({ secretName: name, ...opts }))
}

async function versions(name: string) {
  const res = await kmsClient().listSecretVersionIds(
    new Kms.ListSecretVersionIdsRequest({ secretName: name, includeDeprecated: 'true', pageSize: 100 }),
  )
  return res.versionIds.versionId.map((v) => ({ id: v.versionId, stages: v.versionStages.versionStage }))
}

type OpenApiConfig = InstanceType<typeof OpenApi.Config>
type OpenApiConstructor = new (config: OpenApiConfig) => InstanceType<typeof OpenApi.default>
const OpenApiClient = ((OpenApiModule as unknown as { default?: unknown }).default ?? OpenApiModule) as unknown as OpenApiConstructor

/** The RAM-compatible API (2015-05-01) of the same endpoint, signed ACS3 as the admin. */
function ramCaller() {
  const stack = stackInfo()
  const client = new OpenApiClient(
    new OpenApi.Config({
      accessKeyId: stack.accessKeyId,
      accessKeySecret: stack.accessKeySecret,
      regionId: stack.regionId,
      endpoint: stack.endpoint.replace(/^https?:\/\//, ''),
      protocol: 'HTTP',
    }),
  )
  return async (action: string, query: Record<string, string>) => {
    const params = new OpenApi.Params({
      action,
      version: '2015-05-01',
      protocol: 'HTTP',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    })
    const request = new OpenApi.OpenApiRequest({ query })
    const res = await client.callApi(params, request, new TeaUtil.RuntimeOptions({}))
    return res.body as Record<string, any>
  }
}

describe('seed scenario: MyApp reads MyDbCreds', () => {
  it('the administrator creates a generic secret and the application reads it', async () => {
    const name = unique('MyDbCreds')
    const creds = { username: 'mydb_app', password: `pw-${randomUUID()}` }
    const admin = kmsClient()
    const created = await admin.createSecret(
      new Kms.CreateSecretRequest({
        secretName: name,
        versionId: 'v1',
        secretData: JSON.stringify(creds),
        secretDataType: 'text',
        description: 'database credentials of MyApp',
        tags: JSON.stringify([{ TagKey: 'app', TagValue: 'MyApp' }]),
      }),
    )
    expect(created.secretName).toBe(name)
    expect(created.versionId).toBe('v1')
    const { regionId, accountId } = stackInfo()
    expect(created.arn).toBe(`acs:kms:${regionId}:${accountId}:secret/${name}`)

    // The administrator gives the application read access to this one secret, as RAM would.
    const ram = ramCaller()
    const userName = unique('MyApp')
    await ram('CreateUser', { UserName: userName })
    const { AccessKey } = await ram('CreateAccessKey', { UserName: userName })
    const policyName = unique('MyAppReadsDbCreds')
    const statement = { Effect: 'Allow', Action: ['kms:GetSecretValue'], Resource: [created.arn] }
    const PolicyDocument = JSON.stringify({ Version: '1', Statement: [statement] })
    await ram('CreatePolicy', { PolicyName: policyName, PolicyDocument })
    await ram('AttachPolicyToUser', { UserName: userName, PolicyName: policyName, PolicyType: 'Custom' })
    const myApp = kmsClient(stackInfo(), AccessKey.AccessKeySecret, AccessKey.AccessKeyId)

    const got = await myApp.getSecretValue(new Kms.GetSecretValueRequest({ secretName: name }))
    expect(JSON.parse(got.secretData)).toEqual(creds)
    expect(got.secretDataType).toBe('text')
    expect(got.versionId).toBe('v1')
    expect(got.versionStages.versionStage).toEqual(['ACSCurrent'])
    expect(Date.parse(got.createTime)).toBeGreaterThan(Date.now() - 120_000)
    // By ARN as well, and the stored item never holds the password in clear.
    const byArn = await myApp.getSecretValue(new Kms.GetSecretValueRequest({ secretName: created.arn }))
    expect(byArn.secretData).toBe(got.secretData)
    expect(JSON.stringify(await rawItem(name, 'VERSION#v1'))).not.toContain(creds.password)
    // Nothing more: MyApp can neither write this secret nor read another one.
    const newVersion = { secretName: name, versionId: 'v2', secretData: 'x' }
    const write = myApp.putSecretValue(new Kms.PutSecretValueRequest(newVersion))
    expect((await sdkError(write)).code).toBe('Forbidden.NoPermission')
    const other = unique('NotForMyApp')
    await create(other)
    const otherRead = myApp.getSecretValue(new Kms.GetSecretValueRequest({ secretName: other }))
    expect((await sdkError(otherRead)).code).toBe('Forbidden.NoPermission')
  })
})

describe('every secrets action through the official SDKs', () => {
  it('runs the kms20160120 1.2.0 secrets methods', async () => {
    const client = kmsClient()
    const name = unique('sdk')
    const envTag = JSON.stringify([{ TagKey: 'env', TagValue: 'dev' }])
    await create(name, 'one', { description: 'first', tags: envTag })

    const described = await describeSecret(name, 'true')
    expect(described.secretName).toBe(name)
    expect(described.description).toBe('first')
    expect(described.encryptionKeyId).toMatch(/^[0-9a-f-]{36}$/)
    expect(described.tags.tag).toEqual([expect.objectContaining({ tagKey: 'env', tagValue: 'dev' })])
    expect(described.plannedDeleteTime).toBeUndefined()

    expect((await put(name, 'v2', 'two')).versionStages.versionStage).toEqual(['ACSCurrent'])
    expect((await get(name)).secretData).toBe('two')
    expect((await get(name, { versionStage: 'ACSPrevious' })).secretData).toBe('one')
    const binary = b64('\u0000\u00ff')
    const bin = await put(name, 'v3', binary, { secretDataType: 'binary', versionStages: '["blue"]' })
    expect(bin.versionStages.versionStage).toEqual(['blue'])
    const blue = await get(name, { versionStage: 'blue' })
    expect(blue.secretDataType).toBe('binary')
    expect(blue.secretData).toBe(binary)

    await moveStage(name, 'ACSCurrent', { moveToVersion: 'v1', removeFromVersion: 'v2' })
    expect((await get(name)).secretData).toBe('one')
    expect(await versions(name)).toEqual([
      { id: 'v3', stages: ['blue'] },
      { id: 'v2', stages: ['ACSPrevious'] },
      { id: 'v1', stages: ['ACSCurrent'] },
    ])
    await moveStage(name, 'blue', { removeFromVersion: 'v3' })
    const labelled = await client.listSecretVersionIds(new Kms.ListSecretVersionIdsRequest({ secretName: name }))
    expect(labelled.totalCount).toBe(2)
    expect(labelled.versionIds.versionId.map((v) => v.versionId)).toEqual(['v2', 'v1'])

    await client.updateSecret(new Kms.UpdateSecretRequest({ secretName: name, description: 'second' }))
    const tags = JSON.stringify([{ TagKey: 'team', TagValue: 'a' }])
    await client.tagResource(new Kms.TagResourceRequest({ secretName: name, tags }))
    await client.untagResource(new Kms.UntagResourceRequest({ secretName: name, tagKeys: '["env"]' }))
    const after = await describeSecret(name, 'true')
    expect(after.description).toBe('second')
    expect(after.tags.tag.map((t) => [t.tagKey, t.tagValue])).toEqual([['team', 'a']])
    expect(Date.parse(after.updateTime)).toBeGreaterThanOrEqual(Date.parse(after.createTime))

    const listed = await client.listSecrets(new Kms.ListSecretsRequest({ fetchTags: 'true', pageSize: 100 }))
    expect(listed.totalCount).toBeGreaterThanOrEqual(1)
    expect(listed.pageNumber).toBe(1)
    expect(listed.pageSize).toBe(100)
    const mine = listed.secretList.secret.find((s) => s.secretName === name)
    expect(mine?.tags.tag).toEqual([expect.objectContaining({ tagKey: 'team', tagValue: 'a' })])

    const pw = await client.getRandomPassword(
      new Kms.GetRandomPasswordRequest({
        passwordLength: '20',
        excludePunctuation: 'true',
        requireEachIncludedType: 'true',
      }),
    )
    expect(pw.randomPassword).toMatch(/^[A-Za-z0-9]{20}$/)
    expect(pw.randomPassword).toMatch(/[a-z]/)
    expect(pw.randomPassword).toMatch(/[A-Z]/)
    expect(pw.randomPassword).toMatch(/[0-9]/)

    const deleted = await deleteSecret(name, { recoveryWindowInDays: '7' })
    expect(Date.parse(deleted.plannedDeleteTime) - Date.now()).toBeGreaterThan(6.9 * DAY)
    expect((await describeSecret(name)).plannedDeleteTime).toBe(deleted.plannedDeleteTime)
    expect((await sdkError(get(name))).code).toBe('Rejected.IncorrectSecretStatus')
    const restored = await client.restoreSecret(new Kms.RestoreSecretRequest({ secretName: name }))
    expect(restored.secretName).toBe(name)
    expect((await get(name)).secretData).toBe('one')

    const forced = await deleteSecret(name, { forceDeleteWithoutRecovery: 'true' })
    expect(forced.secretName).toBe(name)
    expect((await sdkError(describeSecret(name))).code).toBe(NOT_FOUND)
    expect(await versionItems(name)).toEqual([])
    await create(name, 'reborn')
    expect((await get(name)).secretData).toBe('reborn')
  })

  it('answers BatchGetSecretValue, ListResourceTags and filtered ListSecrets over ACS3', async () => {
    const call = openApiCaller()
    const names = [unique('batch-a'), unique('batch-b')]
    const tags = JSON.stringify([{ TagKey: 'batch', TagValue: run }])
    for (const n of names) {
      await call('CreateSecret', { SecretName: n, VersionId: 'v1', SecretData: `data of ${n}`, Tags: tags })
    }
    const missing = unique('missing')
    const batch = await call('BatchGetSecretValue', {
      SecretsList: JSON.stringify([
        { SecretName: names[0] },
        { SecretName: names[1], VersionStage: 'ACSCurrent' },
        { SecretName: missing },
      ]),
    })
    type Value = { SecretName: string; SecretData: string }
    const values = batch.SecretValues.map((v: Value) => [v.SecretName, v.SecretData])
    expect(values).toEqual(names.map((n) => [n, `data of ${n}`]))
    expect(batch.SecretValues[0].VersionStages.VersionStage).toEqual(['ACSCurrent'])
    expect(batch.Errors).toEqual([
      {
        SecretName: missing,
        Code: NOT_FOUND,
        HttpStatus: 404,
        Message: 'The specified secret is not found.',
      },
    ])
    expect((await sdkError(call('BatchGetSecretValue', { SecretsList: '[]' }))).code).toBe('InvalidParameter')

    const listedTags = await call('ListResourceTags', { SecretName: names[0]! })
    expect(listedTags.Tags.Tag).toEqual([{ TagKey: 'batch', TagValue: run }])

    const seen: string[] = []
    const filters = JSON.stringify([
      { Key: 'TagValue', Values: [run] },
      { Key: 'TagKey', Values: ['batch'] },
    ])
    for (let page = 1; page <= 3; page++) {
      const res = await call('ListSecrets', { Filters: filters, PageSize: '1', PageNumber: String(page) })
      expect(res.TotalCount).toBe(2)
      seen.push(...res.SecretList.Secret.map((s: { SecretName: string }) => s.SecretName))
    }
    expect(seen).toEqual([...names].sort())
    const colour = JSON.stringify([{ Key: 'Colour', Values: ['x'] }])
    expect((await sdkError(call('ListSecrets', { Filters: colour }))).code).toBe('InvalidParameter')
    const dry = await sdkError(call('GetSecretValue', { SecretName: names[0]!, DryRun: 'true' }))
    expect([dry.data?.Code, dry.statusCode]).toEqual(['DryRunOperationError', 412])
  })
})

describe('labels and tags that look like object properties', () => {
  it('stores and reads __proto__ and constructor as plain labels and tags', async () => {
    const name = unique('proto')
    await create(name, 'one')
    await put(name, 'v2', 'two')
    expect((await sdkError(get(name, { versionStage: 'constructor' }))).code).toBe(NOT_FOUND)
    await moveStage(name, '__proto__', { moveToVersion: 'v1' })
    await moveStage(name, 'constructor', { moveToVersion: 'v1' })
    expect((await get(name, { versionStage: '__proto__' })).secretData).toBe('one')
    expect((await get(name, { versionStage: 'constructor' })).secretData).toBe('one')
    const tags = JSON.stringify([
      { TagKey: '__proto__', TagValue: 'a' },
      { TagKey: 'constructor', TagValue: 'b' },
    ])
    await kmsClient().tagResource(new Kms.TagResourceRequest({ secretName: name, tags }))
    const described = await describeSecret(name, 'true')
    expect(described.tags.tag.map((t) => [t.tagKey, t.tagValue])).toEqual([
      ['__proto__', 'a'],
      ['constructor', 'b'],
    ])
  })
})

describe('versions and labels under concurrency', () => {
  it('keeps one ACSCurrent and loses no version under 50 concurrent PutSecretValue calls', async () => {
    const name = unique('race')
    await create(name, 'v1')
    const ids = Array.from({ length: 50 }, (_, i) => `w${String(i).padStart(2, '0')}`)
    const results = await Promise.allSettled(ids.map((id) => put(name, id, `data-${id}`)))
    const rejected = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []))
    expect(rejected).toEqual([])
    const list = await versions(name)
    expect(list).toHaveLength(10)
    expect(list.filter((v) => v.stages.includes('ACSCurrent'))).toHaveLength(1)
    expect(list.filter((v) => v.stages.includes('ACSPrevious'))).toHaveLength(1)
    // Newest first: the current version is the last committed, ACSPrevious the one before it.
    expect(list[0]!.stages).toEqual(['ACSCurrent'])
    expect(list[1]!.stages).toEqual(['ACSPrevious'])
    expect(list.slice(2).every((v) => v.stages.length === 0)).toBe(true)
    const current = await get(name)
    expect(current.secretData).toBe(`data-${current.versionId}`)
    // Every acknowledged version is either kept or was evicted as one of the oldest.
    const kept = new Set(list.map((v) => v.id))
    for (const id of ids.filter((i) => !kept.has(i))) {
      expect((await sdkError(get(name, { versionId: id }))).code).toBe(NOT_FOUND)
    }
    for (const v of list) expect((await get(name, { versionId: v.id })).secretData).toBe(`data-${v.id}`)
  })

  it('gives 10 concurrent retries of one VersionId one version, and rejects other data', async () => {
    const name = unique('idem')
    await create(name)
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => put(name, 'v2', 'same')))
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10)
    expect(await versions(name)).toEqual([
      { id: 'v2', stages: ['ACSCurrent'] },
      { id: 'v1', stages: ['ACSPrevious'] },
    ])
    const conflict = await failure(put(name, 'v2', `other-${run}`))
    expect(conflict.code).toBe('Rejected.ResourceExist')
    expect(conflict.statusCode).toBe(400)
    expect(conflict.message).not.toContain(`other-${run}`)
  })

  it('keeps 10 of 12 versions, evicts the earliest (labels and all); the sweep removes them later', async () => {
    const name = unique('twelve')
    await create(name, 'd1')
    await moveStage(name, 'pinned', { moveToVersion: 'v1' })
    for (let i = 2; i <= 12; i++) await put(name, `v${i}`, `d${i}`)
    const list = await versions(name)
    expect(list.map((v) => v.id)).toEqual(['v12', 'v11', 'v10', 'v9', 'v8', 'v7', 'v6', 'v5', 'v4', 'v3'])
    expect((await sdkError(get(name, { versionId: 'v2' }))).code).toBe(NOT_FOUND)
    // Alibaba: "KMS deletes the earliest version", so a custom label does not keep one.
    expect((await sdkError(get(name, { versionStage: 'pinned' }))).code).toBe(NOT_FOUND)
    // Evicted items stay (invisible) until they are older than the grace period.
    expect(await versionItems(name)).toHaveLength(12)
    await runSecretsJob({ secrets: store.secrets }, Date.now(), 500)
    expect(await versionItems(name)).toHaveLength(12)
    await runSecretsJob({ secrets: store.secrets }, Date.now() + ORPHAN_GRACE_MS + 60_000, 500)
    const left = ['v10', 'v11', 'v12', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9']
    expect(await versionItems(name)).toEqual(left)
    expect((await get(name)).secretData).toBe('d12')
  })
})

describe('encryption binding', () => {
  it('refuses a version item copied in the table to another secret', async () => {
    const a = unique('tamper-a')
    const b = unique('tamper-b')
    await create(a, 'secret of a')
    await create(b, 'secret of b')
    const TableName = stackInfo().tableName
    const item = (await rawItem(a, 'VERSION#v1'))!
    // Copied as is onto b's current version, then with its attributes rewritten to b's.
    await ddb.send(new PutItemCommand({ TableName, Item: { ...item, pk: { S: pk(b) } } }))
    const copied = await failure(get(b))
    expect([copied.code, copied.statusCode]).toEqual(['InternalFailure', 500])
    const relabelledItem = { ...item, pk: { S: pk(b) }, secretName: { S: b } }
    await ddb.send(new PutItemCommand({ TableName, Item: relabelledItem }))
    const relabelled = await failure(get(b))
    expect([relabelled.code, relabelled.statusCode]).toEqual(['InternalFailure', 500])
    expect(relabelled.message).not.toContain('secret of')
    expect((await get(a)).secretData).toBe('secret of a')
  })

  it('blocks reads and writes while the secret’s CMK is disabled', async () => {
    const client = kmsClient()
    const { keyMetadata } = await client.createKey(new Kms.CreateKeyRequest({ description: 'secrets cmk' }))
    const name = unique('cmk')
    await create(name, 'under my key', { encryptionKeyId: keyMetadata.keyId })
    expect((await describeSecret(name)).encryptionKeyId).toBe(keyMetadata.keyId)
    await client.disableKey(new Kms.DisableKeyRequest({ keyId: keyMetadata.keyId }))
    const read = await failure(get(name))
    expect([read.code, read.statusCode]).toEqual(['Rejected.Disabled', 409])
    expect((await failure(put(name, 'v2', 'x'))).code).toBe('Rejected.Disabled')
    await client.enableKey(new Kms.EnableKeyRequest({ keyId: keyMetadata.keyId }))
    expect((await get(name)).secretData).toBe('under my key')
  })
})

describe('default and service keys', () => {
  it('creates the secrets service key and the default CMK on first use, with their types', async () => {
    const call = openApiCaller()
    const refused = async (action: string, params: Record<string, string>) => {
      const err = await sdkError(call(action, params))
      return [err.code, err.statusCode]
    }
    const name = unique('svc')
    await create(name)
    const { EncryptionKeyId } = await call('DescribeSecret', { SecretName: name })
    const svc = (await call('DescribeKey', { KeyId: EncryptionKeyId })).KeyMetadata
    expect(svc.CreatorType).toBe('Service')
    expect(svc.KeyState).toBe('Enabled')
    const def = (await call('DescribeKey', { KeyId: 'alias/acs/kms' })).KeyMetadata
    expect(def.CreatorType).toBe('Default')
    const managed = JSON.stringify([{ Key: 'CreatorType', Values: ['Service', 'Default'] }])
    const listed = await call('ListKeys', { Filters: managed, PageSize: '100' })
    const listedIds = listed.Keys.Key.map((k: { KeyId: string }) => k.KeyId).sort()
    expect(listedIds).toEqual([svc.KeyId, def.KeyId].sort())

    const forbidden = ['Forbidden.ServiceManagedKey', 403]
    expect(await refused('Encrypt', { KeyId: svc.KeyId, Plaintext: b64('x') })).toEqual(forbidden)
    expect(await refused('DisableKey', { KeyId: svc.KeyId })).toEqual(forbidden)
    const deletion = (KeyId: string) => ({ KeyId, PendingWindowInDays: '7' })
    expect(await refused('ScheduleKeyDeletion', deletion(svc.KeyId))).toEqual(forbidden)
    const onService = { SecretName: unique('svc2'), VersionId: 'v1', SecretData: 'x' }
    expect(await refused('CreateSecret', { ...onService, EncryptionKeyId: svc.KeyId })).toEqual(forbidden)

    const enc = await call('Encrypt', { KeyId: 'alias/acs/kms', Plaintext: b64('default key data') })
    expect(enc.KeyId).toBe(def.KeyId)
    expect(await refused('DisableKey', { KeyId: def.KeyId })).toEqual(forbidden)
    expect(await refused('ScheduleKeyDeletion', deletion(def.KeyId))).toEqual(forbidden)
    const viaDefault = unique('via-default')
    const secret = { SecretName: viaDefault, VersionId: 'v1', SecretData: 'x' }
    await call('CreateSecret', { ...secret, EncryptionKeyId: 'alias/acs/kms' })
    expect((await call('DescribeSecret', { SecretName: viaDefault })).EncryptionKeyId).toBe(def.KeyId)
  })
})

describe('bad input: 4xx, nothing written', () => {
  it('refuses malformed names, sizes, encodings, labels and keys', async () => {
    const call = openApiCaller()
    const base = unique('bad')
    await call('CreateSecret', { SecretName: base, VersionId: 'v1', SecretData: 'ok' })
    const marker = `MARKER${run}`
    const otherAccountKey = `acs:kms:${stackInfo().regionId}:1:key/${NO_KEY}`
    const otherAccountSecret = `acs:kms:${stackInfo().regionId}:1:secret/${base}`
    const newSecret = (n: number, extra: Record<string, string>) => ({
      SecretName: `${base}-${n}`,
      VersionId: 'v1',
      SecretData: marker,
      ...extra,
    })
    const invalid = ['InvalidParameter', 400] as const
    const newVersion = { SecretName: base, VersionId: 'v2', SecretData: marker }
    const stage = (VersionStage: string) => ({ SecretName: base, VersionStage })
    const cases: Array<[string, Record<string, string>, readonly [string, number]]> = [
      ['CreateSecret', { SecretName: 'a#b', VersionId: 'v1', SecretData: marker }, invalid],
      ['CreateSecret', { SecretName: 'acs/reserved', VersionId: 'v1', SecretData: marker }, invalid],
      ['CreateSecret', { SecretName: 'x'.repeat(193), VersionId: 'v1', SecretData: marker }, invalid],
      ['CreateSecret', { SecretName: 'a\r\nINJECT', VersionId: 'v1', SecretData: marker }, invalid],
      ['CreateSecret', { SecretName: 'a/../b', VersionId: 'v1', SecretData: marker }, invalid],
      ['CreateSecret', newSecret(1, { VersionId: 'v'.repeat(65) }), invalid],
      ['CreateSecret', newSecret(2, { SecretData: 'x'.repeat(30_721) }), invalid],
      ['CreateSecret', newSecret(3, { SecretData: `${marker}!!`, SecretDataType: 'binary' }), invalid],
      ['CreateSecret', newSecret(4, { SecretData: 'AAEC AwQ=', SecretDataType: 'binary' }), invalid],
      ['CreateSecret', newSecret(5, { SecretType: 'Rds' }), invalid],
      ['CreateSecret', newSecret(6, { EncryptionKeyId: otherAccountKey }), ['Forbidden.NoPermission', 403]],
      ['CreateSecret', newSecret(7, { EncryptionKeyId: NO_KEY }), ['Forbidden.KeyNotFound', 404]],
      ['CreateSecret', { ...newVersion, VersionId: 'v1' }, ['Rejected.ResourceExist', 400]],
      ['GetSecretValue', { SecretName: unique('nope') }, [NOT_FOUND, 404]],
      ['GetSecretValue', { SecretName: base, VersionId: 'v9' }, [NOT_FOUND, 404]],
      ['GetSecretValue', { SecretName: base, VersionStage: 'nolabel' }, [NOT_FOUND, 404]],
      ['GetSecretValue', { SecretName: otherAccountSecret }, ['Forbidden.NoPermission', 403]],
      ['PutSecretValue', { SecretName: base, VersionId: 'v2', SecretData: 'x'.repeat(30_721) }, invalid],
      ['PutSecretValue', { ...newVersion, VersionStages: '["ACSPending"]' }, invalid],
      ['PutSecretValue', { ...newVersion, SecretName: unique('nope') }, [NOT_FOUND, 404]],
      ['UpdateSecretVersionStage', { ...stage('blue'), MoveToVersion: 'v9' }, [NOT_FOUND, 404]],
      ['UpdateSecretVersionStage', { ...stage('ACSCurrent'), RemoveFromVersion: 'v1' }, invalid],
      ['DeleteSecret', { SecretName: base, RecoveryWindowInDays: '6' }, invalid],
      ['DeleteSecret', { SecretName: base, RecoveryWindowInDays: '31' }, invalid],
      ['RestoreSecret', { SecretName: base }, ['Rejected.IncorrectSecretStatus', 409]],
      ['GetRandomPassword', { PasswordLength: '7' }, invalid],
      ['TagResource', { SecretName: base, KeyId: NO_KEY, Tags: '[]' }, invalid],
    ]
    for (const [action, params, [code, status]] of cases) {
      const err = await sdkError(call(action, params))
      const label = `${action} ${JSON.stringify(params).slice(0, 80)}`
      expect([err.code, err.statusCode], label).toEqual([code, status])
      expect(err.message).not.toContain(marker)
    }
    // A ninth label.
    for (let i = 0; i < 7; i++) {
      await call('UpdateSecretVersionStage', { ...stage(`l${i}`), MoveToVersion: 'v1' })
    }
    const ninth = await sdkError(call('UpdateSecretVersionStage', { ...stage('ninth'), MoveToVersion: 'v1' }))
    expect([ninth.code, ninth.statusCode]).toEqual(['Rejected.LimitExceeded', 400])
    const ninthPut = await sdkError(call('PutSecretValue', { ...newVersion, VersionStages: '["ninth"]' }))
    expect(ninthPut.code).toBe('Rejected.LimitExceeded')
    // Nothing was written by any refused call.
    for (let i = 1; i <= 7; i++) {
      expect((await sdkError(call('DescribeSecret', { SecretName: `${base}-${i}` }))).code).toBe(NOT_FOUND)
    }
    expect(await versionItems(base)).toEqual(['v1'])
    expect((await call('GetSecretValue', { SecretName: base })).SecretData).toBe('ok')
  })

  it('refuses a key of the wrong type', async () => {
    const keyId = randomUUID()
    const { accountId, regionId } = stackInfo()
    await store.keys.create({
      keyId,
      accountId,
      region: regionId,
      instanceId: 'shared',
      keySpec: 'RSA_2048',
      keyUsage: 'SIGN/VERIFY',
      origin: 'Aliyun_KMS',
      protectionLevel: 'SOFTWARE',
      creatorType: 'User',
      keyState: 'Enabled',
      description: 'asymmetric',
      creator: accountId,
      createdAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      deletionProtection: false,
      primaryVersionId: randomUUID(),
      versions: [],
      automaticRotation: false,
      tags: {},
      rev: 1,
    })
    const name = unique('rsa')
    try {
      const err = await failure(create(name, 'x', { encryptionKeyId: keyId }))
      expect([err.code, err.statusCode]).toEqual(['Rejected.UnsupportedKeyUsage', 400])
      expect((await sdkError(describeSecret(name))).code).toBe(NOT_FOUND)
      expect(await versionItems(name)).toEqual([])
    } finally {
      // Leave a tombstone so the shared stack's other tests never list this hand-made key.
      const key = (await store.keys.get(keyId))!
      await store.keys.replace({ ...key, keyState: 'Deleted', rev: key.rev + 1 }, key.rev)
    }
  })
})

describe('recovery window and the scheduled job', () => {
  it('restores within the window and purges for good only after it', async () => {
    const client = kmsClient()
    const name = unique('window')
    await create(name, 'keep me')
    await deleteSecret(name, { recoveryWindowInDays: '7' })
    await client.restoreSecret(new Kms.RestoreSecretRequest({ secretName: name }))
    expect((await get(name)).secretData).toBe('keep me')
    const { plannedDeleteTime } = await deleteSecret(name, { recoveryWindowInDays: '7' })
    const end = Date.parse(plannedDeleteTime)
    const jobs = { secrets: store.secrets }

    const early = await runSecretsJob(jobs, end - 1000, 500)
    expect(early.failed).toBe(0)
    expect((await describeSecret(name)).plannedDeleteTime).toBe(plannedDeleteTime)
    expect(await versionItems(name)).toEqual(['v1'])

    const after = end + 1000
    const [a, b] = await Promise.all([runSecretsJob(jobs, after, 500), runSecretsJob(jobs, after, 500)])
    expect(a.failed + b.failed).toBe(0)
    expect(a.processed + b.processed).toBeGreaterThanOrEqual(1)
    // The job ran here, outside the Worker (another isolate, as on another machine): the Worker's
    // head cache sees the purge within its bound (core/store/cached-secrets.ts), not at once.
    const deadline = Date.now() + SECRET_HEAD_CACHE_MS + 2_000
    for (;;) {
      const gone = await describeSecret(name).then(
        () => false,
        () => true,
      )
      if (gone || Date.now() > deadline) break
      await new Promise((r) => setTimeout(r, 100))
    }
    expect((await sdkError(describeSecret(name))).code).toBe(NOT_FOUND)
    const restore = client.restoreSecret(new Kms.RestoreSecretRequest({ secretName: name }))
    expect((await sdkError(restore)).code).toBe(NOT_FOUND)
    expect(await versionItems(name)).toEqual([])
    expect(await rawItem(name, 'META')).toBeUndefined()
  })

  it('is wired into the Worker’s scheduled jobs', async () => {
    const { reports } = await runCronOnce(stackInfo().endpoint, stackInfo().dataDir)
    expect(reports.find((r) => r.job === 'secrets.purge')).toMatchObject({ failed: 0 })
  })
})
