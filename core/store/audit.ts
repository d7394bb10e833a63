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
 * - Audit pages `AUDIT#PAGE#<pageId>` / `PAGE`: records of one trail account written together by
 *   one PutItem (read-only calls' events), listed by the sealer from gsi2 `AUDIT#PAGES#<shard>`
 *   and by LookupEvents from gsi1 `AUDIT#PAGEACCT#<account>`; sealing writes each record as its
 *   own sealed `AUDIT#EVT#` item, and the sealer deletes the page once all are.
 */
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get'
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put'
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query'
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand as QueryCommand_,
  UpdateCommand,
  type BatchWriteCommandInput,
  type PutCommandInput,
} from '@aws-sdk/lib-dynamodb'
import { MAX_PAGE_RECORDS, type AuditRepository, type NonceLedger, type NonceLedgerState } from '../domain/ports'
import type { AuditDigest, AuditRecord, ChainHead } from '../domain/audit/model'
import { guard } from './common'
import type { KmsEntities, KmsTable } from './table'

export const PENDING_SHARDS = 8
const CHAIN_BUCKET = 10_000
/** Rounds of BatchWriteItem for the UnprocessedItems DynamoDB hands back (throttled items). */
const BATCH_ROUNDS = 5

/** Records of one page lie within this span of its newest record (putPage splits otherwise). */
export const PAGE_SPAN_MS = 60_000
/** Bytes of record bodies per page (an item holds at most 400 KB). */
const PAGE_BYTES = 256 * 1024
const PAGE_ENTITY = 'AuditPage'

/** A page's records as stored: `[eventId, time, body]` triples, JSON. */
type PageEntry = [string, string, string]

