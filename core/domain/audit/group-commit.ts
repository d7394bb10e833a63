/**
 * @module core/domain/audit/group-commit
 *
 * The isolate's group commit of audit writes. A call submits its claim (if it has one) and its
 * records, and is released when they are durable — never before. Concurrent calls' submissions
 * are written together:
 *
 * 1. the claims, one conditional write per nonce ledger item (core/domain/audit/nonce-claims.ts)
 *    for all the calls of the group that fall in it. When that write is refused, the item is read
 *    back: a claim holding this group's token landed on a retried write (not a replay), a claim
 *    holding another token is a replay (that call alone is refused with ConditionFailed), and the
 *    rest are claimed again;
 * 2. then the records of the calls whose claims were made: records that are never replaced
 *    (`final`: read-only calls' events, refusals) in audit pages of up to
 *    {@link MAX_PAGE_RECORDS} (`AuditRepository.putPage`: one item per trail account), intents in
 *    batches of up to 25 (`putMany`: items of their own, which their call completes later). A
 *    record is written only after its call's claim: a replay, which maps to the same event id,
 *    is refused at step 1 and never overwrites the original.
 *
 * No flush timer: a group is whatever queued while the previous write was in flight (at most
 * {@link MAX_IN_FLIGHT} groups at once), so an idle isolate writes at once and a busy one writes
 * many calls per round trip. Each group is written from the request of one of its own calls,
 * which waits for it anyway (Workers cancel the I/O of a request that has answered); the other
 * calls of the group look every {@link POLL_MS} ms whether theirs is settled, on a timer of their
 * own (a request that waits only on another request's promise is cancelled by workerd).
 *
 * Failures: a store error fails every call of the batch it hit with that error (the caller
 * answers 503 and releases nothing); a record of such a call may still have been written, which
 * is harmless (the call is unacknowledged; the sealer chains it like any other).
 */
import { ConditionFailed, MAX_PAGE_RECORDS, type AuditRepository, type NonceLedger } from '../ports'
import type { AuditRecord } from './model'

/** Records per `putMany` (DynamoDB BatchWriteItem's limit). */
export const MAX_RECORDS_PER_WRITE = 25
/** Claims per ledger write (a condition per claim; DynamoDB expressions are at most 4 KB). */
export const MAX_CLAIMS_PER_WRITE = 64
/** Groups being written at once. */
export const MAX_IN_FLIGHT = 1
/** A group holds at most this many calls (the rest wait for the next group). */
export const MAX_GROUP = 100
/** How often a call written by another request's group looks whether it is done (ms). */
export const POLL_MS = 1
/** Ledger items an isolate keeps the claims of (requests are signed within seconds of each other). */
export const KNOWN_LEDGERS = 8
/** Rounds of re-claiming after a refused ledger write before giving up (store inconsistency). */
const MAX_CLAIM_ROUNDS = 4

export interface Submission {
  /** The replay id to claim, in its ledger item. */
  claim?: { ledger: NonceLedger; name: string }
  /** Written after the claim, all or none (at most {@link MAX_RECORDS_PER_WRITE}). */
  records: AuditRecord[]
  /** The records are never replaced (not intents): they go to an audit page. */
  final?: boolean
}

interface Entry extends Submission {
  taken: boolean
  settled: boolean
  error?: { err: unknown }
  resolve: () => void
  reject: (err: unknown) => void
}

const ledgerKey = (l: NonceLedger) => `${l.accessKeyId}\u0000${l.second}`

function randomToken(): string {
  return crypto.randomUUID().replace(/-/g, '').slice(0, 16)
}

