/**
 * @module core/store/wire/client
 *
 * A thin DynamoDB *document* client on `fetch`, for the Worker: dynamodb-toolbox calls it exactly
 * as it calls `DynamoDBDocumentClient` (`send(new GetCommand(input), options)`), and the results
 * are the same as `DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues:
 * true } })` gives. It exists because the AWS SDK v3 middleware stack costs ~700 µs of Worker CPU
 * per call; this costs one JSON walk each way, two SHA-256 and one HMAC (see ./sigv4.ts).
 *
 * Only fetch, TextEncoder/TextDecoder and @noble/hashes: the same code runs in workerd and Node.
 *
 * Commands: its own (./commands.ts, which the Worker bundle substitutes for `@aws-sdk/lib-dynamodb`,
 * so the Worker holds no AWS SDK code) or, in Node, lib-dynamodb's of the same names: Get, Put,
 * Update, Delete, Query, Scan, BatchGet, BatchWrite. TransactGet/TransactWrite throw: dynalite has
 * no transactions and the store never uses them (core/store/SCHEMA.md, "one item, one write").
 *
 * Errors: a DynamoDB error answer becomes an Error named after its code
 * (`ConditionalCheckFailedException`, …) with DynamoDB's `message`, `$fault` and `$metadata`, as
 * the SDK's service exceptions have them; request and response bodies never go into an error.
 * Retries (up to `maxAttempts` in all, jittered backoff): network errors, timeouts, HTTP 5xx and
 * throttling. A retried write may have taken effect the first time; conditional writes then
 * fail their condition on the retry, which the repositories already treat as a lost race.
 */
import type {
  BatchGetCommand,
  BatchGetCommandOutput,
  BatchWriteCommand,
  BatchWriteCommandOutput,
  DeleteCommand,
  DeleteCommandOutput,
  GetCommand,
  GetCommandOutput,
  PutCommand,
  PutCommandOutput,
  QueryCommand,
  QueryCommandOutput,
  ScanCommand,
  ScanCommandOutput,
  UpdateCommand,
  UpdateCommandOutput,
  WireCommand,
  WireCommandOutput,
  WireMetadata,
  WireOperationName,
} from './commands'
import { fromWire, fromWireMap, toWire, toWireMap } from './codec'
import { signRequest, type SigV4Credentials } from './sigv4'

export interface WireDocumentClientOptions {
  /** `https://dynamodb.<region>.amazonaws.com`, or a local endpoint such as `http://127.0.0.1:8000`. */
  endpoint: string
  region: string
  credentials: SigV4Credentials
  /** Per attempt, including reading the answer. Default 5000. */
  timeoutMs?: number
  /** Attempts in all (1 = no retry). Default 2. */
  maxAttempts?: number
}

/** What dynamodb-toolbox passes as the second argument of `send` (the SDK's HttpHandlerOptions). */
export interface WireSendOptions {
  abortSignal?: AbortSignal | { aborted: boolean } | undefined
  requestTimeout?: number | undefined
}

export type { WireCommand, WireMetadata } from './commands'

/** One of `@aws-sdk/lib-dynamodb`'s commands (what dynamodb-toolbox builds in Node): only `input` is read. */
export interface SdkCommand {
  readonly input: object
}

/** A DynamoDB error answer, shaped like the SDK's service exceptions (`name`, `$fault`, `$metadata`). */
export class WireServiceError extends Error {
  readonly $fault: 'client' | 'server'
  readonly $metadata: WireMetadata
  constructor(name: string, message: string, fault: 'client' | 'server', metadata: WireMetadata) {
    super(message)
    this.name = name
    this.$fault = fault
    this.$metadata = metadata
  }
}

/** No answer: a network failure, a timeout (`name` `TimeoutError`) or the caller's abort (`AbortError`). */
export class WireTransportError extends Error {
  readonly $metadata: WireMetadata
  constructor(name: string, message: string, metadata: WireMetadata, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause })
    this.name = name
    this.$metadata = metadata
  }
}

export type WireOutput<C> = C extends GetCommand
  ? GetCommandOutput
  : C extends PutCommand
    ? PutCommandOutput
    : C extends UpdateCommand
      ? UpdateCommandOutput
      : C extends DeleteCommand
        ? DeleteCommandOutput
        : C extends QueryCommand
          ? QueryCommandOutput
          : C extends ScanCommand
            ? ScanCommandOutput
            : C extends BatchGetCommand
              ? BatchGetCommandOutput
              : C extends BatchWriteCommand
                ? BatchWriteCommandOutput
                : never

type Doc = Record<string, unknown>
type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

interface Operation {
  target: string
  input(input: Json): Json
  output(output: Json): void
}

// ---------------------------------------------------------------------------------------------
// The fields each operation carries as document values (lib-dynamodb's inputKeyNodes and
// outputKeyNodes, one for one).