function isoPlus(key: string, ms: number): string {
  const t = Date.parse(key.slice(0, 24))
  return Number.isNaN(t) ? key : `${new Date(t + ms).toISOString()}~`
}

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
      await this.batchPut(records.map((r) => this.eventItem(r)))
    })
  }

  /** BatchWriteItem of `items`, re-sending the UnprocessedItems for up to {@link BATCH_ROUNDS} rounds. */
  private async batchPut(items: Array<Record<string, unknown>>): Promise<void> {
    const table = this.table.getName()
    type Requests = NonNullable<BatchWriteCommandInput['RequestItems']>[string]
    let requests: Requests = items.map((Item) => ({ PutRequest: { Item } }))
    for (let round = 1; requests.length; round++) {
      if (round > BATCH_ROUNDS)
        throw Object.assign(new Error('BatchWriteItem left items unprocessed'), { name: 'ProvisionedThroughputExceededException' })
      if (round > 1) await new Promise((r) => setTimeout(r, 10 * 2 ** round))
      const out = await this.table.getDocumentClient().send(new BatchWriteCommand({ RequestItems: { [table]: requests } }))
      requests = out.UnprocessedItems?.[table] ?? []
    }
  }

  /**
   * One PutItem per page (a BatchWriteItem when the records need several: more than one trail
   * account, a span over {@link PAGE_SPAN_MS}, or over {@link PAGE_BYTES} of bodies).
   * Unconditional: a page id is random, and a retried write puts the same page again (if the
   * sealer retired it meanwhile, its records are found sealed and it is retired again).
   */
  putPage(records: AuditRecord[]): Promise<void> {
    if (records.length > MAX_PAGE_RECORDS) return Promise.reject(new RangeError('too many records for one audit page'))
    if (records.length === 0) return Promise.resolve()
    return guard('put audit page', async () => {
      const items = this.pageItems(records)
      if (items.length === 1) {
        await this.table.getDocumentClient().send(new PutCommand({ TableName: this.table.getName(), Item: items[0]! }))
        return
      }
      await this.batchPut(items)
    })
  }

  /** The page items of {@link putPage} (exported for the store tests). */
  pageItems(records: AuditRecord[]): Array<Record<string, unknown>> {
    const byAccount = new Map<string, AuditRecord[]>()
    for (const r of records) {
      const list = byAccount.get(r.accountId)
      if (list) list.push(r)
      else byAccount.set(r.accountId, [r])
    }
    const items: Array<Record<string, unknown>> = []
    for (const [accountId, list] of byAccount) {
      list.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0))
      let page: AuditRecord[] = []
      let bytes = 0
      const flush = () => {
        if (!page.length) return
        const pageId = crypto.randomUUID()
        const last = page[page.length - 1]!
        const maxKey = page.reduce((m, r) => (`${r.time}#${r.eventId}` > m ? `${r.time}#${r.eventId}` : m), '')
        items.push({
          pk: `AUDIT#PAGE#${pageId}`,
          sk: 'PAGE',
          [this.table.entityAttributeSavedAs]: PAGE_ENTITY,
          pageId,
          accountId,
          records: JSON.stringify(page.map((r): PageEntry => [r.eventId, r.time, r.body])),
          gsi1pk: `AUDIT#PAGEACCT#${accountId}`,
          gsi1sk: maxKey,
          gsi2pk: `AUDIT#PAGES#${shardOf(pageId)}`,
          gsi2sk: `${last.time}#${pageId}`,
        })
        page = []
        bytes = 0
      }
      for (const r of list) {
        const first = page[0]
        if (first && (Date.parse(r.time) - Date.parse(first.time) > PAGE_SPAN_MS || bytes + r.body.length > PAGE_BYTES)) flush()
        page.push(r)
        bytes += r.body.length + r.eventId.length + 32
      }
      flush()
    }
    return items
  }

  retirePage(pageId: string): Promise<void> {
    return guard('retire audit page', async () => {
      await this.table
        .getDocumentClient()
        .send(new DeleteCommand({ TableName: this.table.getName(), Key: { pk: `AUDIT#PAGE#${pageId}`, sk: 'PAGE' } }))
    })
  }

  /** The records of a page item, each with `page` set. */
  private pageRecords(item: Record<string, unknown>): AuditRecord[] {
    const entries = JSON.parse(item.records as string) as PageEntry[]
    const page = { id: item.pageId as string, size: entries.length }
    const accountId = item.accountId as string
    return entries.map(([eventId, time, body]) => ({ eventId, time, body, accountId, page }))
  }

  /**
   * The UpdateItem of {@link claimNonces}: every name set to `token` and the version `v`
   * incremented; conditional on each name's absence (returning the whole item), or, with
   * `ifVersion`, on the version alone.
   */
  claimParams(ledger: NonceLedger, names: string[], token: string, opts: { ifVersion?: number; returnClaims?: boolean } = {}) {
    const { ifVersion } = opts
    const attrNames: Record<string, string> = { '#x': 'expiresAt', '#v': 'v' }
    const values: Record<string, unknown> = { ':t': token, ':x': ledger.expiresAt, ':one': 1 }
    const sets: string[] = ['#x = :x']
    const conds: string[] = []
    names.forEach((n, i) => {
      attrNames[`#c${i}`] = n
      sets.push(`#c${i} = :t`)
      if (ifVersion === undefined) conds.push(`attribute_not_exists(#c${i})`)
    })
    if (ifVersion === undefined) {
      sets.push('#v = if_not_exists(#v, :zero) + :one')
      values[':zero'] = 0
    } else {
      sets.push('#v = :cur + :one')
      conds.push('#v = :cur')
      values[':cur'] = ifVersion
    }
    return {
      TableName: this.table.getName(),
      Key: ledgerKey(ledger),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: conds.join(' AND '),
      ExpressionAttributeNames: attrNames,
      ExpressionAttributeValues: values,
      ReturnValues: ifVersion === undefined && opts.returnClaims ? ('ALL_NEW' as const) : ('UPDATED_NEW' as const),
    }
  }

  claimNonces(
    ledger: NonceLedger,
    names: string[],
    token: string,
    opts: { ifVersion?: number; returnClaims?: boolean } = {},
  ): Promise<NonceLedgerState> {
    if (names.length === 0) return Promise.reject(new RangeError('no names to claim'))
    return guard('claim nonces', async () => {
      const out = await this.table.getDocumentClient().send(new UpdateCommand(this.claimParams(ledger, names, token, opts)))
      const item = (out.Attributes ?? {}) as Record<string, unknown>
      const version = typeof item.v === 'number' ? item.v : Number(item.v)
      if (!Number.isSafeInteger(version)) throw new Error('the nonce ledger answered without its version')
      if (opts.ifVersion !== undefined || !opts.returnClaims) return { version }
      const claims = new Map<string, string>()
      for (const [k, v] of Object.entries(item)) if (k.startsWith('c') && typeof v === 'string') claims.set(k, v)
      return { version, claims }
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
      const shards = (await this.queryShards('AUDIT#PENDING#', untilTime, share)).map((items) => ({
        full: items.length >= share,
        records: items.map((i) => rawToRecord(i, this.table.entityAttributeSavedAs)),
      }))
      const key = (r: AuditRecord) => `${r.time}#${r.eventId}`
      let cutoff: string | undefined
      for (const s of shards) {
        if (!s.full || s.records.length === 0) continue
        const last = key(s.records[s.records.length - 1]!)
        if (cutoff === undefined || last < cutoff) cutoff = last
      }
      const records = shards
        .flatMap((s) => s.records)
        .filter((r) => cutoff === undefined || key(r) <= cutoff)
        .sort((a, b) => (key(a) < key(b) ? -1 : 1))
        .slice(0, limit)
      // Pages come whole (the sealer retires a page once it has seen all of it sealed), the
      // oldest of each shard first, about `limit` records in all; after the records above. At
      // least two per shard: page ids are random, so two due pages share a shard one time in
      // eight, and a caller with a handful of pages (one per trail account) gets them in one call.
      const pageShare = Math.max(2, Math.ceil(limit / (PENDING_SHARDS * 25)))
      const pages = (await this.queryShards('AUDIT#PAGES#', untilTime, pageShare)).map((items) => items.flatMap((i) => this.pageRecords(i)))
      return [...records, ...pages.flat().sort((a, b) => (key(a) < key(b) ? -1 : 1))]
    })
  }

  /** The oldest `limit` items up to `untilTime` of each of the {@link PENDING_SHARDS} gsi2 partitions `<prefix><shard>`. */
  private queryShards(prefix: string, untilTime: string, limit: number): Promise<Array<Array<Record<string, unknown>>>> {
    return Promise.all(
      Array.from({ length: PENDING_SHARDS }, async (_, shard) => {
        const { Items = [] } = await this.table.getDocumentClient().send(
          new QueryCommand_({
            TableName: this.table.getName(),
            IndexName: 'gsi2',
            KeyConditionExpression: 'gsi2pk = :p AND gsi2sk <= :u',
            ExpressionAttributeValues: { ':p': `${prefix}${shard}`, ':u': `${untilTime}#~` },
            Limit: limit,
          }),
        )
        return Items as Array<Record<string, unknown>>
      }),
    )
  }

  /** Seals through the document client (the sealer makes one per record; see {@link sealParams}). */
  seal(record: AuditRecord, expectedBody: string): Promise<void> {
    return guard('seal audit record', async () => {
      await this.table.getDocumentClient().send(new PutCommand(this.sealParams(record, expectedBody)))
    })
  }

  /**
   * The PutItem input of {@link seal}: the entity's item, only over the unsealed `expectedBody`;
   * for a record from a page, only where no record of that id exists.
   */
  sealParams(record: AuditRecord, expectedBody: string): PutCommandInput & { Item: Record<string, unknown> } {
    if (record.page) {
      return {
        TableName: this.table.getName(),
        Item: this.eventItem(record),
        ConditionExpression: 'attribute_not_exists(#c_1)',
        ExpressionAttributeNames: { '#c_1': 'eventId' },
      }
    }
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

  /**
   * Records and page records merged, newest first. A page is indexed under its newest record's
   * key and spans at most {@link PAGE_SPAN_MS}, so the pages that can hold records below `toKey`
   * sort below `toKey` + that span; they are read newest first until every page not yet read can
   * only hold records older than the `limit` newest found. A record both sealed and still in its
   * page (not retired yet) is returned once, sealed.
   */
  listByAccount(accountId: string, fromKey: string, toKey: string, limit: number): Promise<AuditRecord[]> {
    return guard('list audit records', async () => {
      const key = (r: AuditRecord) => `${r.time}#${r.eventId}`
      const [{ Items = [] }, paged] = await Promise.all([
        this.table
          .build(QueryCommand)
          .entities(this.entities.AuditEventEntity)
          .query({ index: 'gsi1', partition: `AUDIT#ACCT#${accountId}`, range: { between: [fromKey, toKey] } })
          .options({ limit: limit + 1, reverse: true })
          .send(),
        this.pagedByAccount(accountId, fromKey, toKey, limit),
      ])
      const out = new Map<string, AuditRecord>()
      for (const r of Items.map((i) => toRecord(i as Record<string, unknown>))) if (key(r) < toKey) out.set(r.eventId, r)
      for (const r of paged) if (!out.has(r.eventId)) out.set(r.eventId, r)
      return [...out.values()]
        .sort((a, b) => (key(a) < key(b) ? 1 : -1))
        .slice(0, limit)
        .map(({ page: _p, ...r }) => r)
    })
  }

  private async pagedByAccount(accountId: string, fromKey: string, toKey: string, limit: number): Promise<AuditRecord[]> {
    const key = (r: AuditRecord) => `${r.time}#${r.eventId}`
    const found: AuditRecord[] = []
    let start: Record<string, unknown> | undefined
    for (;;) {
      const out = await this.table.getDocumentClient().send(
        new QueryCommand_({
          TableName: this.table.getName(),
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :p AND gsi1sk BETWEEN :f AND :t',
          ExpressionAttributeValues: { ':p': `AUDIT#PAGEACCT#${accountId}`, ':f': fromKey, ':t': isoPlus(toKey, PAGE_SPAN_MS) },
          ScanIndexForward: false,
          // Pages hold 1 record (an idle isolate) to 100: enough for `limit` records in one query
          // when they are small, and never a page more than DynamoDB's 1 MB answer allows.
          Limit: Math.min(100, limit + 1),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      )
      const items = (out.Items ?? []) as Array<Record<string, unknown>>
      for (const item of items) for (const r of this.pageRecords(item)) if (key(r) >= fromKey && key(r) < toKey) found.push(r)
      start = out.LastEvaluatedKey as Record<string, unknown> | undefined
      if (!start || !items.length) return found
      // Every page not read yet holds only records at or below the last page's newest key.
      const floor = items[items.length - 1]!.gsi1sk as string
      if (found.filter((r) => key(r) > floor).length >= limit) return found
    }
  }
}
