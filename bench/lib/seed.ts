/**
 * Seeds keys straight into the table with core's `createStore` + `createKey` (the same code the
 * API runs, minus HTTP and auth), with the stack's root keys and the dynalite endpoint. Much
 * faster than CreateKey through the API. Bounded in count and time.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { parseRootKeyRing } from '../../core/crypto/root-key'
import { randomBytes } from '../../core/crypto/random'
import { nodeRsaEngine } from '../../core/platform/node-rsa-engine'
import { createKey } from '../../core/domain/keys/create-key'
import type { Caller } from '../../core/domain/model'
import { systemClock } from '../../core/domain/ports'
import { createStore } from '../../core/store'

export interface SeedOptions {
  dynamoEndpoint: string
  tableName: string
  dataDir: string
  caller: Caller
  count: number
  /** e.g. '7d': automatic rotation, so the keys become due for the cron job. */
  rotationInterval?: string
  concurrency?: number
  deadlineMs: number
  onProgress?: (done: number) => void
}

export function dynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  })
}

export async function seedKeys(opts: SeedOptions): Promise<{ keyIds: string[]; ms: number; failed: number }> {
  const client = dynamoClient(opts.dynamoEndpoint)
  const store = createStore(client, opts.tableName)
  const rootKeys = parseRootKeyRing(readFileSync(join(opts.dataDir, 'root-keys.json'), 'utf8'))
  const deps = { keys: store.keys, aliases: store.aliases, clock: systemClock, random: randomBytes, rootKeys, rsa: nodeRsaEngine }
  const keyIds: string[] = []
  let next = 0
  let failed = 0
  const t0 = performance.now()
  const deadline = t0 + opts.deadlineMs
  const worker = async () => {
    while (next < opts.count && performance.now() < deadline && failed < 100) {
      next++
      try {
        const key = await createKey(deps, opts.caller, {
          description: 'bench seed',
          ...(opts.rotationInterval ? { enableAutomaticRotation: true, rotationInterval: opts.rotationInterval } : {}),
        })
        keyIds.push(key.keyId)
        if (keyIds.length % 1000 === 0) opts.onProgress?.(keyIds.length)
      } catch {
        failed++
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: opts.concurrency ?? 32 }, worker))
  } finally {
    client.destroy()
  }
  return { keyIds, ms: Math.round(performance.now() - t0), failed }
}
