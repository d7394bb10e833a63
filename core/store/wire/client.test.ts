/**
 * WireDocumentClient against the AWS SDK's DynamoDBDocumentClient.
 *
 * - Marshalling: `toWire` / `fromWire` agree with @aws-sdk/util-dynamodb on every kind of value
 *   (property-based), and for every command the JSON body sent and the document returned are the
 *   same as lib-dynamodb's.
 * - Errors and retries: DynamoDB's error answers mapped to SDK-shaped errors, retried only when
 *   the policy says so.
 *
 * The HTTP server below is a FAKE of DynamoDB's JSON wire format (request in, scripted answer
 * out, including its error format `{"__type":"com.amazonaws.dynamodb.v20120810#…","message":…}`):
 * it stores nothing and checks nothing. Behaviour against a real table is covered by
 * test/integration/store-wire.test.ts (dynalite).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb'
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb'
import fc from 'fast-check'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ConditionFailed } from '../../domain/ports'
import { KmsError } from '../../errors'
import { guard } from '../common'
import { fromBase64, fromWire, toBase64, toWire, toWireMap } from './codec'
import { WireDocumentClient, WireServiceError, WireTransportError, type SdkCommand } from './client'
import * as own from './commands'

// ---------------------------------------------------------------------------------------------
// The fake DynamoDB endpoint

interface Seen {
  target: string
  body: unknown
  headers: IncomingHttpHeaders
}

interface Answer {
  status?: number
  body?: string
  headers?: Record<string, string>
  delayMs?: number
  /** Drop the connection without answering. */
  hangUp?: boolean
}

let server: Server
let endpoint: string
const seen: Seen[] = []
let script: Array<Answer | ((s: Seen) => Answer)> = []
let fallback: (s: Seen) => Answer = () => ({ body: '{}' })

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const s: Seen = { target: String(req.headers['x-amz-target']), body: text ? JSON.parse(text) : undefined, headers: req.headers }
      seen.push(s)
      const next = script.shift() ?? fallback
      const answer = typeof next === 'function' ? next(s) : next
      if (answer.hangUp) {
        req.socket.destroy()
        return
      }
      const send = () => {
        if (res.destroyed) return
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'REQ1', ...answer.headers })
        res.end(answer.body ?? '{}')
      }
      if (answer.delayMs) setTimeout(send, answer.delayMs)
      else send()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

afterEach(() => {
  seen.length = 0
  script = []
  fallback = () => ({ body: '{}' })
})

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' }
const wire = (options: { timeoutMs?: number; maxAttempts?: number } = {}) =>
  new WireDocumentClient({ endpoint, region: 'us-east-1', credentials, ...options })
const sdk = () =>
  DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 }), {
    marshallOptions: { removeUndefinedValues: true },
  })

/** util-dynamodb's output with binaries as the JSON serializer sends them (base64). */
function sdkWireForm(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64')
  if (Array.isArray(value)) return value.map(sdkWireForm)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sdkWireForm(v)]))
  }
  return value
}

/** A document as DynamoDB JSON text the way the SDK would have marshalled it. */
const sdkMarshallMap = (doc: Record<string, unknown>) =>
  sdkWireForm(marshall(doc, { removeUndefinedValues: true })) as Record<string, unknown>

const withoutMetadata = <T extends { $metadata?: unknown }>(output: T) => {
  const { $metadata: _ignored, ...rest } = output
  return rest
}

// ---------------------------------------------------------------------------------------------
// Values

const sample = {
  pk: 'KEY#wire',
  sk: 'META',
  rev: 3,
  negative: -1.5,
  tiny: 1e-7,
  maxSafe: Number.MAX_SAFE_INTEGER,
  minSafe: Number.MIN_SAFE_INTEGER,
  big: 12345678901234567890n,
  yes: true,
  no: false,
  nothing: null,
  empty: '',
  unicode: 'ü€😀\u0000"\\',
  list: [1, 'a', { k: 'v' }, [], {}, undefined, null],
  tags: [{ k: 'env', v: 'prod' }],
  bin: new Uint8Array([0, 1, 2, 253, 254, 255]),
  emptyBin: new Uint8Array(),
  ss: new Set(['a', 'b']),
  ns: new Set([1, 2.5, -3]),
  bs: new Set([new Uint8Array([1]), new Uint8Array([2, 3])]),
  skipped: undefined,
  nested: { a: { b: { c: [null, true, 'x'] } }, skipped: undefined, toString: 'a key named toString' },
}

