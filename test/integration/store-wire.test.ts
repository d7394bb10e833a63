/**
 * The Worker's WireDocumentClient (core/store/wire/client.ts) against the AWS SDK's
 * DynamoDBDocumentClient on the same real table (the stack's dynalite): the same scenario runs
 * through `createStore(sdkClient)` and `createStore(wireClient)` — every operation kind
 * dynamodb-toolbox issues (put, get, update, delete, query with pagination, scan, batchGet,
 * batchWrite), repositories included — and the transcripts must be identical. The items each
 * client wrote must also be byte-identical in the table, and each client must read what the
 * other wrote.
 *
 * Every key carries a per-run prefix, so nothing collides with other tests sharing the table.
 */
import { randomUUID } from 'node:crypto'
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb'
import { DeleteItemCommand } from 'dynamodb-toolbox/entity/actions/delete'
import { BatchDeleteRequest } from 'dynamodb-toolbox/entity/actions/batchDelete'
import { BatchGetRequest } from 'dynamodb-toolbox/entity/actions/batchGet'
import { BatchPutRequest } from 'dynamodb-toolbox/entity/actions/batchPut'
import { GetItemCommand as ToolboxGet } from 'dynamodb-toolbox/entity/actions/get'
import { UpdateItemCommand, $add, $append, $remove } from 'dynamodb-toolbox/entity/actions/update'
import { BatchGetCommand, execute as executeBatchGet } from 'dynamodb-toolbox/table/actions/batchGet'
import { BatchWriteCommand, execute as executeBatchWrite } from 'dynamodb-toolbox/table/actions/batchWrite'
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query'
import { ScanCommand } from 'dynamodb-toolbox/table/actions/scan'
import { beforeAll, describe, expect, it } from 'vitest'
import { ConditionFailed } from '../../core/domain/ports'
import type { KeyRecord } from '../../core/domain/model'
import { createStore, type Store } from '../../core/store'
import { WireDocumentClient } from '../../core/store/wire/client'
import { stackInfo } from './clients'

const run = randomUUID().slice(0, 8)
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' }

let ddb: DynamoDBClient
let sdkStore: Store
let wireStore: Store

beforeAll(() => {
  const { dynamoEndpoint, tableName } = stackInfo()
  ddb = new DynamoDBClient({ endpoint: dynamoEndpoint, region: 'us-east-1', credentials })
  sdkStore = createStore(ddb, tableName)
  wireStore = createStore(new WireDocumentClient({ endpoint: dynamoEndpoint, region: 'us-east-1', credentials }), tableName)
})

/** Replaces the per-side prefix so the two transcripts can be compared. */
function normalise(value: unknown, prefix: string): unknown {
  if (typeof value === 'string') return value.split(prefix).join('<P>')
  if (Array.isArray(value)) return value.map((v) => normalise(v, prefix))
  if (value instanceof Uint8Array) return value
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v, prefix)]))
  }
  return value
}

const noMeta = (output: Record<string, unknown>) => {
  const { $metadata: _m, ...rest } = output
  return rest
}

function keyRecord(prefix: string, n: number): KeyRecord {
  return {
    keyId: `${prefix}-key-${n}`,
    accountId: `${prefix}-acct`,
    region: 'cn-hangzhou',
    instanceId: 'shared',
    keySpec: 'Aliyun_AES_256',
    keyUsage: 'ENCRYPT/DECRYPT',
    origin: 'Aliyun_KMS',
    protectionLevel: 'SOFTWARE',
    creatorType: 'User',
    keyState: 'Enabled',
    description: `key ${n} — ü€😀 "quoted" \\ back`,
    creator: '1234',
    createdAt: `2026-01-0${n}T00:00:00Z`,
    deletionProtection: n % 2 === 0,
    primaryVersionId: `v-${n}`,
    versions: [
      { versionId: `v-${n}`, createdAt: '2026-01-01T00:00:00Z', wrappedMaterial: `rk1.root.${'A'.repeat(40)}` },
      { versionId: `v-${n}-old`, createdAt: '2025-01-01T00:00:00Z' },
    ],
    automaticRotation: true,
    rotationIntervalSeconds: 86_400 * 365,
    nextRotationDate: '2027-01-01T00:00:00Z',
    tags: { env: 'prod', constructor: 'user data', empty: '' },
    rev: 1,
  } as KeyRecord
}