/** One isolate's group commit over one repository. */
export class GroupCommit {
  private readonly queue: Entry[] = []
  private inFlight = 0
  /**
   * Ledger items whose every claim this isolate knows, at their current version (it made their
   * last write): key → version and claimed names. Bounded: {@link KNOWN_LEDGERS}.
   */
  private readonly ledgers = new Map<string, { version: number; names: Set<string> }>()
  /** Ledger items another writer wrote too (a versioned write was refused): per claim only. */
  private readonly shared = new Set<string>()
  /** Writes made and calls written (tests, bench notes). */
  readonly stats = { groups: 0, calls: 0, claimWrites: 0, recordWrites: 0, pageWrites: 0 }

  constructor(private readonly audit: AuditRepository) {}

  /**
   * Claims and writes, together with concurrent submissions.
   * @throws ConditionFailed when the claim is taken (a replay; nothing of it is written);
   *   whatever the store threw when a write of its group failed.
   */
  async submit(s: Submission): Promise<void> {
    if (s.records.length > MAX_RECORDS_PER_WRITE) throw new RangeError('too many records in one submission')
    const entry: Entry = {
      ...s,
      taken: false,
      settled: false,
      resolve: () => {
        entry.settled = true
      },
      reject: (err) => {
        entry.settled = true
        entry.error = { err }
      },
    }
    this.queue.push(entry)
    while (!entry.settled) {
      if (!entry.taken && this.inFlight < MAX_IN_FLIGHT) {
        const group = this.queue.splice(0, MAX_GROUP)
        for (const e of group) e.taken = true
        this.inFlight++
        try {
          await this.write(group)
        } finally {
          this.inFlight--
        }
      } else {
        // WARNING: a request must not wait on a promise only another request settles: workerd
        // cancels a request with nothing of its own pending ("the script will never generate a
        // response"). So a call written by another request's group polls, on its own timer.
        await new Promise((r) => setTimeout(r, POLL_MS))
      }
    }
    if (entry.error) throw entry.error.err
  }

  /** Writes one group; settles every entry of it, never throws. */
  private async write(group: Entry[]): Promise<void> {
    this.stats.groups++
    this.stats.calls += group.length
    try {
      const byLedger = new Map<string, { ledger: NonceLedger; entries: Entry[]; names: Set<string> }>()
      for (const e of group) {
        if (!e.claim) continue
        const k = ledgerKey(e.claim.ledger)
        let g = byLedger.get(k)
        if (!g) byLedger.set(k, (g = { ledger: e.claim.ledger, entries: [], names: new Set() }))
        // The same replay id twice in one group: the second is the replay.
        if (g.names.has(e.claim.name)) {
          e.reject(new ConditionFailed('claim nonce'))
          continue
        }
        g.names.add(e.claim.name)
        g.entries.push(e)
      }
      const claims: Array<Promise<void>> = []
      for (const g of byLedger.values()) {
        for (let i = 0; i < g.entries.length; i += MAX_CLAIMS_PER_WRITE) {
          claims.push(this.claim(g.ledger, g.entries.slice(i, i + MAX_CLAIMS_PER_WRITE), 1))
        }
      }
      await Promise.all(claims)
      const ready = group.filter((e) => !e.settled)
      const batches: Array<{ page: boolean; entries: Entry[] }> = []
      for (const page of [true, false]) {
        const max = page ? MAX_PAGE_RECORDS : MAX_RECORDS_PER_WRITE
        let batch: Entry[] = []
        let size = 0
        for (const e of ready) {
          if (!!e.final !== page) continue
          if (size + e.records.length > max) {
            batches.push({ page, entries: batch })
            batch = []
            size = 0
          }
          batch.push(e)
          size += e.records.length
        }
        if (batch.length) batches.push({ page, entries: batch })
      }
      await Promise.all(
        batches.map(async ({ page, entries }) => {
          const records = entries.flatMap((e) => e.records)
          try {
            if (records.length && page) {
              this.stats.pageWrites++
              await this.audit.putPage(records)
            } else if (records.length) {
              this.stats.recordWrites++
              await this.audit.putMany(records)
            }
            for (const e of entries) e.resolve()
          } catch (err) {
            for (const e of entries) e.reject(err)
          }
        }),
      )
    } catch (err) {
      for (const e of group) if (!e.settled) e.reject(err)
    }
  }