function mapValues<T, U>(record: Record<string, T> | undefined, fn: (value: T) => U): Record<string, U> | undefined {
  if (record === undefined || record === null) return record as undefined
  const out: Record<string, U> = {}
  for (const key of Object.keys(record)) out[key] = fn(record[key] as T)
  return out
}

const attrList = (list: unknown[] | undefined) => list?.map((v) => (v === undefined ? undefined : toWire(v)))

/** Legacy `Expected` conditions: `Value` and `AttributeValueList`. */
const expected = (conditions: Record<string, Json> | undefined) =>
  mapValues(conditions, (c) => ({
    ...c,
    Value: c.Value === undefined ? undefined : toWire(c.Value),
    AttributeValueList: attrList(c.AttributeValueList),
  }))

/** Legacy `KeyConditions` / `QueryFilter` / `ScanFilter`. */
const valueLists = (conditions: Record<string, Json> | undefined) =>
  mapValues(conditions, (c) => ({ ...c, AttributeValueList: attrList(c.AttributeValueList) }))

const docMap = (value: unknown) => toWireMap(value as Doc | undefined)
const nativeMap = (value: unknown) => (value === undefined ? undefined : fromWireMap(value as Doc))

function unmarshallKeyed(output: Json, field: string): void {
  if (output[field] !== undefined) output[field] = fromWireMap(output[field])
}

function unmarshallCollectionKey(output: Json): void {
  const metrics = output.ItemCollectionMetrics
  if (metrics?.ItemCollectionKey !== undefined) metrics.ItemCollectionKey = fromWireMap(metrics.ItemCollectionKey)
}

function unmarshallItems(output: Json): void {
  const items = output.Items as Doc[] | undefined
  if (items !== undefined) for (let i = 0; i < items.length; i++) items[i] = fromWireMap(items[i] as Doc)
  unmarshallKeyed(output, 'LastEvaluatedKey')
}

const GET: Operation = {
  target: 'DynamoDB_20120810.GetItem',
  input: (i) => ({ ...i, Key: docMap(i.Key) }),
  output: (o) => unmarshallKeyed(o, 'Item'),
}
const PUT: Operation = {
  target: 'DynamoDB_20120810.PutItem',
  input: (i) => ({
    ...i,
    Item: docMap(i.Item),
    Expected: expected(i.Expected),
    ExpressionAttributeValues: docMap(i.ExpressionAttributeValues),
  }),
  output: (o) => {
    unmarshallKeyed(o, 'Attributes')
    unmarshallCollectionKey(o)
  },
}
const UPDATE: Operation = {
  target: 'DynamoDB_20120810.UpdateItem',
  input: (i) => ({
    ...i,
    Key: docMap(i.Key),
    AttributeUpdates: mapValues(i.AttributeUpdates as Record<string, Json> | undefined, (u) => ({
      ...u,
      Value: u.Value === undefined ? undefined : toWire(u.Value),
    })),
    Expected: expected(i.Expected),
    ExpressionAttributeValues: docMap(i.ExpressionAttributeValues),
  }),
  output: PUT.output,
}
const DELETE: Operation = {
  target: 'DynamoDB_20120810.DeleteItem',
  input: (i) => ({
    ...i,
    Key: docMap(i.Key),
    Expected: expected(i.Expected),
    ExpressionAttributeValues: docMap(i.ExpressionAttributeValues),
  }),
  output: PUT.output,
}
const QUERY: Operation = {
  target: 'DynamoDB_20120810.Query',
  input: (i) => ({
    ...i,
    KeyConditions: valueLists(i.KeyConditions),
    QueryFilter: valueLists(i.QueryFilter),
    ExclusiveStartKey: docMap(i.ExclusiveStartKey),
    ExpressionAttributeValues: docMap(i.ExpressionAttributeValues),
  }),
  output: unmarshallItems,
}
const SCAN: Operation = {
  target: 'DynamoDB_20120810.Scan',
  input: (i) => ({
    ...i,
    ScanFilter: valueLists(i.ScanFilter),
    ExclusiveStartKey: docMap(i.ExclusiveStartKey),
    ExpressionAttributeValues: docMap(i.ExpressionAttributeValues),
  }),
  output: unmarshallItems,
}

const batchGetKeys = (requests: Record<string, Json> | undefined, convert: (v: unknown) => unknown) =>
  mapValues(requests, (r) => ({ ...r, Keys: (r.Keys as unknown[] | undefined)?.map(convert) }))

const BATCH_GET: Operation = {
  target: 'DynamoDB_20120810.BatchGetItem',
  input: (i) => ({ ...i, RequestItems: batchGetKeys(i.RequestItems, docMap) }),
  output: (o) => {
    if (o.Responses !== undefined) o.Responses = mapValues(o.Responses as Record<string, Doc[]>, (items) => items.map(nativeMap))
    if (o.UnprocessedKeys !== undefined) o.UnprocessedKeys = batchGetKeys(o.UnprocessedKeys, nativeMap)
  },
}

