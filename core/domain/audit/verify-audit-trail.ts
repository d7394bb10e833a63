/**
 * @module core/domain/audit/verify-audit-trail
 *
 * Re-checks the sealed chain from sequence number 1 and reports the first bad position:
 * - a missing sequence number (a deleted record), a duplicate (a forked or inserted record);
 * - a broken link (`prevHash` ≠ the previous hash: reordered or inserted records);
 * - a hash that does not match the record's body (an edited record);
 * - a MAC that does not verify (an edited record whose hashes were recomputed);
 * - index attributes that disagree with the body (a record moved to another account or time);
 * - digests: gaps, a broken signature chain, a bad signature, or a `lastHash` that is not the
 *   chain's hash at `toSeq` (a swapped range);
 * - the head: a bad signature, or an end that is not the end of the chain and of the digests.
 *
 * What it cannot see (documented in docs/access-control.md): records not sealed yet, and the
 * removal of the newest records together with the newest digests and a rewind of the head to an
 * older signed state — keep exported digests elsewhere to detect that.
 */
import type { RootKeyRing } from '../../crypto/root-key'
import { timingSafeEqual, utf8 } from '../../crypto/bytes'
import { digestSignature, headSignature, recordHash, recordMac } from './chain'
import { GENESIS_HASH, trailAccountOf, type AuditDigest, type AuditEvent, type AuditRecord, type ChainHead } from './model'

/** Where the verifier reads the trail from (the table, or the local stack's admin route). */
export interface AuditTrailSource {
  head(): Promise<ChainHead | undefined>
  /** Sealed records with `seq > afterSeq`, in order. */
  chain(afterSeq: number, limit: number): Promise<AuditRecord[]>
  digests(after: number, limit: number): Promise<AuditDigest[]>
}

export interface AuditProblem {
  /** The sequence number (records) or the first sequence number a digest covers. */
  position: number
  what: 'record' | 'digest' | 'head'
  eventId?: string
  problem: string
}

export interface VerifyReport {
  ok: boolean
  /** Sealed records checked. */
  records: number
  digests: number
  headSeq: number
  /** The first problem by position, if any. */
  firstBad?: AuditProblem
  problems: AuditProblem[]
}

function same(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && timingSafeEqual(utf8(a), utf8(b))
}

/**
 * Verifies the whole sealed trail.
 * @throws from `source` (store or network failures); never for a bad trail, which is reported.
 */
export async function verifyAuditTrail(source: AuditTrailSource, ring: RootKeyRing, pageSize = 500): Promise<VerifyReport> {
  const problems: AuditProblem[] = []
  const add = (p: AuditProblem) => problems.push(p)
  const digests: AuditDigest[] = []
  for (let after = 0; ;) {
    const page = await source.digests(after, pageSize)
    digests.push(...page)
    if (page.length < pageSize) break
    after = page[page.length - 1]!.digestSeq
  }
  const checkpoints = new Map<number, AuditDigest[]>()
  for (const d of digests) checkpoints.set(d.toSeq, [...(checkpoints.get(d.toSeq) ?? []), d])

  let expected = 1
  let prevHash = GENESIS_HASH
  let records = 0
  const hashAt = new Map<number, string>()
  let stop = false
  for (let after = 0; !stop;) {
    const page = await source.chain(after, pageSize)
    for (const r of page) {
      const seq = r.seq ?? -1
      if (seq < expected) {
        add({ position: seq, what: 'record', eventId: r.eventId, problem: 'duplicate sequence number (inserted or forked record)' })
        continue
      }
      if (seq > expected) {
        add({ position: expected, what: 'record', problem: `records ${expected}..${seq - 1} are missing (deleted)` })
        expected = seq
      }
      records++
      let event: Partial<AuditEvent> = {}
      try {
        event = JSON.parse(r.body) as AuditEvent
      } catch {
        add({ position: seq, what: 'record', eventId: r.eventId, problem: 'body is not JSON (edited)' })
      }
      if (r.prevHash !== prevHash) {
        add({
          position: seq,
          what: 'record',
          eventId: r.eventId,
          problem: 'link to the previous record is broken (reordered, inserted or deleted)',
        })
      }
      const hash = recordHash(seq, r.prevHash ?? '', r.body)
      if (!same(hash, r.hash)) {
        add({ position: seq, what: 'record', eventId: r.eventId, problem: 'hash does not match the record (edited)' })
      } else {
        let macOk = false
        try {
          macOk = same(recordMac(ring, r.kid ?? '', hash), r.mac)
        } catch {
          macOk = false
        }
        if (!macOk) add({ position: seq, what: 'record', eventId: r.eventId, problem: 'MAC does not verify (edited, hashes recomputed)' })
      }
      if (event.eventId !== r.eventId || event.time !== r.time || trailAccountOf(event) !== r.accountId) {
        add({ position: seq, what: 'record', eventId: r.eventId, problem: 'index attributes disagree with the body (moved)' })
      }
      if (checkpoints.has(seq)) hashAt.set(seq, r.hash ?? '')
      prevHash = r.hash ?? ''
      expected = seq + 1
    }
    if (page.length < pageSize) stop = true
    else after = page[page.length - 1]!.seq ?? after + page.length
  }
  const lastSeq = expected - 1

  let prev = { seq: 0, signature: '', toSeq: 0 }
  for (const d of digests) {
    const at = d.fromSeq
    if (d.digestSeq !== prev.seq + 1) add({ position: at, what: 'digest', problem: `digest ${prev.seq + 1} is missing` })
    if (d.fromSeq !== prev.toSeq + 1) add({ position: at, what: 'digest', problem: 'digest does not continue the previous one' })
    if (d.prevSignature !== prev.signature) add({ position: at, what: 'digest', problem: 'digest does not cover the previous digest' })
    let sigOk = false
    try {
      const { signature: _s, ...unsigned } = d
      sigOk = same(digestSignature(ring, unsigned), d.signature)
    } catch {
      sigOk = false
    }
    if (!sigOk) add({ position: at, what: 'digest', problem: 'digest signature does not verify' })
    if (d.toSeq > lastSeq) add({ position: d.toSeq, what: 'digest', problem: 'digest covers records that are missing' })
    else if (!same(hashAt.get(d.toSeq), d.lastHash))
      add({ position: d.toSeq, what: 'digest', problem: 'chain hash differs from the signed digest' })
    prev = { seq: d.digestSeq, signature: d.signature, toSeq: d.toSeq }
  }

  const head = await source.head()
  const headSeq = head?.seq ?? 0
  if (head && head.seq > 0) {
    let sigOk = false
    try {
      sigOk = same(headSignature(ring, head.kid ?? '', head), head.sig)
    } catch {
      sigOk = false
    }
    if (!sigOk) add({ position: head.seq, what: 'head', problem: 'chain head signature does not verify' })
    if (head.digestSeq !== prev.seq || head.digestSignature !== prev.signature) {
      add({ position: head.seq, what: 'head', problem: 'chain head does not name the last digest (digests deleted?)' })
    }
  }
  if (headSeq > lastSeq) add({ position: lastSeq + 1, what: 'record', problem: `records ${lastSeq + 1}..${headSeq} are missing (deleted)` })
  problems.sort((a, b) => a.position - b.position)
  return { ok: problems.length === 0, records, digests: digests.length, headSeq, firstBad: problems[0], problems }
}