describe('codec', () => {
  it('marshalls the sample as util-dynamodb does', () => {
    expect(toWireMap(sample)).toEqual(sdkMarshallMap(sample))
  })

  it('unmarshalls the sample as util-dynamodb does', () => {
    const json = JSON.parse(JSON.stringify(toWireMap(sample))) as Record<string, Record<string, unknown>>
    const sdkInput = Object.fromEntries(Object.entries(json).map(([k, v]) => [k, reviveBinaries(v)])) as unknown as Parameters<
      typeof unmarshall
    >[0]
    const expected = unmarshall(sdkInput)
    const actual = Object.fromEntries(Object.entries(json).map(([k, v]) => [k, fromWire(v)]))
    expect(actual).toEqual(expected)
    expect(actual.big).toBe(12345678901234567890n)
    expect(actual.bin).toBeInstanceOf(Uint8Array)
  })

  it('agrees with util-dynamodb on arbitrary documents (both directions)', () => {
    const key = fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__' && k !== 'constructor')
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.string(),
        fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
        fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e15, max: 1e15 }),
        fc.boolean(),
        fc.constant(null),
        fc.constant(undefined),
        fc.uint8Array({ maxLength: 20 }),
        fc.uniqueArray(fc.string(), { minLength: 1, maxLength: 4 }).map((a) => new Set(a)),
        fc.uniqueArray(fc.integer(), { minLength: 1, maxLength: 4 }).map((a) => new Set(a)),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(key, tie('value'), { maxKeys: 4 }),
      ),
    }))
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 6 }), (doc) => {
        const mine = toWireMap(doc)
        expect(mine).toEqual(sdkMarshallMap(doc))
        const json = JSON.parse(JSON.stringify(mine)) as Record<string, Record<string, unknown>>
        const back = Object.fromEntries(Object.entries(json).map(([k, v]) => [k, fromWire(v)]))
        const sdkBack = unmarshall(
          Object.fromEntries(Object.entries(json).map(([k, v]) => [k, reviveBinaries(v)])) as unknown as Parameters<typeof unmarshall>[0],
        )
        expect(back).toEqual(sdkBack)
      }),
      { numRuns: 300 },
    )
  })

  it('refuses what util-dynamodb refuses, without quoting the value', () => {
    const secret = 'rk1.secret-material'
    for (const bad of [
      NaN,
      Infinity,
      2 ** 60,
      new Set(),
      new Date(),
      new (class Secretive {
        x = secret
      })(),
      Symbol(secret),
    ]) {
      let error: unknown
      try {
        toWireMap({ v: bad })
      } catch (err) {
        error = err
      }
      expect(error, String(typeof bad)).toBeInstanceOf(Error)
      expect((error as Error).message).not.toContain(secret)
      expect((error as Error).message).not.toContain(String(2 ** 60))
      expect(() => marshall({ v: bad }, { removeUndefinedValues: true })).toThrow()
    }
    // Functions are skipped in maps and lists, as util-dynamodb does.
    const withFunction = { a: 1, f: () => secret, l: [() => secret, 2] }
    expect(toWireMap(withFunction)).toEqual(sdkMarshallMap(withFunction))
  })

  it('keeps __proto__ and constructor as ordinary keys', () => {
    const doc = JSON.parse('{"__proto__":{"polluted":true},"constructor":"c"}') as Record<string, unknown>
    const m = toWire(doc) as { M: Record<string, unknown> }
    expect(JSON.stringify(m)).toBe('{"M":{"__proto__":{"M":{"polluted":{"BOOL":true}}},"constructor":{"S":"c"}}}')
    const back = fromWire(JSON.parse(JSON.stringify(m))) as Record<string, unknown>
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype)
    expect(Object.keys(back)).toEqual(['__proto__', 'constructor'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('base64 round-trips every length and matches Buffer', () => {
    for (let n = 0; n < 70; n++) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 37 + n) & 0xff)
      const text = toBase64(bytes)
      expect(text).toBe(Buffer.from(bytes).toString('base64'))
      expect(fromBase64(text)).toEqual(bytes)
    }
    expect(() => fromBase64('a$==')).toThrow()
  })
})

function reviveBinaries(attr: Record<string, unknown>): Record<string, unknown> {
  const [type, v] = Object.entries(attr)[0] as [string, unknown]
  if (type === 'B') return { B: new Uint8Array(Buffer.from(v as string, 'base64')) }
  if (type === 'BS') return { BS: (v as string[]).map((b) => new Uint8Array(Buffer.from(b, 'base64'))) }
  if (type === 'L') return { L: (v as Array<Record<string, unknown>>).map(reviveBinaries) }
  if (type === 'M') {
    return { M: Object.fromEntries(Object.entries(v as Record<string, Record<string, unknown>>).map(([k, x]) => [k, reviveBinaries(x)])) }
  }
  return attr
}

