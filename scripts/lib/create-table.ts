/**
 * Creates the service's single table when it is missing (local dynalite or real DynamoDB).
 * The layout comes from core/store/table.ts (TABLE_LAYOUT) and is documented in core/store/SCHEMA.md.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb'
import { TABLE_LAYOUT } from '../../core/store/table'

export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<'created' | 'exists'> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }))
    return 'exists'
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException) && (err as Error).name !== 'ResourceNotFoundException') throw err
  }
  const { partitionKey, sortKey, indexes } = TABLE_LAYOUT
  const attrs = new Set<string>([partitionKey, sortKey])
  for (const idx of Object.values(indexes)) {
    attrs.add(idx.partitionKey)
    attrs.add(idx.sortKey)
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...attrs].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: Object.entries(indexes).map(([name, idx]) => ({
        IndexName: name,
        KeySchema: [
          { AttributeName: idx.partitionKey, KeyType: 'HASH' },
          { AttributeName: idx.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  )
  for (let i = 0; i < 600; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }))
    if (Table?.TableStatus === 'ACTIVE') break
    await new Promise((r) => setTimeout(r, 100))
  }
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TABLE_LAYOUT.ttlAttribute, Enabled: true },
      }),
    )
  } catch {
    // dynalite does not implement TTL; expired nonces are simply overwritable (see SCHEMA.md).
  }
  return 'created'
}
