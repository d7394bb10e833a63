/**
 * @module core/domain/audit/memory-audit.fake
 *
 * In-memory AuditRepository with the DynamoDB repository's conditional semantics, for unit
 * tests only. `failWrites` makes every write throw, as a store outage would; `beforeSeal` lets a
 * test fail one seal write; `beforeWrite` runs before every write (tests: freeze the store, or
 * throw after the write landed, as a lost answer would). Two fakes may share one `ledgers` map
 * and one `records` map: two isolates on one table.
 *
 * Pages: `records` holds every record as LookupEvents would return it, page records included;
 * `pages` holds the pages not retired yet. `listPending` lists a page's records (with `page`
 * set) for as long as the page is not retired, sealed ones too, as the DynamoDB repository does.
 */
import { ConditionFailed, MAX_PAGE_RECORDS, type AuditRepository, type NonceLedger, type NonceLedgerState } from '../ports'

/** The ledger item's version, kept in the fake's map under a name no claim has (claims start with `c`). */
const VERSION = 'v'
import type { AuditDigest, AuditRecord, ChainHead } from './model'

export class MemoryAudit implements AuditRepository {
  constructor(
    readonly records = new Map<string, AuditRecord>(),
    readonly ledgers = new Map<string, Map<string, string>>(),
  ) {}
  /** Calls of each write method (tests: how many writes a group took). */
  readonly calls = { put: 0, putMany: 0, putPage: 0, claimNonces: 0, retirePage: 0 }
  /** Runs before each putMany / putPage / claimNonces (after the failWrites check). */
  beforeWrite?: (op: 'putMany' | 'putPage' | 'claimNonces') => void | Promise<void>
  /** Runs after a putMany / putPage / claimNonces has landed (tests: throw to lose the answer). */
  afterWrite?: (op: 'putMany' | 'putPage' | 'claimNonces') => void | Promise<void>
  /** Pages not retired: id → the event ids it holds. */
  readonly pages = new Map<string, string[]>()
  readonly digests = new Map<number, AuditDigest>()
  head: ChainHead | undefined
  failWrites = false
  writes = 0
  /** Runs before each seal write (tests: fail or delay one record's seal). */
  beforeSeal?: (record: AuditRecord) => void | Promise<void>

  private write(): void {
    this.writes++
    if (this.failWrites) throw new Error('audit store is down')
  }

  async put(record: AuditRecord): Promise<void> {
    this.write()
    this.calls.put++
    if (this.records.has(record.eventId)) throw new ConditionFailed('put audit record')
    this.records.set(record.eventId, { ...record })
  }

  async get(eventId: string): Promise<AuditRecord | undefined> {
    const r = this.records.get(eventId)
    return r ? { ...r } : undefined
  }

  async replaceUnsealed(record: AuditRecord, expectedBody: string): Promise<void> {
    this.write()
    const cur = this.records.get(record.eventId)
    if (!cur || cur.seq !== undefined || cur.body !== expectedBody) throw new ConditionFailed('complete audit record')
    this.records.set(record.eventId, { ...record, seq: undefined })
  }

  async listPending(untilTime: string, limit: number): Promise<AuditRecord[]> {
    const paged = new Map<string, { id: string; size: number }>()
    for (const [id, ids] of this.pages) for (const e of ids) paged.set(e, { id, size: ids.length })
    const items = [...this.records.values()]
      .filter((r) => !paged.has(r.eventId) && r.seq === undefined && `${r.time}#${r.eventId}` <= `${untilTime}#~`)
      .sort((a, b) => (a.time + a.eventId < b.time + b.eventId ? -1 : 1))
      .slice(0, limit)
      .map((r) => ({ ...r }))
    const pageRecords: AuditRecord[] = []
    for (const [id, ids] of this.pages) {
      const recs = ids.map((e) => this.records.get(e)!)
      if (recs.some((r) => `${r.time}#${r.eventId}` > `${untilTime}#~`)) continue
      for (const r of recs) {
        const { seq: _s, prevHash: _p, hash: _h, mac: _m, kid: _k, ...unsealed } = r
        pageRecords.push({ ...unsealed, body: this.pageBodies.get(r.eventId)!, page: { id, size: ids.length } })
      }
    }
    return [...items, ...pageRecords]
  }

  /** The bodies as written to pages (a page is immutable; sealing may rewrite an intent's body, never a page's). */
  private readonly pageBodies = new Map<string, string>()

  async putPage(records: AuditRecord[]): Promise<void> {
    this.write()
    this.calls.putPage++
    if (records.length > MAX_PAGE_RECORDS) throw new RangeError('too many records for one audit page')
    await this.beforeWrite?.('putPage')
    const byAccount = new Map<string, AuditRecord[]>()
    for (const r of records) byAccount.set(r.accountId, [...(byAccount.get(r.accountId) ?? []), r])
    for (const list of byAccount.values()) {
      this.pages.set(
        crypto.randomUUID(),
        list.map((r) => r.eventId),
      )
      for (const r of list) {
        if (this.records.get(r.eventId)?.seq === undefined) this.records.set(r.eventId, { ...r })
        this.pageBodies.set(r.eventId, r.body)
      }
    }
    await this.afterWrite?.('putPage')
  }

