/**
 * @module test/contract/local-dynamo
 *
 * A private dynalite for the contract suite: in-process, in memory (no path: dynalite keeps the
 * table in memory-level), on an ephemeral loopback port. Every {@link LocalDynamo.newStore} call
 * creates a fresh table with the service's own layout (scripts/lib/create-table.ts, from
 * core/store/table.ts), so each test starts from an empty table — the due-time and chain
 * partitions are global, and tests must not see each other's items there.
 */
import type { AddressInfo } from 'node:net'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import dynalite from 'dynalite'
import { ensureTable } from '../../scripts/lib/create-table'
import { createStore, type Store } from '../../core/store'
import { WireDocumentClient } from '../../core/store/wire/client'

/** Which document client the repositories run on: the AWS SDK's (Node) or the Worker's wire client. */
export type ClientKind = 'sdk' | 'wire'

export interface LocalDynamo {
  endpoint: string
  /** Repositories on a new, empty table. */
  newStore(kind: ClientKind): Promise<Store>
  close(): Promise<void>
}

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' }
const TABLE_BATCH = 8

/** Starts dynalite on 127.0.0.1:<ephemeral>. */
export async function startLocalDynamo(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => ok())
  })
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials })
  const wire = new WireDocumentClient({ endpoint, region: 'us-east-1', credentials })
  // ensureTable waits ~100 ms for a new table to turn ACTIVE: tables are made in batches ahead
  // of use, so a test waits for one batch at most once in TABLE_BATCH tests.
  let tables = 0
  const ready: Array<Promise<string>> = []
  return {
    endpoint,
    async newStore(kind) {
      if (ready.length === 0) {
        for (let i = 0; i < TABLE_BATCH; i++) {
          const tableName = `contract-${++tables}`
          const made = ensureTable(client, tableName).then(() => tableName)
          made.catch(() => {}) // awaited below; never an unhandled rejection meanwhile
          ready.push(made)
        }
      }
      const tableName = await ready.shift()!
      return createStore(kind === 'sdk' ? client : wire, tableName)
    },
    close: () =>
      new Promise<void>((ok) => {
        client.destroy()
        server.close(() => ok())
      }),
  }
}