/** Runs every operation kind through one store; returns what each step returned. */
async function scenario(store: Store, prefix: string): Promise<Array<[string, unknown]>> {
  const out: Array<[string, unknown]> = []
  const log = (step: string, value: unknown) => out.push([step, normalise(value, prefix)])
  const { entities, table } = store
  const account = `${prefix}-acct`
  const region = 'cn-hangzhou'

  // Repositories: conditional puts, consistent gets, gsi queries (all pages), guard.
  for (let n = 1; n <= 5; n++) await store.keys.create(keyRecord(prefix, n))
  log('keys.get', await store.keys.get(`${prefix}-key-1`))
  log('keys.get missing', await store.keys.get(`${prefix}-key-none`))
  await store.keys.replace({ ...keyRecord(prefix, 1), description: 'replaced', rev: 2 }, 1)
  log('keys.get replaced', await store.keys.get(`${prefix}-key-1`))
  log(
    'keys.replace stale',
    await store.keys.replace(keyRecord(prefix, 1), 1).catch((e: unknown) => (e instanceof ConditionFailed ? 'ConditionFailed' : e)),
  )
  log(
    'keys.create twice',
    await store.keys.create(keyRecord(prefix, 2)).catch((e: unknown) => (e instanceof ConditionFailed ? 'ConditionFailed' : e)),
  )
  log(
    'keys.listByAccount',
    (await store.keys.listByAccount(account, region)).sort((a, b) => a.keyId.localeCompare(b.keyId)),
  )

  for (let n = 1; n <= 3; n++) {
    await store.aliases.create({
      accountId: account,
      region,
      aliasName: `alias/${prefix}-${n}`,
      keyId: `${prefix}-key-${n}`,
      createdAt: '2026-01-01T00:00:00Z',
    })
  }
  log(
    'aliases.create twice',
    await store.aliases
      .create({ accountId: account, region, aliasName: `alias/${prefix}-1`, keyId: 'x', createdAt: 'x' })
      .catch((e: unknown) => (e instanceof ConditionFailed ? 'ConditionFailed' : e)),
  )
  await store.aliases.update({
    accountId: account,
    region,
    aliasName: `alias/${prefix}-1`,
    keyId: `${prefix}-key-4`,
    createdAt: '2026-01-02T00:00:00Z',
  })
  log(
    'aliases.delete wrong key',
    await store.aliases
      .delete(account, region, `alias/${prefix}-2`, 'not-its-key')
      .catch((e: unknown) => (e instanceof ConditionFailed ? 'ConditionFailed' : e)),
  )
  await store.aliases.delete(account, region, `alias/${prefix}-3`, `${prefix}-key-3`)
  log('aliases.listByAccount', await store.aliases.listByAccount(account, region))
  log('aliases.get', await store.aliases.get(account, region, `alias/${prefix}-1`))

  // The audit put is also the nonce claim (core/domain/audit/run-audited.ts): absent-only.
  const claim = { eventId: `${prefix}-evt-1`, body: '{"v":1}', accountId: account, time: '2026-01-01T00:00:00.000Z' }
  log('audit claim first', await store.audit.put(claim))
  log('audit claim replay', await store.audit.put(claim).catch((e: unknown) => (e instanceof ConditionFailed ? 'ConditionFailed' : e)))
  log('audit get', await store.audit.get(claim.eventId))

  // Toolbox directly: update with ReturnValues, delete with ReturnValues.
  const updated = await entities.KeyEntity.build(UpdateItemCommand)
    .item({
      keyId: `${prefix}-key-5`,
      rev: $add(1),
      versions: $append([{ versionId: 'v-new', createdAt: '2026-02-01T00:00:00Z' }]),
      nextRotationDate: $remove(),
    })
    .options({ returnValues: 'ALL_NEW', condition: { attr: 'rev', eq: 1 } })
    .send()
  log('update ALL_NEW', noMeta(updated))
  log(
    'update stale',
    await entities.KeyEntity.build(UpdateItemCommand)
      .item({ keyId: `${prefix}-key-5`, description: 'never' })
      .options({ condition: { attr: 'rev', eq: 1 } })
      .send()
      .catch((e: Error) => e.name),
  )
  const deleted = await entities.KeyEntity.build(DeleteItemCommand)
    .key({ keyId: `${prefix}-key-4` })
    .options({ returnValues: 'ALL_OLD' })
    .send()
  log('delete ALL_OLD', noMeta(deleted))
  log(
    'get deleted',
    noMeta(
      await entities.KeyEntity.build(ToolboxGet)
        .key({ keyId: `${prefix}-key-4` })
        .options({ consistent: true })
        .send(),
    ),
  )

  // Query, page by page: limit 2 → LastEvaluatedKey → exclusiveStartKey.
  const gsi1 = `ACCOUNT#${account}#${region}#KEYS`
  let exclusiveStartKey: Record<string, unknown> | undefined
  let page = 0
  do {
    const result = await table
      .build(QueryCommand)
      .entities(entities.KeyEntity)
      .query({ index: 'gsi1', partition: gsi1 })
      .options({ limit: 2, maxPages: 1, ...(exclusiveStartKey ? { exclusiveStartKey } : {}) })
      .send()
    log(`query page ${page++}`, noMeta(result as unknown as Record<string, unknown>))
    exclusiveStartKey = result.LastEvaluatedKey
  } while (exclusiveStartKey && page < 10)
  log(
    'query all pages, reversed',
    noMeta(
      (await table
        .build(QueryCommand)
        .entities(entities.KeyEntity)
        .query({ index: 'gsi1', partition: gsi1, range: { gte: '2026-01-02' } })
        .options({ limit: 1, maxPages: Infinity, reverse: true, attributes: ['keyId', 'rev', 'tags'] })
        .send()) as unknown as Record<string, unknown>,
    ),
  )

  // Scan with a filter, paginated by toolbox.
  const scanned = await table
    .build(ScanCommand)
    .entities(entities.AliasEntity)
    .options({ filters: { Alias: { attr: 'accountId', eq: account } }, consistent: true, maxPages: Infinity })
    .send()
  log(
    'scan',
    (scanned.Items ?? []).sort((a, b) => String(a.aliasName).localeCompare(String(b.aliasName))),
  )

  // BatchWrite (puts and deletes), then BatchGet.
  await executeBatchWrite(
    table.build(BatchWriteCommand).requests(
      entities.AliasEntity.build(BatchPutRequest).item({
        accountId: account,
        region,
        aliasName: `alias/${prefix}-b1`,
        keyId: 'k1',
        createdAt: 'c',
        gsi1pk: 'g',
        gsi1sk: 's1',
      }),
      entities.AliasEntity.build(BatchPutRequest).item({
        accountId: account,
        region,
        aliasName: `alias/${prefix}-b2`,
        keyId: 'k2',
        createdAt: 'c',
        gsi1pk: 'g',
        gsi1sk: 's2',
      }),
      entities.AliasEntity.build(BatchDeleteRequest).key({ accountId: account, region, aliasName: `alias/${prefix}-2` }),
    ),
  )
  const batch = await executeBatchGet(
    table
      .build(BatchGetCommand)
      .requests(
        entities.AliasEntity.build(BatchGetRequest).key({ accountId: account, region, aliasName: `alias/${prefix}-b1` }),
        entities.AliasEntity.build(BatchGetRequest).key({ accountId: account, region, aliasName: `alias/${prefix}-2` }),
        entities.AliasEntity.build(BatchGetRequest).key({ accountId: account, region, aliasName: `alias/${prefix}-b2` }),
      )
      .options({ consistent: true }),
  )
  log('batchGet', noMeta(batch as unknown as Record<string, unknown>))

  // The raw items each side left in the table, for the byte-level comparison.
  return out
}