// ---------------------------------------------------------------------------------------------
// Commands: the same request body and the same result as lib-dynamodb

const T = 'edge-kms'
const item = { ...sample, pk: 'KEY#1' }
const item2 = { pk: 'KEY#2', sk: 'META', rev: 1, tags: [] }
const key = { pk: 'KEY#1', sk: 'META' }
const itemJson = sdkMarshallMap(item)
const item2Json = sdkMarshallMap(item2)
const keyJson = sdkMarshallMap(key)

interface CommandCase {
  name: string
  make: () => SdkCommand
  target: string
  answer: unknown
}

const commandCases: CommandCase[] = [
  {
    name: 'Get (found)',
    make: () =>
      new GetCommand({
        TableName: T,
        Key: key,
        ConsistentRead: true,
        ProjectionExpression: '#a',
        ExpressionAttributeNames: { '#a': 'pk' },
      }),
    target: 'GetItem',
    answer: { Item: itemJson },
  },
  { name: 'Get (missing)', make: () => new GetCommand({ TableName: T, Key: key }), target: 'GetItem', answer: {} },
  {
    name: 'Put (conditional, with ReturnValues)',
    make: () =>
      new PutCommand({
        TableName: T,
        Item: item,
        ConditionExpression: 'attribute_not_exists(#p) OR #r = :r',
        ExpressionAttributeNames: { '#p': 'pk', '#r': 'rev' },
        ExpressionAttributeValues: { ':r': 2, ':u': undefined },
        ReturnValues: 'ALL_OLD',
        ReturnConsumedCapacity: 'TOTAL',
      }),
    target: 'PutItem',
    answer: { Attributes: item2Json, ConsumedCapacity: { TableName: T, CapacityUnits: 1 } },
  },
  {
    name: 'Put (legacy Expected)',
    make: () =>
      new PutCommand({
        TableName: T,
        Item: item2,
        Expected: { rev: { Value: 1 }, pk: { ComparisonOperator: 'IN', AttributeValueList: ['KEY#2', 'KEY#3'] } },
      }),
    target: 'PutItem',
    answer: {},
  },
  {
    name: 'Update',
    make: () =>
      new UpdateCommand({
        TableName: T,
        Key: key,
        UpdateExpression: 'SET #a = :a, #l = list_append(#l, :l) REMOVE #x',
        ExpressionAttributeNames: { '#a': 'description', '#l': 'list', '#x': 'old' },
        ExpressionAttributeValues: { ':a': 'new', ':l': [{ k: 'v' }] },
        ReturnValues: 'ALL_NEW',
        ReturnItemCollectionMetrics: 'SIZE',
      }),
    target: 'UpdateItem',
    answer: { Attributes: itemJson, ItemCollectionMetrics: { ItemCollectionKey: { pk: { S: 'KEY#1' } }, SizeEstimateRangeGB: [0, 1] } },
  },
  {
    name: 'Update (legacy AttributeUpdates)',
    make: () =>
      new UpdateCommand({ TableName: T, Key: key, AttributeUpdates: { rev: { Action: 'PUT', Value: 4 }, gone: { Action: 'DELETE' } } }),
    target: 'UpdateItem',
    answer: {},
  },
  {
    name: 'Delete',
    make: () =>
      new DeleteCommand({
        TableName: T,
        Key: key,
        ConditionExpression: '#r = :r',
        ExpressionAttributeNames: { '#r': 'rev' },
        ExpressionAttributeValues: { ':r': 3 },
        ReturnValues: 'ALL_OLD',
      }),
    target: 'DeleteItem',
    answer: { Attributes: itemJson },
  },
  {
    name: 'Query (paged)',
    make: () =>
      new QueryCommand({
        TableName: T,
        IndexName: 'gsi1',
        KeyConditionExpression: '#p = :p AND begins_with(#s, :s)',
        FilterExpression: '#e = :e',
        ExpressionAttributeNames: { '#p': 'gsi1pk', '#s': 'gsi1sk', '#e': '_et' },
        ExpressionAttributeValues: { ':p': 'ACCOUNT#1#cn#KEYS', ':s': '2026', ':e': 'Key' },
        ExclusiveStartKey: { pk: 'KEY#0', sk: 'META', gsi1pk: 'ACCOUNT#1#cn#KEYS', gsi1sk: '2026#0' },
        Limit: 2,
        ScanIndexForward: false,
      }),
    target: 'Query',
    answer: { Items: [itemJson, item2Json], Count: 2, ScannedCount: 3, LastEvaluatedKey: keyJson },
  },
  {
    name: 'Query (legacy KeyConditions, empty page)',
    make: () =>
      new QueryCommand({
        TableName: T,
        KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: ['KEY#1'] } },
        QueryFilter: { rev: { ComparisonOperator: 'GT', AttributeValueList: [1] } },
      }),
    target: 'Query',
    answer: { Items: [], Count: 0, ScannedCount: 0 },
  },
  {
    name: 'Scan',
    make: () =>
      new ScanCommand({
        TableName: T,
        FilterExpression: '#e = :e',
        ExpressionAttributeNames: { '#e': '_et' },
        ExpressionAttributeValues: { ':e': 'Key' },
        ExclusiveStartKey: key,
        ScanFilter: { rev: { ComparisonOperator: 'NOT_NULL' } },
        Segment: 0,
        TotalSegments: 1,
      }),
    target: 'Scan',
    answer: { Items: [item2Json], Count: 1, ScannedCount: 1, LastEvaluatedKey: keyJson },
  },
  {
    name: 'BatchGet',
    make: () =>
      new BatchGetCommand({
        RequestItems: {
          [T]: {
            Keys: [key, { pk: 'KEY#2', sk: 'META' }],
            ConsistentRead: true,
            ProjectionExpression: '#p',
            ExpressionAttributeNames: { '#p': 'pk' },
          },
        },
      }),
    target: 'BatchGetItem',
    answer: {
      Responses: { [T]: [itemJson] },
      UnprocessedKeys: { [T]: { Keys: [sdkMarshallMap({ pk: 'KEY#2', sk: 'META' })], ConsistentRead: true } },
    },
  },
  {
    name: 'BatchWrite',
    make: () =>
      new BatchWriteCommand({
        RequestItems: { [T]: [{ PutRequest: { Item: item } }, { DeleteRequest: { Key: { pk: 'KEY#2', sk: 'META' } } }] },
        ReturnItemCollectionMetrics: 'SIZE',
      }),
    target: 'BatchWriteItem',
    answer: {
      UnprocessedItems: { [T]: [{ PutRequest: { Item: item2Json } }, { DeleteRequest: { Key: keyJson } }] },
      ItemCollectionMetrics: { [T]: [{ ItemCollectionKey: { pk: { S: 'KEY#1' } }, SizeEstimateRangeGB: [0, 1] }] },
    },
  },
]