const writeRequests = (requests: Record<string, Json[]> | undefined, convert: (v: unknown) => unknown) =>
  mapValues(requests, (list) =>
    list.map((r) => ({
      ...r,
      ...(r.PutRequest !== undefined ? { PutRequest: { ...r.PutRequest, Item: convert(r.PutRequest.Item) } } : {}),
      ...(r.DeleteRequest !== undefined ? { DeleteRequest: { ...r.DeleteRequest, Key: convert(r.DeleteRequest.Key) } } : {}),
    })),
  )

const BATCH_WRITE: Operation = {
  target: 'DynamoDB_20120810.BatchWriteItem',
  input: (i) => ({ ...i, RequestItems: writeRequests(i.RequestItems, docMap) }),
  output: (o) => {
    if (o.UnprocessedItems !== undefined) o.UnprocessedItems = writeRequests(o.UnprocessedItems, nativeMap)
    if (o.ItemCollectionMetrics !== undefined) {
      o.ItemCollectionMetrics = mapValues(o.ItemCollectionMetrics as Record<string, Json[]>, (list) =>
        list.map((m) => (m.ItemCollectionKey === undefined ? m : { ...m, ItemCollectionKey: fromWireMap(m.ItemCollectionKey) })),
      )
    }
  },
}

/**
 * lib-dynamodb's command classes (what dynamodb-toolbox builds in Node) carry no operation name;
 * their class names are theirs and stable, and ./commands.ts uses the same ones.
 */
const SDK_COMMAND_OPERATIONS: Readonly<Record<string, WireOperationName>> = {
  GetCommand: 'GetItem',
  PutCommand: 'PutItem',
  UpdateCommand: 'UpdateItem',
  DeleteCommand: 'DeleteItem',
  QueryCommand: 'Query',
  ScanCommand: 'Scan',
  BatchGetCommand: 'BatchGetItem',
  BatchWriteCommand: 'BatchWriteItem',
  TransactGetCommand: 'TransactGetItems',
  TransactWriteCommand: 'TransactWriteItems',
}

const OPERATIONS: Readonly<Record<string, Operation>> = {
  GetItem: GET,
  PutItem: PUT,
  UpdateItem: UPDATE,
  DeleteItem: DELETE,
  Query: QUERY,
  Scan: SCAN,
  BatchGetItem: BATCH_GET,
  BatchWriteItem: BATCH_WRITE,
}

/** The operation of one of ./commands.ts's commands (its `operation`) or of lib-dynamodb's (its class). */
function operationOf(command: unknown): Operation {
  const own = (command as { operation?: unknown } | null)?.operation
  const name =
    typeof own === 'string'
      ? own
      : command !== null && typeof command === 'object'
        ? SDK_COMMAND_OPERATIONS[command.constructor.name]
        : undefined
  if (name === 'TransactGetItems' || name === 'TransactWriteItems') {
    throw new Error('WireDocumentClient does not support transactions (dynalite has none; the store never uses them).')
  }
  const operation = name === undefined ? undefined : OPERATIONS[name]
  if (operation === undefined) {
    throw new Error('WireDocumentClient supports only Get, Put, Update, Delete, Query, Scan, BatchGet and BatchWrite commands.')
  }
  return operation
}

// ---------------------------------------------------------------------------------------------
// Transport

const RETRYABLE_CODES = new Set(['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded'])
const BACKOFF_BASE_MS = 25
const BACKOFF_CAP_MS = 400

const encoder = new TextEncoder()

/** The SDK's error-code rule: `x-amzn-errortype`, else `code`, else `__type`; drop `…#` and `:…`. */
function errorCode(headerValue: string | null, body: Json | undefined): string | undefined {
  const raw = headerValue ?? (typeof body?.code === 'string' ? body.code : typeof body?.__type === 'string' ? body.__type : undefined)
  if (raw === undefined) return undefined
  let code = raw
  if (code.includes(':')) code = code.split(':')[0] as string
  if (code.includes('#')) code = code.split('#')[1] as string
  return code || undefined
}

