/**
 * Which trail an event lands in: cross-account copies in the key owner's trail, and
 * unauthenticated requests apart from the account's events and bounded per AccessKeyId and
 * minute.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { CALLER, FixedClock } from '../../../test/fakes/memory-store'
import { generateRootKeyRingJson, parseRootKeyRing } from '../../crypto/root-key'
import { KmsError } from '../../errors'
import { lookupEvents } from './lookup-events'
import { MemoryAudit } from './memory-audit.fake'
import type { AuditEvent } from './model'
import { runAudited } from './run-audited'
import { INTENT_GRACE_MS, sealAuditTrail } from './seal-audit-trail'
import { verifyAuditTrail } from './verify-audit-trail'
import {
  recordUnauthenticated,
  resetUnauthenticatedSlots,
  UNAUTHENTICATED_ANONYMOUS_PER_MINUTE,
  UNAUTHENTICATED_PER_KEY_PER_MINUTE,
} from './unauthenticated'

const ring = parseRootKeyRing(generateRootKeyRingJson('rk-trails'))
const failure = (err: unknown) => ({ errorCode: err instanceof KmsError ? err.code : 'InternalFailure', httpStatus: 400 })
const OWNER = '1999999999999999'

function setup() {
  const clock = new FixedClock()
  const audit = new MemoryAudit()
  return { clock, audit, deps: { audit, rootKeys: ring, clock } }
}

function event(i: number, clock: FixedClock, over: Partial<AuditEvent> = {}): Omit<AuditEvent, 'outcome'> {
  return {
    v: 1,
    eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    time: new Date(clock.now()).toISOString(),
    requestId: `R${i}`,
    service: 'kms',
    action: 'Decrypt',
    readOnly: true,
    accountId: CALLER.accountId,
    principalType: 'root',
    principalArn: `acs:ram::${CALLER.accountId}:root`,
    accessKeyId: 'LTAIcaller0000000000',
    decision: 'Allow',
    ...over,
  }
}

const source = (audit: MemoryAudit) => ({
  head: () => audit.getHead(),
  chain: (a: number, l: number) => audit.listChain(a, l),
  digests: (a: number, l: number) => audit.listDigests(a, l),
})

const lookup = (
  deps: ReturnType<typeof setup>['deps'],
  accountId: string,
  filters: Array<{ key: 'EventType' | 'EventName'; value: string }> = [],
) =>
  lookupEvents(deps, {
    accountId,
    principalArn: `acs:ram::${accountId}:root`,
    startMs: 0,
    endMs: deps.clock.now() + 1,
    maxResults: 50,
    filters,
    query: JSON.stringify(filters),
  })

describe('cross-account calls', () => {
  it('are recorded in the caller’s trail and, as a copy naming the caller, in the key owner’s', async () => {
    const { deps, audit, clock } = setup()
    await runAudited(deps, { event: event(1, clock), run: async () => 'ok', failure, alsoIn: OWNER })
    await expect(
      runAudited(deps, {
        event: event(2, clock),
        run: async () => Promise.reject(new KmsError('key.disabled', 'x')),
        failure,
        alsoIn: OWNER,
      }),
    ).rejects.toThrow('x')
    await runAudited(deps, {
      event: event(3, clock, { readOnly: false, action: 'ScheduleKeyDeletion' }),
      run: async () => 'done',
      failure,
      alsoIn: OWNER,
    })
    const mine = await lookup(deps, CALLER.accountId)
    const theirs = await lookup(deps, OWNER)
    expect(mine.events.map((e) => [e.action, e.outcome])).toEqual(theirs.events.map((e) => [e.action, e.outcome]))
    expect(theirs.events).toHaveLength(3)
    for (const e of theirs.events)
      expect(e).toMatchObject({ accountId: CALLER.accountId, recipientAccountId: OWNER, principalArn: `acs:ram::${CALLER.accountId}:root` })
    expect(mine.events.every((e) => e.recipientAccountId === undefined)).toBe(true)
    expect(audit.records.size).toBe(6)
    // Both are sealed into the chain, and the verifier accepts each in its trail.
    clock.ms += INTENT_GRACE_MS
    expect((await sealAuditTrail.run(deps, clock.now(), 100)).processed).toBe(6)
    expect(await verifyAuditTrail(source(audit), ring)).toMatchObject({ ok: true, problems: [] })
  })

  it('withholds a read-only result when the owner’s copy cannot be written', async () => {
    const { deps, audit, clock } = setup()
    audit.failWrites = true
    await expect(runAudited(deps, { event: event(1, clock), run: async () => 'plaintext', failure, alsoIn: OWNER })).rejects.toMatchObject({
      code: 'store.unavailable',
    })
  })

  it('writes no copy for a call on the caller’s own key', async () => {
    const { deps, audit, clock } = setup()
    await runAudited(deps, { event: event(1, clock), run: async () => 'ok', failure, alsoIn: CALLER.accountId })
    expect(audit.records.size).toBe(1)
  })
})

describe('unauthenticated requests', () => {
  beforeEach(() => resetUnauthenticatedSlots())

  const forged = (i: number, clock: FixedClock): AuditEvent => ({
    ...event(i, clock, { action: 'ScheduleKeyDeletion', userAgent: 'attacker', decision: 'NotEvaluated' }),
    eventId: crypto.randomUUID(),
    outcome: 'Failure',
    errorCode: 'SignatureDoesNotMatch',
    httpStatus: 400,
  })

  // The attack: a wrong-signature flood naming the victim's AccessKeyId writes attacker-chosen
  // events among the victim's, without bound.
  it('are kept out of the account’s events, marked, and bounded per AccessKeyId and minute', async () => {
    const { deps, audit, clock } = setup()
    await runAudited(deps, { event: event(1, clock), run: async () => 'ok', failure })
    let written = 0
    for (let i = 0; i < 200; i++) if (await recordUnauthenticated(deps, forged(100 + i, clock))) written++
    expect(written).toBe(UNAUTHENTICATED_PER_KEY_PER_MINUTE)
    expect(audit.records.size).toBe(1 + UNAUTHENTICATED_PER_KEY_PER_MINUTE)
    const own = await lookup(deps, CALLER.accountId)
    expect(own.events.map((e) => e.action)).toEqual(['Decrypt'])
    const asked = await lookup(deps, CALLER.accountId, [{ key: 'EventType', value: 'UnauthenticatedApiCall' }])
    expect(asked.events).toHaveLength(UNAUTHENTICATED_PER_KEY_PER_MINUTE)
    expect(asked.events.every((e) => e.unauthenticated === true && e.action === 'ScheduleKeyDeletion')).toBe(true)
    clock.ms += 60_000
    expect((await sealAuditTrail.run(deps, clock.now(), 100)).processed).toBe(1 + UNAUTHENTICATED_PER_KEY_PER_MINUTE)
    expect(await verifyAuditTrail(source(audit), ring)).toMatchObject({ ok: true, problems: [] })
    // The next minute has room again.
    clock.ms += 60_000
    expect(await recordUnauthenticated(deps, forged(999, clock))).toBeDefined()
  })

  it('holds the bound across isolates: the slots are fixed event ids, claimed absent-only', async () => {
    const { deps, audit, clock } = setup()
    for (let isolate = 0; isolate < 3; isolate++) {
      resetUnauthenticatedSlots()
      for (let i = 0; i < 30; i++) await recordUnauthenticated(deps, forged(i, clock))
    }
    expect(audit.records.size).toBe(UNAUTHENTICATED_PER_KEY_PER_MINUTE)
  })

  it('bounds requests naming no existing AccessKey together, in the anonymous trail', async () => {
    const { deps, audit, clock } = setup()
    for (let i = 0; i < UNAUTHENTICATED_ANONYMOUS_PER_MINUTE + 50; i++) {
      const e = forged(i, clock)
      delete e.accountId
      delete e.principalArn
      delete e.principalType
      e.accessKeyId = `LTAI${String(i).padStart(20, '0')}`
      await recordUnauthenticated(deps, e)
    }
    expect(audit.records.size).toBe(UNAUTHENTICATED_ANONYMOUS_PER_MINUTE)
    expect([...audit.records.values()].every((r) => r.accountId === '-')).toBe(true)
  })

  it('fails with store.unavailable when the trail cannot be written', async () => {
    const { deps, audit, clock } = setup()
    audit.failWrites = true
    await expect(recordUnauthenticated(deps, forged(1, clock))).rejects.toMatchObject({ code: 'store.unavailable' })
  })
})
