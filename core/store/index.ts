/**
 * @module core/store
 *
 * Builds the repositories for one table. The caller supplies the DynamoDB client, so the worker
 * can use the fetch handler and Node scripts the default one.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import {
  DynamoAliasRepository,
  DynamoCredentialRepository,
  DynamoKeyRepository,
  DynamoNonceRepository,
} from './repositories'
import { DynamoSecretRepository } from './secrets'
import { DynamoAuditRepository } from './audit'
import { DynamoIamRepository } from './iam'
import { createEntities, createTable } from './table'

export function createStore(client: DynamoDBClient, tableName: string) {
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  })
  const table = createTable(tableName, documentClient)
  const entities = createEntities(table)
  return {
    table,
    entities,
    keys: new DynamoKeyRepository(table, entities),
    aliases: new DynamoAliasRepository(table, entities),
    credentials: new DynamoCredentialRepository(entities),
    nonces: new DynamoNonceRepository(entities),
    secrets: new DynamoSecretRepository(table, entities),
    iam: new DynamoIamRepository(table, entities),
    audit: new DynamoAuditRepository(table, entities),
  }
}

export type Store = ReturnType<typeof createStore>
