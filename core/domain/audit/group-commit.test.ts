import { describe, expect, it } from 'vitest'
import { FixedClock } from '../../../test/fakes/memory-store'
import { generateRootKeyRingJson, parseRootKeyRing } from '../../crypto/root-key'
import { KmsError } from '../../errors'
import { replayEventId } from '../authenticate'
import { MAX_PAGE_RECORDS } from '../ports'
import { MAX_RECORDS_PER_WRITE } from './group-commit'
import { MemoryAudit } from './memory-audit.fake'
import type { AuditEvent } from './model'
import { recordClaiming, runAudited } from './run-audited'
import { sealAuditTrail } from './seal-audit-trail'
import { verifyAuditTrail } from './verify-audit-trail'

const ring = parseRootKeyRing(generateRootKeyRingJson('rk-group'))
const SIGNED_AT = Date.parse('2026-12-03T12:00:00Z')
const failure = (err: unknown) => ({ errorCode: err instanceof KmsError ? err.code : 'InternalFailure', httpStatus: 400 })

/** A request's event after authentication (its replay id as event id, as functions/pipeline sets it). */
function authenticated(nonce: string, clock: FixedClock, over: Partial<AuditEvent> = {}): Omit<AuditEvent, 'outcome'> {
  const eventId = replayEventId('AKTEST', nonce, SIGNED_AT)
  return {
    v: 1,
    eventId,
    time: new Date(clock.now()).toISOString(),
    requestId: `R-${nonce}-${Math.random()}`,
    service: 'kms',
    action: 'Decrypt',
    readOnly: true,
    accountId: '1234567890123456',
    accessKeyId: 'AKTEST',
    decision: 'Allow',
    ...over,
  }
}

/** One isolate on a shared table: its own repository object (so its own group commit). */
function isolate(table: MemoryAudit) {
  return { audit: new MemoryAudit(table.records, table.ledgers), rootKeys: ring, clock: new FixedClock() }
}

const tick = () => new Promise((r) => setTimeout(r, 0))

