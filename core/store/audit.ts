/**
 * @module core/store/audit
 *
 * DynamoDB implementation of the AuditRepository port (layout in ./SCHEMA.md (Audit trail)).
 *
 * - Each event is its own item `AUDIT#EVT#<eventId>`, written once by its request.
 * - gsi1 `AUDIT#ACCT#<account>` / `<time>#<eventId>` serves LookupEvents (per tenant).
 * - gsi2 holds either the sealing queue `AUDIT#PENDING#<shard>` / `<time>#<eventId>` (8 shards,
 *   so no single index partition takes every write) or, once sealed, the chain
 *   `AUDIT#CHAIN#<seq / 10000>` / `<seq, 12 digits>`.
 * - The chain head `AUDIT#HEAD#main` and the digests `AUDIT#DIGEST` / `<digestSeq>` are written
 *   by the sealing job only.
 * - The nonce ledger `CLAIM#<accessKeyId>#<second>` / `CLAIMS`: one attribute per claimed replay
 *   id, written by the group commit (core/domain/audit/group-commit.ts) before the records.
 */
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get'
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put'
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query'
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand as QueryCommand_,
  UpdateCommand,
  type BatchWriteCommandInput,
} from '@aws-sdk/lib-dynamodb'
import type { AuditRepository, NonceLedger } from '../domain/ports'
import type { AuditDigest, AuditRecord, ChainHead } from '../domain/audit/model'
import { guard } from './common'
import type { KmsEntities, KmsTable } from './table'

export const PENDING_SHARDS = 8
const CHAIN_BUCKET = 10_000
/** Rounds of BatchWriteItem for the UnprocessedItems DynamoDB hands back (throttled items). */
const BATCH_ROUNDS = 5

function ledgerKey(l: NonceLedger) {
  return { pk: `CLAIM#${l.accessKeyId}#${l.second}`, sk: 'CLAIMS' }
}
const HEAD = 'main'

function pad(n: number): string {
  return String(n).padStart(12, '0')
}

function shardOf(eventId: string): number {
  let h = 0
  for (let i = 0; i < eventId.length; i++) h = (h * 31 + eventId.charCodeAt(i)) >>> 0
  return h % PENDING_SHARDS
}

function recordItem(r: AuditRecord) {
  const sealed = r.seq !== undefined
  return {
    eventId: r.eventId,
    body: r.body,
    accountId: r.accountId,
    time: r.time,
    ...(sealed ? { seq: r.seq, prevHash: r.prevHash, hash: r.hash, mac: r.mac, kid: r.kid } : {}),
    gsi1pk: `AUDIT#ACCT#${r.accountId}`,
    gsi1sk: `${r.time}#${r.eventId}`,
    gsi2pk: sealed ? `AUDIT#CHAIN#${Math.floor(r.seq! / CHAIN_BUCKET)}` : `AUDIT#PENDING#${shardOf(r.eventId)}`,
    gsi2sk: sealed ? pad(r.seq!) : `${r.time}#${r.eventId}`,
  }
}

function toRecord(item: Record<string, unknown>): AuditRecord {
  const { gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, ...rest } = item
  return rest as unknown as AuditRecord
}

/** A record from a raw (document client) item: also without the table's key and entity attributes. */
function rawToRecord(item: Record<string, unknown>, entityAttribute: string): AuditRecord {
  const { pk: _p, sk: _s, [entityAttribute]: _e, ...rest } = item
  return toRecord(rest)
}

export class DynamoAuditRepository implements AuditRepository {
  constructor(
    private readonly table: KmsTable,
    private readonly entities: KmsEntities,
  ) {}

  /**
   * Every API call makes this write (and it claims the call's nonce), so it skips the entity's
   * parser and goes to the document client with the item exactly as {@link putParams} builds it
   * (`core/store/audit.test.ts` holds it equal to what the entity builds).
   */
  put(record: AuditRecord): Promise<void> {
    return guard('put audit record', async () => {
      await this.table.getDocumentClient().send(new PutCommand(this.putParams(record)))
    })
  }

  /** The entity's item for `record`: key, `_et` and attributes, as the entity builds it. */
  private eventItem(record: AuditRecord) {
    return {
      pk: `AUDIT#EVT#${record.eventId}`,
      sk: 'EVENT',
      [this.table.entityAttributeSavedAs]: this.entities.AuditEventEntity.entityName,
      ...recordItem(record),
    }
  }

  /** The PutItem input of {@link put}: the entity's item (key, `_et`, attributes), absent only. */
  putParams(record: AuditRecord) {
    return {
      TableName: this.table.getName(),
      Item: this.eventItem(record),
      ConditionExpression: 'attribute_not_exists(#c_1)',
      ExpressionAttributeNames: { '#c_1': 'eventId' },
    }
  }

