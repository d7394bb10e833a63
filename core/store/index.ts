/**
 * @module core/store
 *
 * Builds the repositories for one table. The caller supplies the client: Node scripts an AWS SDK
 * `DynamoDBClient` (wrapped in a `DynamoDBDocumentClient` here), the Worker a ready document
 * client — `WireDocumentClient` (./wire/client.ts), which skips the SDK's middleware stack.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { DynamoAliasRepository, DynamoCredentialRepository, DynamoKeyRepository } from './repositories'
import { DynamoSecretRepository } from './secrets'
import { DynamoAuditRepository } from './audit'
import { DynamoIamRepository } from './iam'
import { DynamoInstanceRepository } from './instances'
import { DynamoGrantRepository } from './grants'
import { createEntities, createTable } from './table'

/**
 * A ready document client: anything dynamodb-toolbox can call as it calls
 * `DynamoDBDocumentClient` (`send(new GetCommand(input), options)` with document-shaped values),
 * such as `WireDocumentClient` or a `DynamoDBDocumentClient`.
 */
export interface DocumentClient {
  send(command: any, options?: any): Promise<any> // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** What {@link createStore} accepts: an SDK client to wrap, or a ready document client. */
export type StoreClient = DynamoDBClient | DocumentClient

/** A bare SDK client has a middleware stack; a document client is either the SDK's wrapper or has none. */
function toDocumentClient(client: StoreClient): DynamoDBDocumentClient {
  if (client instanceof DynamoDBDocumentClient || !('middlewareStack' in client)) {
    // Not a DynamoDBDocumentClient by class, but called the same way (dynamodb-toolbox only
    // ever calls `send`).
    return client as DynamoDBDocumentClient
  }
  return DynamoDBDocumentClient.from(client as DynamoDBClient, {
    marshallOptions: { removeUndefinedValues: true },
  })
}

export function createStore(client: StoreClient, tableName: string) {
  const documentClient = toDocumentClient(client)
  const table = createTable(tableName, documentClient)
  const entities = createEntities(table)
  return {
    table,
    entities,
    keys: new DynamoKeyRepository(table, entities),
    aliases: new DynamoAliasRepository(table, entities),
    credentials: new DynamoCredentialRepository(entities),
    secrets: new DynamoSecretRepository(table, entities),
    iam: new DynamoIamRepository(table, entities),
    audit: new DynamoAuditRepository(table, entities),
    instances: new DynamoInstanceRepository(table, entities),
    grants: new DynamoGrantRepository(table, entities),
  }
}

export type Store = ReturnType<typeof createStore>