async function rawItem(pk: string, sk = 'META') {
  const { Item } = await ddb.send(
    new GetItemCommand({ TableName: stackInfo().tableName, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }),
  )
  return Item
}

describe('WireDocumentClient against DynamoDBDocumentClient on dynalite', () => {
  const sdkPrefix = `wire-${run}-sdk`
  const wirePrefix = `wire-${run}-wire`
  let sdkTranscript: Array<[string, unknown]>
  let wireTranscript: Array<[string, unknown]>

  beforeAll(async () => {
    sdkTranscript = await scenario(sdkStore, sdkPrefix)
    wireTranscript = await scenario(wireStore, wirePrefix)
  })

  it('returns the same results for every operation', () => {
    expect(wireTranscript.map(([step]) => step)).toEqual(sdkTranscript.map(([step]) => step))
    for (let i = 0; i < sdkTranscript.length; i++) {
      const [step, expected] = sdkTranscript[i]!
      expect(wireTranscript[i]![1], step).toEqual(expected)
    }
    // The scenario exercised what it claims to.
    const steps = Object.fromEntries(sdkTranscript)
    expect(steps['keys.replace stale']).toBe('ConditionFailed')
    expect(steps['keys.create twice']).toBe('ConditionFailed')
    expect(steps['aliases.create twice']).toBe('ConditionFailed')
    expect(steps['aliases.delete wrong key']).toBe('ConditionFailed')
    expect(steps['update stale']).toBe('ConditionalCheckFailedException')
    expect(steps['audit claim replay']).toBe('ConditionFailed')
    expect(steps['audit get']).toMatchObject({ body: '{"v":1}' })
    expect(steps['query page 0']).toMatchObject({ Count: 2, LastEvaluatedKey: expect.any(Object) })
    expect(steps['query page 2']).toMatchObject({ Count: 0 })
    expect((steps.batchGet as { Responses: unknown[][] }).Responses[0]).toHaveLength(3)
    expect((steps.batchGet as { Responses: unknown[][] }).Responses[0]![1]).toBeUndefined()
  })

  it('leaves byte-identical items in the table', async () => {
    for (const [pk, sk] of [
      ['KEY#<P>-key-1', 'META'],
      ['KEY#<P>-key-5', 'META'],
      ['ALIAS#<P>-acct#cn-hangzhou#alias/<P>-1', 'META'],
      ['ALIAS#<P>-acct#cn-hangzhou#alias/<P>-b2', 'META'],
    ] as const) {
      const bySdk = await rawItem(pk.split('<P>').join(sdkPrefix), sk)
      const byWire = await rawItem(pk.split('<P>').join(wirePrefix), sk)
      expect(bySdk, pk).toBeDefined()
      expect(normalise(byWire, wirePrefix), pk).toEqual(normalise(bySdk, sdkPrefix))
    }
  })

  it('each client reads what the other wrote', async () => {
    expect(normalise(await wireStore.keys.get(`${sdkPrefix}-key-1`), sdkPrefix)).toEqual(
      normalise(await sdkStore.keys.get(`${sdkPrefix}-key-1`), sdkPrefix),
    )
    expect(normalise(await sdkStore.keys.get(`${wirePrefix}-key-1`), wirePrefix)).toEqual(
      normalise(await wireStore.keys.get(`${wirePrefix}-key-1`), wirePrefix),
    )
    expect(normalise(await wireStore.keys.get(`${sdkPrefix}-key-1`), sdkPrefix)).toEqual(
      normalise(await wireStore.keys.get(`${wirePrefix}-key-1`), wirePrefix),
    )
  })
})
