/**
 * @module core/domain/audit/seal-audit-trail
 *
 * The scheduled job that turns written audit records into one tamper-evident chain.
 *
 * Why a job: requests never touch a shared item. Each request writes only its own record (one
 * conditional put), so there is no hot chain-head item on the request path and no transaction
 * (dynalite has none). The job then, once per cron tick:
 * 1. takes a lease on the chain head (one conditional write on `rev`); an overlapping run sees
 *    the lease and skips, so exactly one sealer extends the chain at a time;
 * 2. adopts what a crashed sealer left: records already sealed past the head (those that chain
 *    from it as they are; the others are moved to the next positions) and a digest written past
 *    it;
 * 3. reads unsealed records older than {@link SETTLE_MS}, oldest first (then whole audit pages,
 *    core/store/SCHEMA.md (Audit pages): a page's record is sealed as a record of its own, and the
 *    page is deleted once all of its records are found sealed), and seals each with the
 *    next sequence number, the previous hash, its hash and MAC — a conditional write that fails
 *    if the record was sealed or changed meanwhile (then it is left for the next run). The writes
 *    go out in groups of up to {@link PARALLEL_SEALS} at once (the hashes are computed first, in
 *    order). A record that may legitimately conflict (an intent sealed as `Unknown`, which its
 *    call may complete at the same moment) only ever ends a group. If a write of a group fails,
 *    the records after it that were written chain from a hash that is not in the chain: they are
 *    moved down to the next free positions (`reseal`, conditional on the hash they were written
 *    with), so the chain stays gapless. A run interrupted inside a group leaves such records
 *    past the head; the next run's adoption (step 2) moves them the same way;
 * 4. writes a signed digest every {@link DIGEST_EVERY} records and at the end of the run, each
 *    covering the previous digest's signature;
 * 5. releases the head with the new end of the chain and its signature.
 *
 * A run stops after {@link RUN_LIMIT_MS}, well inside the lease ({@link LEASE_MS}), so a slow run
 * can never overlap the next one.
 *
 * WARNING — the unsealed window: a record is tamper-evident only once sealed. Until then (at
 * least {@link SETTLE_MS}, usually until the next cron tick, i.e. about a minute; for a
 * state-changing call whose outcome never arrived, {@link INTENT_GRACE_MS}) someone with write
 * access to the table could delete or edit it without the verifier noticing.
 */
import { ConditionFailed, type AuditRepository, type Clock } from '../ports'
import type { RootKeyRing } from '../../crypto/root-key'
import type { JobReport, ScheduledJob } from '../jobs/job'
import { canonicalBody, digestSignature, headSignature, recordHash, recordMac } from './chain'
import { GENESIS_HASH, type AuditDigest, type AuditEvent, type AuditRecord, type ChainHead } from './model'

export const SETTLE_MS = 1_000
export const INTENT_GRACE_MS = 5 * 60_000
export const LEASE_MS = 60_000
export const RUN_LIMIT_MS = 40_000
export const DIGEST_EVERY = 1_000
/** A run seals up to MAX_BATCHES × budget records (bounded by RUN_LIMIT_MS). */
export const MAX_BATCHES = 40
/** Seal writes in flight at once (a group; see the module comment). */
export const PARALLEL_SEALS = 16

export interface AuditSealDeps {
  audit: AuditRepository
  rootKeys: RootKeyRing
  clock: Clock
}

const JOB = 'seal-audit-trail'

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

async function loadOrCreateHead(audit: AuditRepository): Promise<ChainHead> {
  const head = await audit.getHead()
  if (head) return head
  try {
    await audit.putHead({ seq: 0, hash: GENESIS_HASH, digestSeq: 0, digestSignature: '', rev: 0 }, undefined)
  } catch (err) {
    if (!(err instanceof ConditionFailed)) throw err
  }
  const created = await audit.getHead()
  if (!created) throw new Error('audit chain head vanished')
  return created
}

/**
 * Seals pending records. `nowMs` (the cron's scheduled time, possibly time-travelled by the
 * local cron) is ignored: sealing is about the records' real age, so it reads `deps.clock`.
 * @throws from the store (the job runner isolates and logs it; the next run retries)
 */
