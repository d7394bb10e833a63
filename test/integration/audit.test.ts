/**
 * The audit trail end to end: one event per call over a mixed fuzz run (allowed, denied, failed,
 * failed authentication), no secret value or plaintext anywhere in the table, sealing and
 * `npm run audit:verify` (which must find an edited, removed or reordered record at its
 * position), ActionTrail `LookupEvents` with filters and tenant-bound tokens, and
 * `npm run audit:export`.
 */
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { AttributeValue, DeleteItemCommand, DynamoDBClient, PutItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb'
import RamModule, * as Ram from '@alicloud/ram20150501'
import { $OpenApiUtil } from '@alicloud/openapi-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from '../../scripts/lib/stack'
import { b64, Kms, kmsClient, openApiCaller, stackInfo } from './clients'
import { trailAccountOf } from '../../core/domain/audit/model'

const run = promisify(execFile)

const RamClient = ((RamModule as unknown as { default?: unknown }).default ?? RamModule) as unknown as new (
  config: InstanceType<typeof $OpenApiUtil.Config>,
) => InstanceType<typeof Ram.default>

type Principal = { accessKeyId: string; secret: string; name?: string }

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`
const doc = (...Statement: object[]) => JSON.stringify({ Version: '1', Statement })
const rootP = (): Principal => ({ accessKeyId: stackInfo().accessKeyId, secret: stackInfo().accessKeySecret })

function endpointOf(): string {
  return stackInfo().endpoint.replace(/^https?:\/\//, '')
}

function ram(p: Principal = rootP()) {
  return new RamClient(
    new $OpenApiUtil.Config({
      accessKeyId: p.accessKeyId,
      accessKeySecret: p.secret,
      regionId: stackInfo().regionId,
      endpoint: endpointOf(),
      protocol: 'HTTP',
    }),
  )
}

/** ACS3 callApi for any version (ActionTrail has no SDK in this project), as principal `p`. */
function call(p: Principal, version: string) {
  return openApiCaller({ version }, { ...stackInfo(), accessKeyId: p.accessKeyId, accessKeySecret: p.secret })
}

const trail = (p: Principal = rootP()) => call(p, '2020-07-06')

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    return String((err as { code?: string }).code ?? '').replace(/Error$/, '')
  }
  return 'OK'
}

async function user(policies: string[], system: string[] = []): Promise<Principal> {
  const admin = ram()
  const userName = unique('aud')
  await admin.createUser(new Ram.CreateUserRequest({ userName }))
  for (const policyDocument of policies) {
    const policyName = unique('pol')
    await admin.createPolicy(new Ram.CreatePolicyRequest({ policyName, policyDocument }))
    await admin.attachPolicyToUser(new Ram.AttachPolicyToUserRequest({ userName, policyName, policyType: 'Custom' }))
  }
  for (const policyName of system)
    await admin.attachPolicyToUser(new Ram.AttachPolicyToUserRequest({ userName, policyName, policyType: 'System' }))
  const { body } = await admin.createAccessKey(new Ram.CreateAccessKeyRequest({ userName }))
  return { name: userName, accessKeyId: body!.accessKey!.accessKeyId!, secret: body!.accessKey!.accessKeySecret! }
}

/** Every event of the caller's account matching the filters, through LookupEvents pagination. */
async function lookup(p: Principal, filters: Record<string, string>, startTime: string, maxResults = 50) {
  const query: Record<string, string> = { StartTime: startTime, MaxResults: String(maxResults) }
  Object.entries(filters).forEach(([k, v], i) => {
    query[`LookupAttribute.${i + 1}.Key`] = k
    query[`LookupAttribute.${i + 1}.Value`] = v
  })
  const events: any[] = []
  let pages = 0
  for (let token: string | undefined; ;) {
    const page = await trail(p)('LookupEvents', { ...query, ...(token ? { NextToken: token } : {}) })
    events.push(...page.Events)
    pages++
    token = page.NextToken
    if (!token) break
  }
  return { events, pages }
}

let ddb: DynamoDBClient

async function scanAll(): Promise<Array<Record<string, AttributeValue>>> {
  const items: Array<Record<string, AttributeValue>> = []
  for (let start: Record<string, AttributeValue> | undefined; ;) {
    const page = await ddb.send(new ScanCommand({ TableName: stackInfo().tableName, ExclusiveStartKey: start }))
    items.push(...(page.Items ?? []))
    start = page.LastEvaluatedKey
    if (!start) break
  }
  return items
}

async function verify(
  seal = false,
): Promise<{ ok: boolean; records: number; headSeq: number; firstBad?: { position: number; problem: string } }> {
  const s = stackInfo()
  const env = { ...process.env, KMS_PORT: new URL(s.endpoint).port, KMS_DATA_DIR: s.dataDir }
  const args = [join(ROOT, 'scripts/audit-verify.ts'), '--json', ...(seal ? ['--seal'] : [])]
  try {
    const { stdout } = await run(join(ROOT, 'node_modules/.bin/tsx'), args, { env, cwd: ROOT })
    return JSON.parse(stdout)
  } catch (err) {
    const e = err as { code?: number; stdout?: string }
    if (e.code === 1 && e.stdout) return JSON.parse(e.stdout)
    throw err
  }
}

async function chainItem(seq: number): Promise<Record<string, AttributeValue>> {
  const { Items = [] } = await ddb.send(
    new QueryCommand({
      TableName: stackInfo().tableName,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :p AND gsi2sk = :s',
      ExpressionAttributeValues: { ':p': { S: `AUDIT#CHAIN#${Math.floor(seq / 10_000)}` }, ':s': { S: String(seq).padStart(12, '0') } },
    }),
  )
  expect(Items).toHaveLength(1)
  return Items[0]!
}

