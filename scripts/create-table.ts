/**
 * `npm run create-table`: creates the service's table in real DynamoDB (or any endpoint) when it
 * is missing. Uses the standard AWS credential chain (AWS_ACCESS_KEY_ID, AWS_PROFILE, …), plus
 * DYNAMODB_TABLE (default edge-kms), DYNAMODB_REGION and DYNAMODB_ENDPOINT.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { ensureTable } from './lib/create-table'

const tableName = process.env.DYNAMODB_TABLE || 'edge-kms'
const client = new DynamoDBClient({
  region: process.env.DYNAMODB_REGION || process.env.AWS_REGION || 'us-east-1',
  endpoint: process.env.DYNAMODB_ENDPOINT || undefined,
})
ensureTable(client, tableName).then(
  (result) => console.log(`table ${tableName}: ${result}`),
  (err) => {
    console.error(`error: ${(err as Error).message}`)
    process.exit(1)
  },
)