async function run(deps: AuditSealDeps, _nowMs: number, budget: number): Promise<JobReport> {
  const started = deps.clock.now()
  const head = await loadOrCreateHead(deps.audit)
  if (head.leaseOwner && (head.leaseUntil ?? 0) > started) {
    return { job: JOB, processed: 0, skipped: 1, failed: 0, more: true }
  }
  const claimed: ChainHead = { ...head, leaseOwner: crypto.randomUUID(), leaseUntil: started + LEASE_MS, rev: head.rev + 1 }
  try {
    await deps.audit.putHead(claimed, head.rev)
  } catch (err) {
    if (err instanceof ConditionFailed) return { job: JOB, processed: 0, skipped: 1, failed: 0, more: true }
    throw err
  }
  const kid = deps.rootKeys.current.id
  let cur = { seq: head.seq, hash: head.hash }
  let digest = { seq: head.digestSeq, signature: head.digestSignature, nextFrom: head.seq + 1 }

  const sealedAt = (r: AuditRecord, body: string, seq: number, prevHash: string): AuditRecord => {
    const hash = recordHash(seq, prevHash, body)
    return { ...r, body, seq, prevHash, hash, mac: recordMac(deps.rootKeys, kid, hash), kid }
  }
  /** Moves a record written at the wrong position (see step 3) to the next one. */
  const moveDown = async (r: AuditRecord, writtenHash: string): Promise<AuditRecord> => {
    const moved = sealedAt(r, r.body, cur.seq + 1, cur.hash)
    await deps.audit.reseal(moved, writtenHash)
    return moved
  }
  for (const r of await deps.audit.listChain(head.seq, budget)) {
    if (r.seq === cur.seq + 1 && r.prevHash === cur.hash && r.hash === recordHash(r.seq, cur.hash, r.body)) {
      cur = { seq: r.seq, hash: r.hash }
      continue
    }
    // Written by an interrupted parallel group past a write that never landed.
    const moved = await moveDown(r, r.hash!)
    cur = { seq: moved.seq!, hash: moved.hash! }
  }
  for (const d of await deps.audit.listDigests(head.digestSeq, 100)) {
    if (d.digestSeq !== digest.seq + 1 || d.prevSignature !== digest.signature || d.toSeq > cur.seq) break
    digest = { seq: d.digestSeq, signature: d.signature, nextFrom: d.toSeq + 1 }
  }

  const writeDigest = async (): Promise<void> => {
    const unsigned: Omit<AuditDigest, 'signature'> = {
      digestSeq: digest.seq + 1,
      fromSeq: digest.nextFrom,
      toSeq: cur.seq,
      lastHash: cur.hash,
      prevSignature: digest.signature,
      createdAt: iso(deps.clock.now()),
      kid,
    }
    const d: AuditDigest = { ...unsigned, signature: digestSignature(deps.rootKeys, unsigned) }
    await deps.audit.putDigest(d)
    digest = { seq: d.digestSeq, signature: d.signature, nextFrom: d.toSeq + 1 }
  }

  const report: JobReport = { job: JOB, processed: 0, skipped: 0, failed: 0, more: false }
  const skipped = new Set<string>()
  // Unlike other jobs, a store error stops the run: a seal write whose fate is unknown may have
  // taken sequence number n, so sealing anything else as n could fork the chain. The head stays
  // leased; the next run after the lease adopts whatever was written.
  const done = new Set<string>()
  const accept = async (r: AuditRecord): Promise<void> => {
    cur = { seq: r.seq!, hash: r.hash! }
    done.add(r.eventId)
    report.processed++
    if (cur.seq - digest.nextFrom + 1 >= DIGEST_EVERY) await writeDigest()
  }
  const sealedBefore = new Set<string>()
  /** Retires the listed pages whose every record is now sealed (a failure leaves it for the next run). */
  const retirePages = async (listed: AuditRecord[]): Promise<void> => {
    const pages = new Map<string, { size: number; ids: string[] }>()
    for (const r of listed) {
      if (!r.page) continue
      const p = pages.get(r.page.id) ?? { size: r.page.size, ids: [] }
      p.ids.push(r.eventId)
      pages.set(r.page.id, p)
    }
    for (const [id, p] of pages) {
      if (p.ids.length !== p.size || !p.ids.every((e) => done.has(e) || sealedBefore.has(e))) continue
      try {
        await deps.audit.retirePage(id)
      } catch (err) {
        console.error(JSON.stringify({ level: 'warn', event: 'audit-page-not-retired', pageId: id, error: (err as Error)?.name }))
      }
    }
  }
  for (let batch = 0; ; batch++) {
    const processedBefore = report.processed
    const listed = await deps.audit.listPending(iso(started - SETTLE_MS), budget)
    // A lagging index may still list what this run sealed.
    const pending = listed.filter((r) => !skipped.has(r.eventId) && !done.has(r.eventId))
    let outOfTime = false
    for (let i = 0; i < pending.length;) {
      if (deps.clock.now() - started > RUN_LIMIT_MS) {
        outOfTime = true
        break
      }
      // Plan a group: positions and hashes in order, from the current end of the chain.
      const group: Array<{ unsealed: AuditRecord; sealed: AuditRecord }> = []
      let end = cur
      while (i < pending.length && group.length < PARALLEL_SEALS) {
        const r = pending[i++]!
        let body = r.body
        const event = JSON.parse(r.body) as AuditEvent
        const intent = event.outcome === 'Pending'
        if (intent) {
          if (Date.parse(event.time) > started - INTENT_GRACE_MS) {
            skipped.add(r.eventId)
            continue
          }
          body = canonicalBody({ ...event, outcome: 'Unknown' })
        }
        const sealed = sealedAt(r, body, end.seq + 1, end.hash)
        group.push({ unsealed: r, sealed })
        end = { seq: sealed.seq!, hash: sealed.hash! }
        if (intent) break
      }
      const results = await Promise.allSettled(group.map((g) => deps.audit.seal(g.sealed, g.unsealed.body)))
      let unknownFate: unknown
      for (let k = 0; k < group.length; k++) {
        const { unsealed, sealed } = group[k]!
        const result = results[k]!
        if (result.status === 'rejected') {
          if (result.reason instanceof ConditionFailed) {
            skipped.add(unsealed.eventId)
            // A page record whose sealed record exists: sealed before (a page not yet retired).
            if (unsealed.page) sealedBefore.add(unsealed.eventId)
          }
          // A write whose fate is unknown may yet hold position `sealed.seq`: nothing may be
          // sealed after it in this run (the next run adopts whatever landed).
          else unknownFate ??= result.reason
          continue
        }
        if (unknownFate !== undefined) continue
        // Written after a write of its group that failed: it chains from a hash not in the chain.
        await accept(sealed.seq === cur.seq + 1 && sealed.prevHash === cur.hash ? sealed : await moveDown(sealed, sealed.hash!))
      }
      if (unknownFate !== undefined) throw unknownFate
    }
    await retirePages(listed)
    if (outOfTime) {
      report.more = true
      break
    }
    // Nothing sealable in this listing: drained (what is left are intents within their grace).
    if (report.processed === processedBefore) break
    if (batch + 1 >= MAX_BATCHES) {
      report.more = true
      break
    }
  }
  report.skipped = skipped.size
  if (cur.seq >= digest.nextFrom) await writeDigest()
  const next: ChainHead = {
    seq: cur.seq,
    hash: cur.hash,
    digestSeq: digest.seq,
    digestSignature: digest.signature,
    kid,
    sig: headSignature(deps.rootKeys, kid, { seq: cur.seq, hash: cur.hash, digestSeq: digest.seq, digestSignature: digest.signature }),
    rev: claimed.rev + 1,
  }
  await deps.audit.putHead(next, claimed.rev)
  return report
}

export const sealAuditTrail: ScheduledJob<AuditSealDeps> = { name: JOB, run }
