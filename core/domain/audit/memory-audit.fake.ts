/**
 * @module core/domain/audit/memory-audit.fake
 *
 * In-memory AuditRepository with the DynamoDB repository's conditional semantics, for unit
 * tests only. `failWrites` makes every write throw, as a store outage would; `beforeSeal` lets a
 * test fail one seal write.
 */
import { ConditionFailed, type AuditRepository } from '../ports'
import type { AuditDigest, AuditRecord, ChainHead } from './model'

export class MemoryAudit implements AuditRepository {
  readonly records = new Map<string, AuditRecord>()
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
    return [...this.records.values()]
      .filter((r) => r.seq === undefined && `${r.time}#${r.eventId}` <= `${untilTime}#~`)
      .sort((a, b) => (a.time + a.eventId < b.time + b.eventId ? -1 : 1))
      .slice(0, limit)
      .map((r) => ({ ...r }))
  }

  async seal(record: AuditRecord, expectedBody: string): Promise<void> {
    this.write()
    await this.beforeSeal?.(record)
    const cur = this.records.get(record.eventId)
    if (!cur || cur.seq !== undefined || cur.body !== expectedBody) throw new ConditionFailed('seal audit record')
    this.records.set(record.eventId, { ...record })
  }

  async reseal(record: AuditRecord, expectedHash: string): Promise<void> {
    this.write()
    const cur = this.records.get(record.eventId)
    if (!cur || cur.hash !== expectedHash) throw new ConditionFailed('reseal audit record')
    this.records.set(record.eventId, { ...record })
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
    return [...this.digests.values()].filter((d) => d.digestSeq > after).sort((a, b) => a.digestSeq - b.digestSeq).slice(0, limit)
  }

  async listByAccount(accountId: string, fromKey: string, toKey: string, limit: number): Promise<AuditRecord[]> {
    return [...this.records.values()]
      .filter((r) => r.accountId === accountId && `${r.time}#${r.eventId}` >= fromKey && `${r.time}#${r.eventId}` < toKey)
      .sort((a, b) => (a.time + a.eventId < b.time + b.eventId ? 1 : -1))
      .slice(0, limit)
      .map((r) => ({ ...r }))
  }

  /** Sealed records by sequence number (for tampering in tests). */
  bySeq(seq: number): AuditRecord {
    const r = [...this.records.values()].find((x) => x.seq === seq)
    if (!r) throw new Error(`no record ${seq}`)
    return r
  }
}