  /**
   * BatchWriteItem of the records' items (unconditional: see the port), re-sending what DynamoDB
   * returns as UnprocessedItems; throws when some are still unwritten after {@link BATCH_ROUNDS}.
   */
  putMany(records: AuditRecord[]): Promise<void> {
    return guard('put audit records', async () => {
      const table = this.table.getName()
      type Requests = NonNullable<BatchWriteCommandInput['RequestItems']>[string]
      let requests: Requests = records.map((r) => ({ PutRequest: { Item: this.eventItem(r) } }))
      for (let round = 1; requests.length; round++) {
        if (round > BATCH_ROUNDS)
          throw Object.assign(new Error('BatchWriteItem left items unprocessed'), { name: 'ProvisionedThroughputExceededException' })
        if (round > 1) await new Promise((r) => setTimeout(r, 10 * 2 ** round))
        const out = await this.table.getDocumentClient().send(new BatchWriteCommand({ RequestItems: { [table]: requests } }))
        requests = out.UnprocessedItems?.[table] ?? []
      }
    })
  }

  /** The UpdateItem of {@link claimNonces}: every name set to `token`, none of them present before. */
  claimParams(ledger: NonceLedger, names: string[], token: string) {
    const attrNames: Record<string, string> = { '#x': 'expiresAt' }
    const sets: string[] = ['#x = :x']
    const conds: string[] = []
    names.forEach((n, i) => {
      attrNames[`#c${i}`] = n
      sets.push(`#c${i} = :t`)
      conds.push(`attribute_not_exists(#c${i})`)
    })
    return {
      TableName: this.table.getName(),
      Key: ledgerKey(ledger),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: conds.join(' AND '),
      ExpressionAttributeNames: attrNames,
      ExpressionAttributeValues: { ':t': token, ':x': ledger.expiresAt },
    }
  }

  claimNonces(ledger: NonceLedger, names: string[], token: string): Promise<void> {
    if (names.length === 0) return Promise.resolve()
    return guard('claim nonces', async () => {
      await this.table.getDocumentClient().send(new UpdateCommand(this.claimParams(ledger, names, token)))
    })
  }

  readNonceClaims(ledger: NonceLedger, names: string[]): Promise<Map<string, string>> {
    return guard('read nonce claims', async () => {
      const attrNames = Object.fromEntries(names.map((n, i) => [`#c${i}`, n]))
      const { Item } = (await this.table.getDocumentClient().send(
        new GetCommand({
          TableName: this.table.getName(),
          Key: ledgerKey(ledger),
          ConsistentRead: true,
          ProjectionExpression: names.map((_, i) => `#c${i}`).join(', '),
          ExpressionAttributeNames: attrNames,
        }),
      )) as { Item?: Record<string, unknown> }
      const out = new Map<string, string>()
      for (const n of names) if (typeof Item?.[n] === 'string') out.set(n, Item[n] as string)
      return out
    })
  }

  get(eventId: string): Promise<AuditRecord | undefined> {
    return guard('get audit record', async () => {
      const { Item } = await this.entities.AuditEventEntity.build(GetItemCommand).key({ eventId }).options({ consistent: true }).send()
      return Item ? toRecord(Item as Record<string, unknown>) : undefined
    })
  }

  replaceUnsealed(record: AuditRecord, expectedBody: string): Promise<void> {
    return guard('complete audit record', async () => {
      await this.entities.AuditEventEntity.build(PutItemCommand)
        .item(recordItem({ ...record, seq: undefined }))
        .options({
          condition: {
            and: [
              { attr: 'body', eq: expectedBody },
              { attr: 'seq', exists: false },
            ],
          },
        })
        .send()
    })
  }

  /**
   * Reads each shard for a share of `limit` (not `limit` each: that read 8× what it used) and
   * merges them. A shard that filled its share may hold older records than the other shards'
   * newest ones, so the merge stops at the earliest "last record" of any full shard: what it
   * returns is exactly the oldest records, and a short answer just means "call again".
   */
  listPending(untilTime: string, limit: number): Promise<AuditRecord[]> {
    return guard('list pending audit records', async () => {
      const share = Math.max(16, Math.ceil((limit * 2) / PENDING_SHARDS))
      const shards = await Promise.all(
        Array.from({ length: PENDING_SHARDS }, async (_, shard) => {
          const { Items = [] } = await this.table.getDocumentClient().send(
            new QueryCommand_({
              TableName: this.table.getName(),
              IndexName: 'gsi2',
              KeyConditionExpression: 'gsi2pk = :p AND gsi2sk <= :u',
              ExpressionAttributeValues: { ':p': `AUDIT#PENDING#${shard}`, ':u': `${untilTime}#~` },
              Limit: share,
            }),
          )
          return {
            full: Items.length >= share,
            records: Items.map((i) => rawToRecord(i as Record<string, unknown>, this.table.entityAttributeSavedAs)),
          }
        }),
      )
      const key = (r: AuditRecord) => `${r.time}#${r.eventId}`
      let cutoff: string | undefined
      for (const s of shards) {
        if (!s.full || s.records.length === 0) continue
        const last = key(s.records[s.records.length - 1]!)
        if (cutoff === undefined || last < cutoff) cutoff = last
      }
      return shards
        .flatMap((s) => s.records)
        .filter((r) => cutoff === undefined || key(r) <= cutoff)
        .sort((a, b) => (key(a) < key(b) ? -1 : 1))
        .slice(0, limit)
    })
  }