describe('group commit', () => {
  it('writes concurrent read-only calls together: one claim write and one audit page per 100 records', async () => {
    const audit = new MemoryAudit()
    const deps = { audit, rootKeys: ring, clock: new FixedClock() }
    // The first call's group goes alone (nothing queued yet); the rest queue behind it.
    const calls = Array.from({ length: 60 }, (_, i) =>
      runAudited(deps, { event: authenticated(`n-group-${i}`, deps.clock), run: async () => i, failure }),
    )
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 60 }, (_, i) => i))
    expect(audit.records.size).toBe(60)
    expect(audit.calls.put).toBe(0)
    expect(audit.calls.putMany).toBe(0)
    expect(audit.calls.putPage).toBeLessThanOrEqual(1 + Math.ceil(59 / MAX_PAGE_RECORDS) + 1)
    expect(audit.calls.claimNonces).toBeLessThanOrEqual(4)
  })

  it('writes intents of state-changing calls as items of their own (25 per write), which their calls complete', async () => {
    const audit = new MemoryAudit()
    const deps = { audit, rootKeys: ring, clock: new FixedClock() }
    const calls = Array.from({ length: 30 }, (_, i) =>
      runAudited(deps, {
        event: authenticated(`n-intent-${i}`, deps.clock, { action: 'CreateKey', readOnly: false }),
        run: async () => i,
        failure,
      }),
    )
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 30 }, (_, i) => i))
    expect(audit.calls.putPage).toBe(0)
    expect(audit.calls.putMany).toBeLessThanOrEqual(1 + Math.ceil(29 / MAX_RECORDS_PER_WRITE) + 1)
    expect([...audit.records.values()].every((r) => (JSON.parse(r.body) as AuditEvent).outcome === 'Success')).toBe(true)
    expect(audit.pages.size).toBe(0)
  })

  it('releases no call before its own record is durable', async () => {
    const audit = new MemoryAudit()
    const deps = { audit, rootKeys: ring, clock: new FixedClock() }
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    audit.beforeWrite = async (op) => {
      if (op === 'putPage') await gate
    }
    const settled: string[] = []
    const calls = Array.from({ length: 5 }, (_, i) => {
      const ev = authenticated(`n-hold-${i}`, deps.clock)
      return runAudited(deps, { event: ev, run: async () => ev.eventId, failure }).then((id) => {
        expect(audit.records.has(id)).toBe(true)
        settled.push(id)
      })
    })
    for (let i = 0; i < 10; i++) await tick()
    expect(settled).toEqual([])
    release()
    await Promise.all(calls)
    expect(settled).toHaveLength(5)
  })

  it('refuses a replay sent to another isolate, also in the same group as the original', async () => {
    const table = new MemoryAudit()
    const a = isolate(table)
    const b = isolate(table)
    const first = authenticated('n-two-isolates', a.clock)
    const results = await Promise.allSettled([
      runAudited(a, { event: first, run: async () => 'plaintext', failure }),
      runAudited(b, { event: { ...first, requestId: 'R-replay' }, run: async () => 'plaintext', failure }),
      runAudited(a, { event: { ...first, requestId: 'R-replay-2' }, run: async () => 'plaintext', failure }),
    ])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect(results.filter((r) => r.status === 'rejected' && (r.reason as KmsError).code === 'auth.nonceUsed')).toHaveLength(2)
    const bodies = [...table.records.values()].map((r) => JSON.parse(r.body) as AuditEvent)
    expect(bodies.filter((e) => e.outcome === 'Success')).toHaveLength(1)
    expect(bodies.filter((e) => e.errorCode === 'auth.nonceUsed')).toHaveLength(2)
  })

  it('refuses a replay after a restart (a new isolate, nothing in memory, the same table)', async () => {
    const table = new MemoryAudit()
    const before = isolate(table)
    const ev = authenticated('n-restart', before.clock)
    await runAudited(before, { event: ev, run: async () => 'ok', failure })
    const after = isolate(table)
    await expect(
      runAudited(after, { event: { ...ev, requestId: 'R-after-restart' }, run: async () => 'ok', failure }),
    ).rejects.toMatchObject({
      code: 'auth.nonceUsed',
    })
  })

  it('a crash between the record write and the answer leaves the record and the claim: the call fails, a retry is a replay', async () => {
    const audit = new MemoryAudit()
    const deps = { audit, rootKeys: ring, clock: new FixedClock() }
    const ev = authenticated('n-crash', deps.clock)
    audit.afterWrite = (op) => {
      if (op === 'putPage') {
        audit.afterWrite = undefined
        throw new Error('connection reset')
      }
    }
    await expect(runAudited(deps, { event: ev, run: async () => 'plaintext', failure })).rejects.toMatchObject({
      code: 'store.unavailable',
    })
    expect(audit.records.has(ev.eventId)).toBe(true)
    await expect(runAudited(deps, { event: { ...ev, requestId: 'R-retry' }, run: async () => 'plaintext', failure })).rejects.toMatchObject(
      {
        code: 'auth.nonceUsed',
      },
    )
  })

  it('a store outage fails every waiting call with store.unavailable and releases no result', async () => {
    const audit = new MemoryAudit()
    const deps = { audit, rootKeys: ring, clock: new FixedClock() }
    audit.failWrites = true
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        runAudited(deps, { event: authenticated(`n-down-${i}`, deps.clock), run: async () => 'plaintext', failure }),
      ),
    )
    expect(results.every((r) => r.status === 'rejected' && (r.reason as KmsError).code === 'store.unavailable')).toBe(true)
    // The store back: the group commit is not stuck.
    audit.failWrites = false
    await expect(runAudited(deps, { event: authenticated('n-back', deps.clock), run: async () => 'ok', failure })).resolves.toBe('ok')
  })

  it('fails closed when a replay id comes without its AccessKeyId (never written unclaimed)', async () => {
    const audit = new MemoryAudit()
    const deps = { audit, rootKeys: ring, clock: new FixedClock() }
    const ev = { ...authenticated('n-no-ak', deps.clock, { accessKeyId: undefined }), outcome: 'Success' as const }
    await expect(recordClaiming(deps, ev, failure)).rejects.toMatchObject({ code: 'store.unavailable' })
    expect(audit.records.size).toBe(0)
  })

  it('claims in the ledger item of the signed second: a nonce reused in another second is another event', async () => {
    const audit = new MemoryAudit()
    const deps = { audit, rootKeys: ring, clock: new FixedClock() }
    const first = authenticated('n-reused', deps.clock)
    const later = { ...first, eventId: replayEventId('AKTEST', 'n-reused', SIGNED_AT + 5000), requestId: 'R-later' }
    await runAudited(deps, { event: first, run: async () => 1, failure })
    await runAudited(deps, { event: later, run: async () => 2, failure })
    expect(audit.records.size).toBe(2)
    expect([...audit.ledgers.keys()].sort()).toEqual([`AKTEST#${SIGNED_AT / 1000}`, `AKTEST#${SIGNED_AT / 1000 + 5}`])
  })

  it('group-committed records seal and verify like any others', async () => {
    const audit = new MemoryAudit()
    const clock = new FixedClock()
    const deps = { audit, rootKeys: ring, clock }
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => runAudited(deps, { event: authenticated(`n-seal-${i}`, clock), run: async () => i, failure })),
    )
    expect(audit.pages.size).toBeGreaterThan(0)
    clock.ms += 60_000
    expect((await sealAuditTrail.run(deps, clock.now(), 1000)).processed).toBe(40)
    // Every page was seen sealed whole and retired; a second run finds nothing.
    expect(audit.pages.size).toBe(0)
    expect((await sealAuditTrail.run(deps, clock.now(), 1000)).processed).toBe(0)
    const source = {
      head: () => audit.getHead(),
      chain: (a: number, l: number) => audit.listChain(a, l),
      digests: (a: number, l: number) => audit.listDigests(a, l),
    }
    expect(await verifyAuditTrail(source, ring)).toMatchObject({ ok: true, records: 40 })
  })

  it('claims by a write conditional on the version once the isolate knows the ledger item; refuses a replay without a write', async () => {
    const audit = new MemoryAudit()
    const deps = { audit, rootKeys: ring, clock: new FixedClock() }
    const conditions: Array<'version' | 'claims'> = []
    const claim = audit.claimNonces.bind(audit)
    audit.claimNonces = (l, names, token, opts) => {
      conditions.push(opts?.ifVersion === undefined ? 'claims' : 'version')
      return claim(l, names, token, opts)
    }
    const first = authenticated('n-ver-0', deps.clock)
    for (let i = 0; i < 4; i++) {
      await runAudited(deps, { event: i === 0 ? first : authenticated(`n-ver-${i}`, deps.clock), run: async () => i, failure })
    }
    expect(conditions).toEqual(['claims', 'version', 'version', 'version'])
    await expect(runAudited(deps, { event: { ...first, requestId: 'R-replay' }, run: async () => 'x', failure })).rejects.toMatchObject({
      code: 'auth.nonceUsed',
    })
    expect(conditions).toHaveLength(4)
    expect(audit.ledgers.get(`AKTEST#${SIGNED_AT / 1000}`)?.get('v')).toBe('4')
  })

  it('two isolates writing one ledger item: a refused versioned write falls back to per-claim conditions; replays stay refused both ways', async () => {
    const table = new MemoryAudit()
    const a = isolate(table)
    const b = isolate(table)
    const ok = async (deps: typeof a, nonce: string) =>
      runAudited(deps, { event: authenticated(nonce, deps.clock), run: async () => nonce, failure })
    await ok(a, 'n-2i-a1')
    await ok(b, 'n-2i-b1')
    await ok(a, 'n-2i-a2') // A's known version is stale: refused, then per claim
    await ok(b, 'n-2i-b2')
    await ok(a, 'n-2i-a3')
    for (const [deps, nonce] of [
      [a, 'n-2i-b1'],
      [b, 'n-2i-a1'],
      [a, 'n-2i-b2'],
      [b, 'n-2i-a3'],
      [a, 'n-2i-a2'],
    ] as const) {
      await expect(
        runAudited(deps, {
          event: { ...authenticated(nonce, deps.clock), requestId: `R-${Math.random()}` },
          run: async () => 'x',
          failure,
        }),
      ).rejects.toMatchObject({
        code: 'auth.nonceUsed',
      })
    }
    const bodies = [...table.records.values()].map((r) => JSON.parse(r.body) as AuditEvent)
    expect(bodies.filter((e) => e.outcome === 'Success')).toHaveLength(5)
  })

  it('a versioned claim whose answer is lost fails its call; the retry is a replay', async () => {
    const audit = new MemoryAudit()
    const deps = { audit, rootKeys: ring, clock: new FixedClock() }
    await runAudited(deps, { event: authenticated('n-lost-0', deps.clock), run: async () => 0, failure })
    const ev = authenticated('n-lost-1', deps.clock)
    audit.afterWrite = (op) => {
      if (op === 'claimNonces') {
        audit.afterWrite = undefined
        throw new Error('connection reset')
      }
    }
    await expect(runAudited(deps, { event: ev, run: async () => 'plaintext', failure })).rejects.toMatchObject({
      code: 'store.unavailable',
    })
    await expect(runAudited(deps, { event: { ...ev, requestId: 'R-retry' }, run: async () => 'plaintext', failure })).rejects.toMatchObject(
      {
        code: 'auth.nonceUsed',
      },
    )
    await expect(runAudited(deps, { event: authenticated('n-lost-2', deps.clock), run: async () => 2, failure })).resolves.toBe(2)
  })

  it('a page left unretired (its delete failed) is found sealed by the next run, retired, and the chain stays gapless', async () => {
    const audit = new MemoryAudit()
    const clock = new FixedClock()
    const deps = { audit, rootKeys: ring, clock }
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        runAudited(deps, { event: authenticated(`n-unretired-${i}`, clock), run: async () => i, failure }),
      ),
    )
    const pagesBefore = audit.pages.size
    expect(pagesBefore).toBeGreaterThan(0)
    const retire = audit.retirePage.bind(audit)
    audit.retirePage = async () => {
      throw new Error('store timeout')
    }
    clock.ms += 60_000
    expect((await sealAuditTrail.run(deps, clock.now(), 1000)).processed).toBe(12)
    expect(audit.pages.size).toBe(pagesBefore)
    audit.retirePage = retire
    // New calls meanwhile: sealed after the re-listed page's records, which are refused as sealed.
    await Promise.all(
      Array.from({ length: 3 }, (_, i) => runAudited(deps, { event: authenticated(`n-after-${i}`, clock), run: async () => i, failure })),
    )
    clock.ms += 60_000
    expect((await sealAuditTrail.run(deps, clock.now(), 1000)).processed).toBe(3)
    expect(audit.pages.size).toBe(0)
    const source = {
      head: () => audit.getHead(),
      chain: (a: number, l: number) => audit.listChain(a, l),
      digests: (a: number, l: number) => audit.listDigests(a, l),
    }
    expect(await verifyAuditTrail(source, ring)).toMatchObject({ ok: true, records: 15 })
  })
})
