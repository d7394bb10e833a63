/**
 * @module core/store/wire/commands
 *
 * The wire client's own document commands, inputs and outputs: what `@aws-sdk/lib-dynamodb`
 * exports under the same names, cut down to what a command is to dynamodb-toolbox and to
 * {@link WireDocumentClient} (./client.ts): an operation name and its input, with document values
 * (no SDK middleware, no marshalling options).
 *
 * The Worker bundle resolves `@aws-sdk/lib-dynamodb` to this module (wrangler.toml `[alias]`), so
 * dynamodb-toolbox's `new GetCommand(params)` builds one of these and the bundle holds no
 * `@aws-sdk` module at all. Node (scripts, tests, bench) keeps the real SDK, and the wire client
 * accepts both kinds of command (./client.ts `operationOf`).
 *
 * Only the exports dynamodb-toolbox and core/store import at run time are here; an import of
 * anything else from `@aws-sdk/lib-dynamodb` in Worker code fails the build instead of pulling
 * the SDK back in.
 */

/** A document: attribute name → JavaScript value (string, number, bigint, boolean, null, Uint8Array, Set, list, map). */
export type WireDocument = Record<string, unknown>

/** A command's input: DynamoDB's request fields, with items, keys and values as documents. */
export type WireCommandInput = Readonly<Record<string, unknown>>

/** The DynamoDB operations the commands stand for (the `DynamoDB_20120810.<operation>` target). */
export type WireOperationName =
  | 'GetItem'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'Query'
  | 'Scan'
  | 'BatchGetItem'
  | 'BatchWriteItem'
  | 'TransactGetItems'
  | 'TransactWriteItems'

/** What every answer carries, as the SDK's `$metadata`. */
export interface WireMetadata {
  httpStatusCode?: number
  requestId?: string
  attempts: number
  totalRetryDelay: number
}

/** DynamoDB's answer fields (as documents where lib-dynamodb unmarshalls them) and `$metadata`. */
export interface WireCommandOutput {
  $metadata: WireMetadata
  ConsumedCapacity?: unknown
  ItemCollectionMetrics?: unknown
  [field: string]: unknown
}

export interface GetCommandOutput extends WireCommandOutput {
  Item?: WireDocument
}
export interface PutCommandOutput extends WireCommandOutput {
  Attributes?: WireDocument
}
export type UpdateCommandOutput = PutCommandOutput
export type DeleteCommandOutput = PutCommandOutput
export interface QueryCommandOutput extends WireCommandOutput {
  Items?: WireDocument[]
  Count?: number
  ScannedCount?: number
  LastEvaluatedKey?: WireDocument
}
export type ScanCommandOutput = QueryCommandOutput
export interface BatchGetCommandOutput extends WireCommandOutput {
  Responses?: Record<string, WireDocument[]>
  UnprocessedKeys?: Record<string, { Keys?: WireDocument[]; [field: string]: unknown }>
}
export interface BatchWriteCommandOutput extends WireCommandOutput {
  UnprocessedItems?: Record<string, Array<{ PutRequest?: { Item: WireDocument }; DeleteRequest?: { Key: WireDocument } }>>
}

/** One command: the operation and its input, nothing else. */
abstract class WireCommandBase<O extends WireOperationName> {
  abstract readonly operation: O
  constructor(readonly input: WireCommandInput) {}
}

export class GetCommand extends WireCommandBase<'GetItem'> {
  readonly operation = 'GetItem'
}
export class PutCommand extends WireCommandBase<'PutItem'> {
  readonly operation = 'PutItem'
}
export class UpdateCommand extends WireCommandBase<'UpdateItem'> {
  readonly operation = 'UpdateItem'
}
export class DeleteCommand extends WireCommandBase<'DeleteItem'> {
  readonly operation = 'DeleteItem'
}
export class QueryCommand extends WireCommandBase<'Query'> {
  readonly operation = 'Query'
}
export class ScanCommand extends WireCommandBase<'Scan'> {
  readonly operation = 'Scan'
}
export class BatchGetCommand extends WireCommandBase<'BatchGetItem'> {
  readonly operation = 'BatchGetItem'
}
export class BatchWriteCommand extends WireCommandBase<'BatchWriteItem'> {
  readonly operation = 'BatchWriteItem'
}
/** dynamodb-toolbox imports the transaction commands; the wire client refuses them (no transactions in dynalite or the store). */
export class TransactGetCommand extends WireCommandBase<'TransactGetItems'> {
  readonly operation = 'TransactGetItems'
}
export class TransactWriteCommand extends WireCommandBase<'TransactWriteItems'> {
  readonly operation = 'TransactWriteItems'
}

export type WireCommand =
  GetCommand | PutCommand | UpdateCommand | DeleteCommand | QueryCommand | ScanCommand | BatchGetCommand | BatchWriteCommand

/**
 * What core/store/index.ts imports from `@aws-sdk/lib-dynamodb` to wrap a bare SDK client. The
 * Worker never has one (it builds a {@link WireDocumentClient}), so nothing is ever an instance of
 * this and `from` refuses.
 */
export class DynamoDBDocumentClient {
  private constructor() {}
  static from(): never {
    throw new Error('The Worker bundle has no AWS SDK: pass a WireDocumentClient (core/store/wire/client.ts) to createStore.')
  }
}