const put = (item: Record<string, AttributeValue>) => ddb.send(new PutItemCommand({ TableName: stackInfo().tableName, Item: item }))

beforeAll(() => {
  ddb = new DynamoDBClient({
    endpoint: stackInfo().dynamoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
})

describe('completeness', () => {
  it('records exactly one event per call over 200 mixed calls, with the outcome of each', async () => {
    const start = new Date(Date.now() - 2000).toISOString()
    const admin = kmsClient()
    const key = (await admin.createKey(new Kms.CreateKeyRequest({}))).keyMetadata.keyId
    const blob = (await admin.encrypt(new Kms.EncryptRequest({ keyId: key, plaintext: b64('fuzz') }))).ciphertextBlob
    const u = await user([doc({ Effect: 'Deny', Action: 'kms:ScheduleKeyDeletion', Resource: '*' })], ['AliyunKMSFullAccess'])
    const c = kmsClient(stackInfo(), u.secret, u.accessKeyId)
    const forged = kmsClient(stackInfo(), 'x'.repeat(30), u.accessKeyId)
    const ops: Array<[string, () => Promise<unknown>]> = [
      ['Encrypt', () => c.encrypt(new Kms.EncryptRequest({ keyId: key, plaintext: b64('a') }))],
      ['Decrypt', () => c.decrypt(new Kms.DecryptRequest({ ciphertextBlob: blob }))],
      ['DescribeKey', () => c.describeKey(new Kms.DescribeKeyRequest({ keyId: key }))],
      ['DescribeKey', () => c.describeKey(new Kms.DescribeKeyRequest({ keyId: randomUUID() }))],
      ['Encrypt', () => c.encrypt(new Kms.EncryptRequest({ keyId: 'alias/none-here', plaintext: b64('a') }))],
      ['ScheduleKeyDeletion', () => c.scheduleKeyDeletion(new Kms.ScheduleKeyDeletionRequest({ keyId: key, pendingWindowInDays: 7 }))],
      ['ListKeys', () => c.listKeys(new Kms.ListKeysRequest({}))],
      ['GenerateDataKey', () => c.generateDataKey(new Kms.GenerateDataKeyRequest({ keyId: key }))],
      ['Decrypt', () => c.decrypt(new Kms.DecryptRequest({ ciphertextBlob: b64('garbage garbage garbage garbage!') }))],
      ['UpdateKeyDescription', () => c.updateKeyDescription(new Kms.UpdateKeyDescriptionRequest({ keyId: key, description: 'fuzz' }))],
      ['ListKeys', () => forged.listKeys(new Kms.ListKeysRequest({}))],
    ]
    let seed = 0x5eed
    const observed = new Map<string, number>()
    for (let i = 0; i < 200; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      const [action, op] = ops[seed % ops.length]!
      const outcome = await failure(op())
      const k = `${action}:${outcome === 'OK' ? 'Success' : outcome}`
      observed.set(k, (observed.get(k) ?? 0) + 1)
    }
    expect(observed.size).toBeGreaterThan(8)
    // Requests with a wrong signature are unauthenticated: apart, returned only when asked for.
    const authenticated = await lookup(rootP(), { EventAccessKeyId: u.accessKeyId, ServiceName: 'Kms' }, start)
    const unauthenticated = await lookup(rootP(), { EventAccessKeyId: u.accessKeyId, EventType: 'UnauthenticatedApiCall' }, start)
    expect(authenticated.pages).toBeGreaterThanOrEqual(4)
    expect(authenticated.events.every((e) => e.eventType === 'ApiCall' && e.errorCode !== 'SignatureDoesNotMatch')).toBe(true)
    expect(unauthenticated.events.length).toBeGreaterThan(0)
    const events = [...authenticated.events, ...unauthenticated.events]
    expect(events).toHaveLength(200)
    expect(new Set(events.map((e) => e.eventId)).size).toBe(200)
    const recorded = new Map<string, number>()
    for (const e of events) {
      const k = `${e.eventName}:${e.errorCode ?? e.additionalEventData.outcome}`
      recorded.set(k, (recorded.get(k) ?? 0) + 1)
    }
    expect(Object.fromEntries(recorded)).toEqual(Object.fromEntries(observed))
    const sample = events.find((e) => e.errorCode === 'SignatureDoesNotMatch')
    expect(sample.eventType).toBe('UnauthenticatedApiCall')
    expect(sample.userIdentity).toMatchObject({ accountId: stackInfo().accountId, accessKeyId: u.accessKeyId, type: 'unauthenticated' })
    expect(sample.additionalEventData.decision).toBe('NotEvaluated')
    const denied = events.find((e) => e.errorCode === 'Forbidden.NoPermission')
    expect(denied).toMatchObject({
      eventName: 'ScheduleKeyDeletion',
      eventRW: 'Write',
      additionalEventData: { decision: 'Deny', httpStatus: 403 },
    })
    expect(denied.resourceName).toBe(`acs:kms:${stackInfo().regionId}:${stackInfo().accountId}:key/${key}`)
    const decrypt = events.find((e) => e.eventName === 'Decrypt' && e.additionalEventData.outcome === 'Success')
    expect(decrypt.additionalEventData.keyVersionId).toMatch(/^[0-9a-f-]{36}$/)
    expect(decrypt.requestParameters.CiphertextBlob).toBe('redacted:medium')
  })

  it('never stores secret values, plaintext or AccessKey secrets', async () => {
    const admin = kmsClient()
    const plain = `PLAIN-${randomUUID()}`
    const secretValue = `SECRETVAL-${randomUUID()}`
    const contextValue = `CTX-${randomUUID()}`
    const key = (await admin.createKey(new Kms.CreateKeyRequest({}))).keyMetadata.keyId
    const enc = await admin.encrypt(new Kms.EncryptRequest({ keyId: key, plaintext: b64(plain), encryptionContext: { tag: contextValue } }))
    await admin.decrypt(new Kms.DecryptRequest({ ciphertextBlob: enc.ciphertextBlob, encryptionContext: { tag: contextValue } }))
    const name = unique('audsecret')
    await admin.createSecret(new Kms.CreateSecretRequest({ secretName: name, versionId: 'v1', secretData: secretValue }))
    await admin.putSecretValue(new Kms.PutSecretValueRequest({ secretName: name, versionId: 'v2', secretData: `${secretValue}-2` }))
    await admin.getSecretValue(new Kms.GetSecretValueRequest({ secretName: name }))
    const u = await user([], ['AliyunKMSFullAccess'])
    await kmsClient(stackInfo(), u.secret, u.accessKeyId).encrypt(new Kms.EncryptRequest({ keyId: key, plaintext: b64(plain) }))
    const markers = [plain, b64(plain), secretValue, b64(secretValue), contextValue, u.secret, stackInfo().accessKeySecret]
    const items = await scanAll()
    const audit = items.filter((i) => i.pk?.S?.startsWith('AUDIT#'))
    expect(audit.length).toBeGreaterThan(10)
    for (const item of items) {
      const text = JSON.stringify(item)
      for (const m of markers) expect(text.includes(m), `${item.pk?.S} contains a marker`).toBe(false)
    }
  })
})

describe('tamper evidence', () => {
  it('seals the trail so that audit:verify accepts it, and finds an edited, removed or reordered record at its position', async () => {
    await kmsClient().listKeys(new Kms.ListKeysRequest({}))
    await new Promise((r) => setTimeout(r, 1200))
    const sealed = await verify(true)
    expect(sealed).toMatchObject({ ok: true })
    expect(sealed.headSeq).toBeGreaterThan(20)
    const n = sealed.headSeq - 7

    const original = await chainItem(n)
    const edited = {
      ...original,
      body: { S: original.body!.S!.replace('"readOnly":true', '"readOnly":false').replace(/"requestId":"[^"]+"/, '"requestId":"X"') },
    }
    await put(edited)
    expect((await verify()).firstBad).toMatchObject({ position: n })
    await put(original)
    expect((await verify()).ok).toBe(true)

    await ddb.send(new DeleteItemCommand({ TableName: stackInfo().tableName, Key: { pk: original.pk!, sk: original.sk! } }))
    expect((await verify()).firstBad).toMatchObject({ position: n, problem: expect.stringContaining('missing') })
    await put(original)
    expect((await verify()).ok).toBe(true)

    const next = await chainItem(n + 1)
    await put({ ...original, seq: next.seq!, gsi2sk: next.gsi2sk! })
    await put({ ...next, seq: original.seq!, gsi2sk: original.gsi2sk! })
    expect((await verify()).firstBad).toMatchObject({ position: n })
    await put(original)
    await put(next)
    expect((await verify()).ok).toBe(true)
  }, 240_000) // seven `tsx scripts/audit-verify.ts` starts: ~10 s each on a loaded 2-core machine
})

describe('LookupEvents', () => {
  it('filters by event name, resource and user, newest first, within the time range', async () => {
    const start = new Date(Date.now() - 1000).toISOString()
    const admin = kmsClient()
    const key = (await admin.createKey(new Kms.CreateKeyRequest({}))).keyMetadata.keyId
    const u = await user([], ['AliyunKMSFullAccess'])
    const c = kmsClient(stackInfo(), u.secret, u.accessKeyId)
    for (let i = 0; i < 3; i++) await c.encrypt(new Kms.EncryptRequest({ keyId: key, plaintext: b64(`${i}`) }))
    await c.describeKey(new Kms.DescribeKeyRequest({ keyId: key }))
    const byName = await lookup(rootP(), { EventName: 'Encrypt', User: u.name! }, start, 2)
    expect(byName.events).toHaveLength(3)
    expect(byName.pages).toBe(2)
    const times = byName.events.map((e) => e.eventTime)
    expect([...times].sort().reverse()).toEqual(times)
    const byResource = await lookup(rootP(), { ResourceName: key }, start)
    expect(byResource.events.map((e) => e.eventName).sort()).toEqual(['CreateKey', 'DescribeKey', 'Encrypt', 'Encrypt', 'Encrypt'].sort())
    const future = await trail()('LookupEvents', {
      StartTime: new Date(Date.now() + 3_600_000).toISOString(),
      EndTime: new Date(Date.now() + 7_200_000).toISOString(),
    })
    expect(future.Events).toEqual([])
    expect(
      await failure(trail()('LookupEvents', { LookupAttribute: 'x', 'LookupAttribute.1.Key': 'Colour', 'LookupAttribute.1.Value': 'x' })),
    ).toBe('InvalidParameter')
  })

  it('refuses forged, foreign and cross-tenant tokens with 400, and callers without permission with 403', async () => {
    const first = await trail()('LookupEvents', { MaxResults: '1' })
    expect(first.NextToken).toEqual(expect.any(String))
    const token: string = first.NextToken
    const flipped = token.slice(0, -3) + (token.at(-3) === '0' ? '1' : '0') + token.slice(-2)
    for (const bad of ['forged', flipped, `${token}x`]) {
      expect(await failure(trail()('LookupEvents', { MaxResults: '1', NextToken: bad }))).toBe('InvalidNextToken')
    }
    // Another query with the same token.
    expect(
      await failure(
        trail()('LookupEvents', {
          MaxResults: '1',
          NextToken: token,
          'LookupAttribute.1.Key': 'EventName',
          'LookupAttribute.1.Value': 'Encrypt',
        }),
      ),
    ).toBe('InvalidNextToken')
    // Another principal of the same account, allowed to look up events.
    const auditor = await user([], ['AliyunActionTrailFullAccess'])
    expect(await failure(trail(auditor)('LookupEvents', { MaxResults: '1', NextToken: token }))).toBe('InvalidNextToken')
    // Another account.
    const s = stackInfo()
    const { readFileSync } = await import('node:fs')
    const adminToken = readFileSync(join(s.dataDir, 'local-admin-token'), 'utf8').trim()
    const res = await fetch(new URL('/__local/accounts', s.endpoint), {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}` },
    })
    const other = (await res.json()) as { accountId: string; accessKeyId: string; accessKeySecret: string }
    const otherRoot = { accessKeyId: other.accessKeyId, secret: other.accessKeySecret }
    expect(await failure(trail(otherRoot)('LookupEvents', { MaxResults: '1', NextToken: token }))).toBe('InvalidNextToken')
    const mine = await lookup(otherRoot, { EventAccessKeyId: s.accessKeyId }, new Date(Date.now() - 86_400_000).toISOString())
    expect(mine.events).toEqual([])
    // No permission.
    const plain = await user([], ['AliyunKMSFullAccess'])
    expect(await failure(trail(plain)('LookupEvents', {}))).toBe('Forbidden.NoPermission')
    expect((await trail(auditor)('LookupEvents', { MaxResults: '5' })).Events.length).toBe(5)
  })
})

describe('audit:export', () => {
  it('writes every event as one JSON line, sealed ones first', async () => {
    const s = stackInfo()
    const env = { ...process.env, KMS_PORT: new URL(s.endpoint).port, KMS_DATA_DIR: s.dataDir }
    const { stdout } = await run(
      join(ROOT, 'node_modules/.bin/tsx'),
      [join(ROOT, 'scripts/audit-export.ts'), '--account', s.accountId, '--digests'],
      {
        env,
        cwd: ROOT,
        maxBuffer: 256 * 1024 * 1024,
      },
    )
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    const events = lines.filter((l) => l.type === 'event')
    expect(events.length).toBeGreaterThan(200)
    expect(lines.some((l) => l.type === 'digest')).toBe(true)
    // Every record is filed in this account's trail: its own calls, and copies of other
    // accounts' calls on its keys (those keep the caller's accountId, see trailAccountOf).
    expect(events.every((l) => trailAccountOf(l.event) === s.accountId)).toBe(true)
    const sealed = events.filter((l) => l.sealed).map((l) => l.seq)
    expect(sealed).toEqual([...sealed].sort((a, b) => a - b))
    expect(events.findIndex((l) => !l.sealed)).toBeGreaterThanOrEqual(sealed.length)
    // Each event once, though the stack's sealer may seal records (and pages) while it runs.
    const ids = events.map((l) => l.event.eventId)
    expect(new Set(ids).size).toBe(ids.length)
    expect(stdout).not.toContain(s.accessKeySecret)
  })
})