  /**
   * Claims the entries' names in one ledger item (see the module comment); settles refusals and
   * failures. When this isolate knows every claim of the item at its current version (it made
   * the item's last write), a replay among the entries is refused here, and the rest are claimed
   * by a write conditional on that version alone; otherwise, or when that write is refused
   * (another isolate wrote the item), by a write conditional on each name's absence.
   */
  private async claim(ledger: NonceLedger, entries: Entry[], round: number): Promise<void> {
    const key = ledgerKey(ledger)
    const token = randomToken()
    const known = round === 1 ? this.ledgers.get(key) : undefined
    if (known) {
      const fresh: Entry[] = []
      for (const e of entries) {
        if (known.names.has(e.claim!.name)) e.reject(new ConditionFailed('claim nonce'))
        else fresh.push(e)
      }
      if (!fresh.length) return
      entries = fresh
      const names = entries.map((e) => e.claim!.name)
      // Not ours until this write is answered: a concurrent group takes the per-claim path.
      this.ledgers.delete(key)
      try {
        this.stats.claimWrites++
        const { version } = await this.audit.claimNonces(ledger, names, token, { ifVersion: known.version })
        for (const n of names) known.names.add(n)
        known.version = version
        this.remember(key, known)
        return
      } catch (err) {
        if (!(err instanceof ConditionFailed)) {
          for (const e of entries) e.reject(err)
          return
        }
        // Another writer moved the version (or a retried write of ours landed): per claim, below.
      }
    }
    const names = entries.map((e) => e.claim!.name)
    // The whole item comes back only on this isolate's first write to it (it is usually new
    // then, so small); after a refused versioned write, the item is shared: per claim from then.
    const returnClaims = round === 1 && !known && !this.shared.has(key)
    if (known) this.shared.add(key)
    try {
      this.stats.claimWrites++
      const state = await this.audit.claimNonces(ledger, names, token, { returnClaims })
      if (state.claims) this.remember(key, { version: state.version, names: new Set(state.claims.keys()) })
      return
    } catch (err) {
      if (!(err instanceof ConditionFailed)) {
        for (const e of entries) e.reject(err)
        return
      }
    }
    let held: Map<string, string>
    try {
      held = await this.audit.readNonceClaims(ledger, names)
    } catch (err) {
      for (const e of entries) e.reject(err)
      return
    }
    const again: Entry[] = []
    for (const e of entries) {
      const t = held.get(e.claim!.name)
      if (t === token) continue // a retried write of ours landed
      if (t !== undefined) e.reject(new ConditionFailed('claim nonce'))
      else again.push(e)
    }
    if (!again.length) return
    if (round >= MAX_CLAIM_ROUNDS) {
      for (const e of again) e.reject(new Error('the nonce ledger refused a claim it does not hold'))
      return
    }
    await this.claim(ledger, again, round + 1)
  }

  /** Keeps what this isolate knows of a ledger item (the newest {@link KNOWN_LEDGERS}). */
  private remember(key: string, state: { version: number; names: Set<string> }): void {
    this.ledgers.delete(key)
    this.ledgers.set(key, state)
    while (this.ledgers.size > KNOWN_LEDGERS) this.ledgers.delete(this.ledgers.keys().next().value!)
    while (this.shared.size > KNOWN_LEDGERS * 4) this.shared.delete(this.shared.values().next().value!)
  }
}

const commits = new WeakMap<AuditRepository, GroupCommit>()

/**
 * The group commit of `audit` in this isolate: one per repository object (functions/deps.ts
 * builds it once per isolate), so every request of the isolate shares it. It holds only calls
 * in flight: nothing to bound or reset.
 */
export function groupCommitOf(audit: AuditRepository): GroupCommit {
  let g = commits.get(audit)
  if (!g) commits.set(audit, (g = new GroupCommit(audit)))
  return g
}