function parseJson(text: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object' ? (value as Json) : undefined
  } catch {
    return undefined
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export class WireDocumentClient {
  private readonly url: string
  private readonly host: string
  private readonly path: string
  private readonly region: string
  private readonly credentials: SigV4Credentials
  private readonly timeoutMs: number
  private readonly maxAttempts: number

  constructor(options: WireDocumentClientOptions) {
    const endpoint = new URL(options.endpoint)
    if (endpoint.protocol !== 'https:' && endpoint.protocol !== 'http:') {
      throw new Error('The DynamoDB endpoint must be an http(s) URL.')
    }
    if (endpoint.search || endpoint.hash) throw new Error('The DynamoDB endpoint must not carry a query or fragment.')
    this.host = endpoint.host
    this.path = endpoint.pathname.endsWith('/') ? endpoint.pathname : `${endpoint.pathname}/`
    this.url = `${endpoint.protocol}//${endpoint.host}${this.path}`
    this.region = options.region
    this.credentials = { ...options.credentials }
    this.timeoutMs = options.timeoutMs ?? 5000
    this.maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? 2))
  }

  async send<C extends WireCommand>(command: C, options?: WireSendOptions): Promise<WireOutput<C>>
  async send(command: SdkCommand, options?: WireSendOptions): Promise<WireCommandOutput>
  async send(command: WireCommand | SdkCommand, options?: WireSendOptions): Promise<WireCommandOutput> {
    const operation = operationOf(command)
    const body = encoder.encode(JSON.stringify(operation.input(command.input as Json)))
    const { output, metadata } = await this.call(operation.target, body, options)
    operation.output(output)
    output.$metadata = metadata
    return output as WireCommandOutput
  }

  /** One DynamoDB JSON call with retries; returns the parsed answer. */
  private async call(
    target: string,
    body: Uint8Array,
    options: WireSendOptions | undefined,
  ): Promise<{ output: Json; metadata: WireMetadata }> {
    // The SDK also accepts a bare `{ aborted }` object; only a real AbortSignal can cut a fetch short.
    const userSignal = options?.abortSignal as AbortSignal | undefined
    const linkable = typeof AbortSignal.any === 'function' && userSignal instanceof AbortSignal
    const timeoutMs = options?.requestTimeout ?? this.timeoutMs
    let totalRetryDelay = 0
    for (let attempt = 1; ; attempt++) {
      const meta = (status?: number, requestId?: string | null): WireMetadata => ({
        ...(status !== undefined ? { httpStatusCode: status } : {}),
        ...(requestId ? { requestId } : {}),
        attempts: attempt,
        totalRetryDelay,
      })
      if (userSignal?.aborted) throw new WireTransportError('AbortError', 'The DynamoDB request was aborted.', meta())

      const timeout = AbortSignal.timeout(timeoutMs)
      const signal = linkable ? AbortSignal.any([timeout, userSignal]) : timeout
      const headers = signRequest(
        {
          method: 'POST',
          host: this.host,
          path: this.path,
          headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target },
          body,
        },
        { credentials: this.credentials, region: this.region, service: 'dynamodb' },
      )

      let status: number
      let text: string
      let response: Response
      try {
        response = await fetch(this.url, { method: 'POST', headers, body, signal })
        status = response.status
        text = await response.text()
      } catch (err) {
        if (userSignal?.aborted) throw new WireTransportError('AbortError', 'The DynamoDB request was aborted.', meta())
        const error = timeout.aborted
          ? new WireTransportError('TimeoutError', `DynamoDB did not answer within ${timeoutMs} ms.`, meta())
          : new WireTransportError('NetworkError', 'The DynamoDB request failed (network error).', meta(), err)
        if (attempt >= this.maxAttempts) throw error
        totalRetryDelay += await this.backoff(attempt)
        continue
      }

      const requestId = response.headers.get('x-amzn-requestid')
      const parsed = parseJson(text)
      if (status >= 200 && status < 300) {
        if (parsed === undefined) {
          throw new WireServiceError(
            'SerializationException',
            'DynamoDB sent an answer that is not a JSON object.',
            'server',
            meta(status, requestId),
          )
        }
        return { output: parsed, metadata: meta(status, requestId) }
      }

      const code = errorCode(response.headers.get('x-amzn-errortype'), parsed) ?? (status >= 500 ? 'InternalServerError' : 'UnknownError')
      const message =
        typeof parsed?.message === 'string'
          ? parsed.message
          : typeof parsed?.Message === 'string'
            ? parsed.Message
            : `DynamoDB answered HTTP ${status}.`
      const error = new WireServiceError(code, message, status >= 500 ? 'server' : 'client', meta(status, requestId))
      const retryable = status >= 500 || RETRYABLE_CODES.has(code)
      if (!retryable || attempt >= this.maxAttempts) throw error
      totalRetryDelay += await this.backoff(attempt)
    }
  }

  /** Equal jitter: half the exponential step, plus a random half. */
  private async backoff(attempt: number): Promise<number> {
    const step = Math.min(BACKOFF_BASE_MS * 2 ** (attempt - 1), BACKOFF_CAP_MS)
    const delay = Math.round(step / 2 + Math.random() * (step / 2))
    await sleep(delay)
    return delay
  }
}

export { fromWire, toWire }