  async retirePage(pageId: string): Promise<void> {
    this.write()
    this.calls.retirePage++
    this.pages.delete(pageId)
  }

  async seal(record: AuditRecord, expectedBody: string): Promise<void> {
    this.write()
    await this.beforeSeal?.(record)
    const cur = this.records.get(record.eventId)
    if (record.page) {
      if (cur?.seq !== undefined) throw new ConditionFailed('seal audit record')
    } else if (!cur || cur.seq !== undefined || cur.body !== expectedBody) throw new ConditionFailed('seal audit record')
    const { page: _p, ...sealed } = record
    this.records.set(record.eventId, sealed)
  }

  async reseal(record: AuditRecord, expectedHash: string): Promise<void> {
    this.write()
    const cur = this.records.get(record.eventId)
    if (!cur || cur.hash !== expectedHash) throw new ConditionFailed('reseal audit record')
    const { page: _p, ...sealed } = record
    this.records.set(record.eventId, sealed)
  }

  async getHead(): Promise<ChainHead | undefined> {
    return this.head ? { ...this.head } : undefined
  }

  async putHead(head: ChainHead, expectedRev: number | undefined): Promise<void> {
    this.write()
    if (expectedRev === undefined ? this.head !== undefined : this.head?.rev !== expectedRev) throw new ConditionFailed('put head')
    this.head = { ...head }
  }

  async listChain(afterSeq: number, limit: number): Promise<AuditRecord[]> {
    return [...this.records.values()]
      .filter((r) => r.seq !== undefined && r.seq > afterSeq)
      .sort((a, b) => a.seq! - b.seq!)
      .slice(0, limit)
      .map((r) => ({ ...r }))
  }

  async putDigest(digest: AuditDigest): Promise<void> {
    this.write()
    if (this.digests.has(digest.digestSeq)) throw new ConditionFailed('put digest')
    this.digests.set(digest.digestSeq, { ...digest })
  }

  async listDigests(after: number, limit: number): Promise<AuditDigest[]> {
    return [...this.digests.values()]
      .filter((d) => d.digestSeq > after)
      .sort((a, b) => a.digestSeq - b.digestSeq)
      .slice(0, limit)
  }

  async listByAccount(accountId: string, fromKey: string, toKey: string, limit: number): Promise<AuditRecord[]> {
    return [...this.records.values()]
      .filter((r) => r.accountId === accountId && `${r.time}#${r.eventId}` >= fromKey && `${r.time}#${r.eventId}` < toKey)
      .sort((a, b) => (a.time + a.eventId < b.time + b.eventId ? 1 : -1))
      .slice(0, limit)
      .map((r) => ({ ...r }))
  }

  async putMany(records: AuditRecord[]): Promise<void> {
    this.write()
    this.calls.putMany++
    if (records.length > 25) throw new Error('BatchWriteItem takes at most 25 items')
    await this.beforeWrite?.('putMany')
    for (const r of records) this.records.set(r.eventId, { ...r })
    await this.afterWrite?.('putMany')
  }

  async claimNonces(
    ledger: NonceLedger,
    names: string[],
    token: string,
    opts: { ifVersion?: number; returnClaims?: boolean } = {},
  ): Promise<NonceLedgerState> {
    this.write()
    this.calls.claimNonces++
    await this.beforeWrite?.('claimNonces')
    const key = `${ledger.accessKeyId}#${ledger.second}`
    const item = this.ledgers.get(key) ?? new Map<string, string>()
    const version = Number(item.get(VERSION) ?? 0)
    if (opts.ifVersion !== undefined ? opts.ifVersion !== version || !item.has(VERSION) : names.some((n) => item.has(n))) {
      throw new ConditionFailed('claim nonces')
    }
    for (const n of names) item.set(n, token)
    item.set(VERSION, String(version + 1))
    this.ledgers.set(key, item)
    await this.afterWrite?.('claimNonces')
    if (opts.ifVersion !== undefined || !opts.returnClaims) return { version: version + 1 }
    return { version: version + 1, claims: new Map([...item].filter(([k]) => k !== VERSION)) }
  }

  async readNonceClaims(ledger: NonceLedger, names: string[]): Promise<Map<string, string>> {
    const item = this.ledgers.get(`${ledger.accessKeyId}#${ledger.second}`)
    const out = new Map<string, string>()
    for (const n of names) {
      const t = item?.get(n)
      if (t !== undefined) out.set(n, t)
    }
    return out
  }

  /** Sealed records by sequence number (for tampering in tests). */
  bySeq(seq: number): AuditRecord {
    const r = [...this.records.values()].find((x) => x.seq === seq)
    if (!r) throw new Error(`no record ${seq}`)
    return r
  }
}