  /** Seals through the document client (the sealer makes one per record; see {@link sealParams}). */
  seal(record: AuditRecord, expectedBody: string): Promise<void> {
    return guard('seal audit record', async () => {
      await this.table.getDocumentClient().send(new PutCommand(this.sealParams(record, expectedBody)))
    })
  }

  /** The PutItem input of {@link seal}: the entity's item, only over the unsealed `expectedBody`. */
  sealParams(record: AuditRecord, expectedBody: string) {
    return {
      TableName: this.table.getName(),
      Item: this.eventItem(record),
      ConditionExpression: '(#c_1 = :c_1) AND (attribute_not_exists(#c_2))',
      ExpressionAttributeNames: { '#c_1': 'body', '#c_2': 'seq' },
      ExpressionAttributeValues: { ':c_1': expectedBody },
    }
  }

  reseal(record: AuditRecord, expectedHash: string): Promise<void> {
    return guard('reseal audit record', async () => {
      await this.entities.AuditEventEntity.build(PutItemCommand)
        .item(recordItem(record))
        .options({ condition: { attr: 'hash', eq: expectedHash } })
        .send()
    })
  }

  getHead(): Promise<ChainHead | undefined> {
    return guard('get audit head', async () => {
      const { Item } = await this.entities.AuditHeadEntity.build(GetItemCommand).key({ chain: HEAD }).options({ consistent: true }).send()
      if (!Item) return undefined
      const { chain: _c, ...head } = Item
      return head as ChainHead
    })
  }

  putHead(head: ChainHead, expectedRev: number | undefined): Promise<void> {
    return guard('put audit head', async () => {
      await this.entities.AuditHeadEntity.build(PutItemCommand)
        .item({ chain: HEAD, ...head })
        .options({ condition: expectedRev === undefined ? { attr: 'chain', exists: false } : { attr: 'rev', eq: expectedRev } })
        .send()
    })
  }

  listChain(afterSeq: number, limit: number): Promise<AuditRecord[]> {
    return guard('list audit chain', async () => {
      const out: AuditRecord[] = []
      let bucket = Math.floor((afterSeq + 1) / CHAIN_BUCKET)
      let emptyBuckets = 0
      while (out.length < limit && emptyBuckets < 2) {
        const { Items = [] } = await this.table
          .build(QueryCommand)
          .entities(this.entities.AuditEventEntity)
          .query({ index: 'gsi2', partition: `AUDIT#CHAIN#${bucket}`, range: { gt: pad(afterSeq) } })
          .options({ limit: limit - out.length })
          .send()
        out.push(...Items.map((i) => toRecord(i as Record<string, unknown>)))
        if (out.length >= limit) break
        emptyBuckets = Items.length === 0 ? emptyBuckets + 1 : 0
        bucket++
      }
      return out
    })
  }

  putDigest(digest: AuditDigest): Promise<void> {
    return guard('put audit digest', async () => {
      await this.entities.AuditDigestEntity.build(PutItemCommand)
        .item(digest)
        .options({ condition: { attr: 'digestSeq', exists: false } })
        .send()
    })
  }

  listDigests(after: number, limit: number): Promise<AuditDigest[]> {
    return guard('list audit digests', async () => {
      const { Items = [] } = await this.table
        .build(QueryCommand)
        .entities(this.entities.AuditDigestEntity)
        .query({ partition: 'AUDIT#DIGEST', range: { gt: pad(after) } })
        .options({ limit, consistent: true })
        .send()
      return Items as AuditDigest[]
    })
  }

  listByAccount(accountId: string, fromKey: string, toKey: string, limit: number): Promise<AuditRecord[]> {
    return guard('list audit records', async () => {
      const { Items = [] } = await this.table
        .build(QueryCommand)
        .entities(this.entities.AuditEventEntity)
        .query({ index: 'gsi1', partition: `AUDIT#ACCT#${accountId}`, range: { between: [fromKey, toKey] } })
        .options({ limit: limit + 1, reverse: true })
        .send()
      return Items.map((i) => toRecord(i as Record<string, unknown>))
        .filter((r) => `${r.time}#${r.eventId}` < toKey)
        .slice(0, limit)
    })
  }
}