describe('WireDocumentClient commands', () => {
  it.each(commandCases)('$name: same request body and result as lib-dynamodb', async ({ make, target, answer }) => {
    fallback = () => ({ body: JSON.stringify(answer) })
    const expected = await sdk().send(make() as GetCommand)
    const actual = await wire().send(make())
    expect(seen).toHaveLength(2)
    const [bySdk, byWire] = seen as [Seen, Seen]
    expect(byWire.target).toBe(`DynamoDB_20120810.${target}`)
    expect(bySdk.target).toBe(byWire.target)
    expect(byWire.body).toEqual(bySdk.body)
    expect(withoutMetadata(actual)).toEqual(withoutMetadata(expected))
    expect(actual.$metadata).toMatchObject({ httpStatusCode: 200, requestId: 'REQ1', attempts: 1 })
  })

  // The Worker bundle resolves @aws-sdk/lib-dynamodb to ./commands.ts: dynamodb-toolbox there builds these.
  it.each(commandCases)(
    "$name: its own command (./commands.ts) sends and returns the same as lib-dynamodb's",
    async ({ make, target, answer }) => {
      fallback = () => ({ body: JSON.stringify(answer) })
      const sdkCommand = make()
      const Own = own[sdkCommand.constructor.name as 'GetCommand']
      const expected = await wire().send(sdkCommand)
      const actual = await wire().send(new Own(structuredClone(sdkCommand.input) as own.WireCommandInput))
      const [bySdkCommand, byOwnCommand] = seen as [Seen, Seen]
      expect(byOwnCommand.target).toBe(`DynamoDB_20120810.${target}`)
      expect(byOwnCommand.body).toEqual(bySdkCommand.body)
      expect(withoutMetadata(actual)).toEqual(withoutMetadata(expected))
    },
  )

  it('sends a signed JSON 1.0 request to the endpoint, port included', async () => {
    await wire().send(new GetCommand({ TableName: T, Key: key }))
    const { headers } = seen[0] as Seen
    expect(headers['content-type']).toBe('application/x-amz-json-1.0')
    expect(headers.host).toBe(new URL(endpoint).host)
    expect(headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/)
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=local\/\d{8}\/us-east-1\/dynamodb\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/,
    )
  })

  it('refuses transactions and unknown commands with a clear error', async () => {
    const client = wire()
    await expect(client.send(new TransactGetCommand({ TransactItems: [] }) as never)).rejects.toThrow(/does not support transactions/)
    await expect(client.send(new TransactWriteCommand({ TransactItems: [] }) as never)).rejects.toThrow(/does not support transactions/)
    await expect(client.send(new own.TransactWriteCommand({ TransactItems: [] }) as never)).rejects.toThrow(/does not support transactions/)
    await expect(client.send({ input: {} } as never)).rejects.toThrow(/supports only/)
    expect(seen).toHaveLength(0)
  })
})

// ---------------------------------------------------------------------------------------------
// Errors and retries

const ddbError = (status: number, type: string, message: string, field: 'message' | 'Message' = 'message'): Answer => ({
  status,
  body: JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, [field]: message }),
})

const SECRET = 'rk1.rootkey.c2VjcmV0LWtleS1tYXRlcmlhbA'
const put = () =>
  new PutCommand({
    TableName: T,
    Item: { pk: 'KEY#9', sk: 'META', wrappedMaterial: SECRET },
    ConditionExpression: 'attribute_not_exists(pk)',
  })

async function failure(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise
  } catch (err) {
    return err as Error & Record<string, unknown>
  }
  throw new Error('expected a failure')
}

function expectNoValues(err: Error): void {
  const text = `${err.message}\n${err.stack}\n${JSON.stringify(err)}\n${String((err.cause as Error | undefined)?.message ?? '')}`
  expect(text).not.toContain(SECRET)
  expect(text).not.toContain('KEY#9')
}

describe('WireDocumentClient errors and retries', () => {
  it('maps ConditionalCheckFailedException as the SDK does, without retrying', async () => {
    script = [ddbError(400, 'ConditionalCheckFailedException', 'The conditional request failed')]
    const err = await failure(wire().send(put()))
    expect(err).toBeInstanceOf(WireServiceError)
    expect(err.name).toBe('ConditionalCheckFailedException')
    expect(err.message).toBe('The conditional request failed')
    expect(err.$fault).toBe('client')
    expect(err.$metadata).toMatchObject({ httpStatusCode: 400, requestId: 'REQ1', attempts: 1 })
    expect(seen).toHaveLength(1)
    expectNoValues(err)

    // The SDK's exception for the same answer has the same name, message and fault.
    script = [ddbError(400, 'ConditionalCheckFailedException', 'The conditional request failed')]
    const sdkErr = await failure(sdk().send(put()))
    expect([sdkErr.name, sdkErr.message, sdkErr.$fault]).toEqual([err.name, err.message, err.$fault])
  })

  it('surfaces a failed condition as ConditionFailed through guard', async () => {
    script = [ddbError(400, 'ConditionalCheckFailedException', 'The conditional request failed', 'Message')]
    await expect(guard('write', () => wire().send(put()))).rejects.toBeInstanceOf(ConditionFailed)
  })

  it('reads `Message` as well as `message`, and the code from x-amzn-errortype', async () => {
    script = [ddbError(400, 'ValidationException', 'One or more parameter values were invalid', 'Message')]
    const a = await failure(wire().send(put()))
    expect([a.name, a.message]).toEqual(['ValidationException', 'One or more parameter values were invalid'])
    script = [
      {
        status: 400,
        headers: { 'x-amzn-errortype': 'ResourceNotFoundException:http://internal.amazon.com/' },
        body: '{"message":"Requested resource not found"}',
      },
    ]
    const b = await failure(wire().send(put()))
    expect([b.name, b.message]).toEqual(['ResourceNotFoundException', 'Requested resource not found'])
  })

  it('does not retry other 4xx answers', async () => {
    script = [ddbError(400, 'ValidationException', 'bad'), { body: '{}' }]
    const err = await failure(wire({ maxAttempts: 3 }).send(put()))
    expect(err.name).toBe('ValidationException')
    expect(seen).toHaveLength(1)
  })

  it('never puts the body of a non-JSON answer into the error', async () => {
    script = [{ status: 403, body: `<html>forbidden ${SECRET}</html>` }]
    const err = await failure(wire().send(put()))
    expect(err.name).toBe('UnknownError')
    expect(err.message).toBe('DynamoDB answered HTTP 403.')
    expectNoValues(err)
  })

  it('retries HTTP 5xx, then succeeds', async () => {
    script = [ddbError(500, 'InternalServerError', 'Internal server error'), { body: '{}' }]
    const out = await wire().send(put())
    expect(seen).toHaveLength(2)
    expect(out.$metadata).toMatchObject({ httpStatusCode: 200, attempts: 2 })
    expect((out.$metadata as { totalRetryDelay: number }).totalRetryDelay).toBeGreaterThan(0)
    // The retry is signed afresh and carries the same body.
    expect(seen[1]!.body).toEqual(seen[0]!.body)
  })

  it('gives up after maxAttempts on 5xx, as a server fault', async () => {
    fallback = () => ({ status: 503, body: `upstream ${SECRET}` })
    const err = await failure(wire({ maxAttempts: 3 }).send(put()))
    expect(seen).toHaveLength(3)
    expect(err.name).toBe('InternalServerError')
    expect(err.$fault).toBe('server')
    expect(err.$metadata).toMatchObject({ httpStatusCode: 503, attempts: 3 })
    expectNoValues(err)
    // And a 5xx becomes store.unavailable in the repositories.
    await expect(guard('write', () => wire({ maxAttempts: 1 }).send(put()))).rejects.toSatisfy(
      (e) => e instanceof KmsError && e.code === 'store.unavailable',
    )
  })

  it.each(['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded'])('retries %s', async (type) => {
    script = [ddbError(400, type, 'slow down'), { body: '{"Item":{"pk":{"S":"KEY#1"}}}' }]
    const out = await wire().send(new GetCommand({ TableName: T, Key: key }))
    expect(out.Item).toEqual({ pk: 'KEY#1' })
    expect(seen).toHaveLength(2)
  })

  it('maxAttempts 1 never retries', async () => {
    script = [ddbError(400, 'ThrottlingException', 'slow down'), { body: '{}' }]
    const err = await failure(wire({ maxAttempts: 1 }).send(put()))
    expect(err.name).toBe('ThrottlingException')
    expect(seen).toHaveLength(1)
  })

  it('times out an attempt and retries it', async () => {
    script = [{ delayMs: 1000, body: '{}' }, { body: '{"Item":{"pk":{"S":"KEY#1"}}}' }]
    const started = Date.now()
    const out = await wire({ timeoutMs: 150 }).send(new GetCommand({ TableName: T, Key: key }))
    expect(out.Item).toEqual({ pk: 'KEY#1' })
    expect(out.$metadata).toMatchObject({ attempts: 2 })
    expect(Date.now() - started).toBeLessThan(900)
  })

  it('fails with TimeoutError when every attempt times out', async () => {
    fallback = () => ({ delayMs: 1000, body: '{}' })
    const err = await failure(wire({ timeoutMs: 100 }).send(put()))
    expect(err).toBeInstanceOf(WireTransportError)
    expect(err.name).toBe('TimeoutError')
    expect(err.message).toBe('DynamoDB did not answer within 100 ms.')
    expect(err.$metadata).toMatchObject({ attempts: 2 })
    expect(seen).toHaveLength(2)
  })

  it('retries a dropped connection', async () => {
    script = [{ hangUp: true }, { body: '{}' }]
    const out = await wire().send(put())
    expect(out.$metadata).toMatchObject({ httpStatusCode: 200, attempts: 2 })
  })

  it('fails with NetworkError when nothing listens', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const client = new WireDocumentClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials })
    const err = await failure(client.send(put()))
    expect(err).toBeInstanceOf(WireTransportError)
    expect(err.name).toBe('NetworkError')
    expect(err.$metadata).toMatchObject({ attempts: 2 })
    expectNoValues(err)
  })

  it("honours the caller's abortSignal without retrying", async () => {
    fallback = () => ({ delayMs: 1000, body: '{}' })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 50)
    const err = await failure(wire({ maxAttempts: 3 }).send(put(), { abortSignal: controller.signal }))
    expect(err.name).toBe('AbortError')
    expect(seen).toHaveLength(1)
  })

  it('refuses a 200 answer that is not JSON', async () => {
    script = [{ body: 'not json' }]
    const err = await failure(wire().send(put()))
    expect(err.name).toBe('SerializationException')
  })
})
