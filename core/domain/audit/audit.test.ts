import { describe, expect, it } from 'vitest'
import { CALLER, FixedClock, memoryKeyDeps } from '../../../test/fakes/memory-store'
import { generateRootKeyRingJson, parseRootKeyRing } from '../../crypto/root-key'
import { KmsError } from '../../errors'
import { ConditionFailed } from '../ports'
import { createKey } from '../keys/create-key'
import { scheduleKeyDeletion } from '../keys/key-lifecycle'
import { recordHash } from './chain'
import { lookupEvents } from './lookup-events'
import { MemoryAudit } from './memory-audit.fake'
import type { AuditEvent } from './model'
import { openPageToken, sealPageToken, PAGE_TOKEN_TTL_MS } from './page-token'
import { redactParameters } from './redact'
import { recordClaiming, recordEvent, runAudited } from './run-audited'
import { replayEventId as replayIdOf } from '../authenticate'
import { INTENT_GRACE_MS, sealAuditTrail } from './seal-audit-trail'
import { verifyAuditTrail } from './verify-audit-trail'

const ring = parseRootKeyRing(generateRootKeyRingJson('rk-audit'))
const SIGNED_AT = Date.parse('2026-12-03T12:00:00Z')

/** The replay id of (accessKeyId, nonce) signed at SIGNED_AT. */
function replayEventId(accessKeyId: string, nonce: string, signedAt = SIGNED_AT): string {
  return replayIdOf(accessKeyId, nonce, signedAt)
}
const failure = (err: unknown) => ({ errorCode: err instanceof KmsError ? err.code : 'InternalFailure', httpStatus: 400 })

function event(i: number, clock: FixedClock, over: Partial<AuditEvent> = {}): Omit<AuditEvent, 'outcome'> {
  return {
    v: 1,
    eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    time: new Date(clock.now() + i).toISOString(),
    requestId: `R${i}`,
    service: 'kms',
    action: i % 2 ? 'Encrypt' : 'Decrypt',
    readOnly: true,
    accountId: CALLER.accountId,
    principalType: 'root',
    principalArn: `acs:ram::${CALLER.accountId}:root`,
    accessKeyId: 'AKTEST',
    decision: 'Allow',
    ...over,
  }
}

function setup() {
  const clock = new FixedClock()
  const audit = new MemoryAudit()
  const deps = { audit, rootKeys: ring, clock }
  const source = {
    head: () => audit.getHead(),
    chain: (a: number, l: number) => audit.listChain(a, l),
    digests: (a: number, l: number) => audit.listDigests(a, l),
  }
  return { clock, audit, deps, source }
}

async function sealedTrail(n: number) {
  const s = setup()
  for (let i = 1; i <= n; i++) await recordEvent(s.deps, { ...event(i, s.clock), outcome: 'Success' })
  s.clock.ms += 60_000
  const report = await sealAuditTrail.run(s.deps, s.clock.now(), 1000)
  expect(report.processed).toBe(n)
  return s
}

describe('runAudited', () => {
  it('writes one record per read-only call, after the work, with the outcome', async () => {
    const { deps, audit, clock } = setup()
    expect(await runAudited(deps, { event: event(1, clock), run: async () => 'ok', failure })).toBe('ok')
    await expect(
      runAudited(deps, { event: event(2, clock), run: async () => Promise.reject(new KmsError('key.disabled', 'x')), failure }),
    ).rejects.toThrow('x')
    const bodies = [...audit.records.values()].map((r) => JSON.parse(r.body) as AuditEvent)
    expect(bodies.map((b) => [b.outcome, b.errorCode])).toEqual([
      ['Success', undefined],
      ['Failure', 'key.disabled'],
    ])
    expect(audit.writes).toBe(2)
  })

  it('writes an intent before a state change and completes it', async () => {
    const { deps, audit, clock } = setup()
    let seenByWork: string | undefined
    await runAudited(deps, {
      event: event(1, clock, { readOnly: false }),
      run: async () => {
        seenByWork = JSON.parse([...audit.records.values()][0]!.body).outcome
      },
      failure,
    })
    expect(seenByWork).toBe('Pending')
    expect(JSON.parse([...audit.records.values()][0]!.body).outcome).toBe('Success')
    expect(audit.records.size).toBe(1)
  })

  it('blocks a state change with no side effect when the audit sink fails', async () => {
    const keyDeps = memoryKeyDeps()
    const key = await createKey(keyDeps, CALLER, {})
    const { deps, audit, clock } = setup()
    audit.failWrites = true
    let ran = false
    const call = runAudited(deps, {
      event: event(1, clock, { readOnly: false, action: 'ScheduleKeyDeletion' }),
      run: async () => {
        ran = true
        return scheduleKeyDeletion(keyDeps, CALLER, key.keyId, 7)
      },
      failure,
    })
    await expect(call).rejects.toMatchObject({ code: 'store.unavailable' })
    expect(ran).toBe(false)
    expect((await keyDeps.keys.get(key.keyId))!.keyState).toBe('Enabled')
  })

  it('withholds a read-only result (e.g. plaintext) when its record cannot be written', async () => {
    const { deps, audit, clock } = setup()
    audit.failWrites = true
    await expect(runAudited(deps, { event: event(1, clock), run: async () => ({ Plaintext: 'c2VjcmV0' }), failure })).rejects.toMatchObject(
      {
        code: 'store.unavailable',
      },
    )
  })
})

describe('nonce claimed by the first audit write (replay id as event id)', () => {
  it('derives one stable, UUID-shaped id per AccessKey and nonce', () => {
    const a = replayEventId('AK1', 'nonce-0001')
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(replayEventId('AK1', 'nonce-0001')).toBe(a)
    expect(replayEventId('AK2', 'nonce-0001')).not.toBe(a)
    expect(replayEventId('AK1', 'nonce-0002')).not.toBe(a)
    // no ambiguity between (AccessKeyId, nonce) splits
    expect(replayEventId('AK1n', 'once-0001')).not.toBe(replayEventId('AK1', 'nonce-0001'))
    // the signed second leads (the ledger item), and another timestamp is another id
    expect(a.slice(0, 8)).toBe((SIGNED_AT / 1000).toString(16))
    expect(replayEventId('AK1', 'nonce-0001', SIGNED_AT + 999)).toBe(a)
    expect(replayEventId('AK1', 'nonce-0001', SIGNED_AT + 1000)).not.toBe(a)
  })

  it('refuses a replayed read-only call: no result, the refusal recorded under a fresh id', async () => {
    const { deps, audit, clock } = setup()
    const id = replayEventId('AKTEST', 'n-read-0001')
    expect(await runAudited(deps, { event: event(1, clock, { eventId: id }), run: async () => 'plaintext', failure })).toBe('plaintext')
    let ranAgain = false
    const replay = runAudited(deps, {
      event: event(1, clock, { eventId: id, requestId: 'R-replay' }),
      run: async () => {
        ranAgain = true
        return 'plaintext'
      },
      failure,
    })
    await expect(replay).rejects.toMatchObject({ code: 'auth.nonceUsed' })
    expect(ranAgain).toBe(true) // computed again, but never released
    const bodies = [...audit.records.values()].map((r) => JSON.parse(r.body) as AuditEvent)
    expect(bodies.map((b) => [b.outcome, b.errorCode ?? null])).toEqual([
      ['Success', null],
      ['Failure', 'auth.nonceUsed'],
    ])
    expect(bodies[1]!.eventId).not.toBe(id)
  })

  it('refuses a replayed state-changing call before it acts', async () => {
    const { deps, audit, clock } = setup()
    const id = replayEventId('AKTEST', 'n-write-0001')
    let runs = 0
    const call = (requestId: string) =>
      runAudited(deps, { event: event(1, clock, { eventId: id, readOnly: false, requestId }), run: async () => ++runs, failure })
    expect(await call('R-first')).toBe(1)
    await expect(call('R-replay')).rejects.toMatchObject({ code: 'auth.nonceUsed' })
    expect(runs).toBe(1)
    expect(audit.records.size).toBe(2)
  })

  it('accepts exactly one of many concurrent replays', async () => {
    const { deps, clock } = setup()
    const id = replayEventId('AKTEST', 'n-race-0001')
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        runAudited(deps, {
          event: event(1, clock, { eventId: id, readOnly: false, requestId: `R-${i}` }),
          run: async () => 'done',
          failure,
        }),
      ),
    )
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect(results.filter((r) => r.status === 'rejected' && (r.reason as KmsError).code === 'auth.nonceUsed')).toHaveLength(19)
  })

  it('takes a refused claim holding its own token (a retried write that had landed) as success', async () => {
    const { deps, audit, clock } = setup()
    const ev: AuditEvent = { ...event(1, clock, { eventId: replayEventId('AKTEST', 'n-retry-0001') }), outcome: 'Success' }
    // The first attempt lands but its answer is lost; the client's retry then fails the condition.
    audit.afterWrite = (op) => {
      if (op !== 'claimNonces') return
      audit.afterWrite = undefined
      throw new ConditionFailed('claim nonces')
    }
    await expect(recordClaiming(deps, ev, failure)).resolves.toMatchObject({ eventId: ev.eventId })
    expect(audit.records.size).toBe(1)
    // another request with the same nonce (different request id) is still a replay
    await expect(recordClaiming(deps, { ...ev, requestId: 'R-other' }, failure)).rejects.toMatchObject({ code: 'auth.nonceUsed' })
  })

  it('a store outage on the claiming write is store.unavailable, not a replay', async () => {
    const { deps, audit, clock } = setup()
    audit.failWrites = true
    await expect(
      recordClaiming(deps, { ...event(1, clock, { eventId: replayEventId('AKTEST', 'n-out-0001') }), outcome: 'Success' }, failure),
    ).rejects.toMatchObject({ code: 'store.unavailable' })
  })
})

describe('sealing and verification', () => {
  it('seals records into a chain that verifies, with a signed digest', async () => {
    const { source, audit } = await sealedTrail(25)
    const report = await verifyAuditTrail(source, ring)
    expect(report).toMatchObject({ ok: true, records: 25, digests: 1, headSeq: 25 })
    expect(audit.head!.leaseOwner).toBeUndefined()
  })

  it('finds an edited record at its position', async () => {
    const { source, audit } = await sealedTrail(10)
    const r = audit.bySeq(4)
    r.body = r.body.replace('"Decrypt"', '"Encrypt"').replace('"Encrypt"', '"GenerateDataKey"')
    const report = await verifyAuditTrail(source, ring)
    expect(report.firstBad).toMatchObject({ position: 4, what: 'record', problem: expect.stringContaining('edited') })
  })

  it('finds an edit whose hashes were all recomputed (no MAC key) at its position', async () => {
    const { source, audit } = await sealedTrail(10)
    let prev = audit.bySeq(5).prevHash!
    for (let seq = 5; seq <= 10; seq++) {
      const r = audit.bySeq(seq)
      if (seq === 5) r.body = r.body.replace('"AKTEST"', '"AKOTHER"')
      r.prevHash = prev
      r.hash = recordHash(seq, prev, r.body)
      prev = r.hash
    }
    const report = await verifyAuditTrail(source, ring)
    expect(report.firstBad).toMatchObject({ position: 5, problem: expect.stringContaining('MAC') })
  })

  it('finds a removed record at its position', async () => {
    const { source, audit } = await sealedTrail(10)
    audit.records.delete(audit.bySeq(7).eventId)
    const report = await verifyAuditTrail(source, ring)
    expect(report.firstBad).toMatchObject({ position: 7, problem: expect.stringContaining('missing') })
  })

  it('finds reordered records at the first swapped position', async () => {
    const { source, audit } = await sealedTrail(10)
    const a = audit.bySeq(3)
    const b = audit.bySeq(4)
    ;[a.seq, b.seq] = [4, 3]
    const report = await verifyAuditTrail(source, ring)
    expect(report.firstBad).toMatchObject({ position: 3 })
  })

  it('finds a removed newest record through the signed head and digest', async () => {
    const { source, audit } = await sealedTrail(10)
    audit.records.delete(audit.bySeq(10).eventId)
    const report = await verifyAuditTrail(source, ring)
    expect(report.ok).toBe(false)
    expect(report.firstBad!.position).toBe(10)
  })

  it('seals a backlog larger than the budget in batches, within one run', async () => {
    const s = setup()
    for (let i = 1; i <= 45; i++) await recordEvent(s.deps, { ...event(i, s.clock), outcome: 'Success' })
    s.clock.ms += 60_000
    expect(await sealAuditTrail.run(s.deps, 0, 10)).toMatchObject({ processed: 45, more: false })
    expect(await verifyAuditTrail(s.source, ring)).toMatchObject({ ok: true, records: 45 })
  })

  it('never lets two overlapping runs extend the chain twice', async () => {
    const s = setup()
    for (let i = 1; i <= 40; i++) await recordEvent(s.deps, { ...event(i, s.clock), outcome: 'Success' })
    s.clock.ms += 60_000
    const reports = await Promise.all([sealAuditTrail.run(s.deps, 0, 1000), sealAuditTrail.run(s.deps, 0, 1000)])
    expect(reports.map((r) => r.processed).sort((x, y) => x - y)).toEqual([0, 40])
    expect(await verifyAuditTrail(s.source, ring)).toMatchObject({ ok: true, records: 40 })
  })

  it('adopts records a crashed run sealed past the head', async () => {
    const s = setup()
    for (let i = 1; i <= 3; i++) await recordEvent(s.deps, { ...event(i, s.clock), outcome: 'Success' })
    s.clock.ms += 60_000
    await sealAuditTrail.run(s.deps, 0, 100)
    for (let i = 4; i <= 6; i++) await recordEvent(s.deps, { ...event(i, s.clock), outcome: 'Success' })
    s.clock.ms += 60_000
    // A run that sealed record 4 and died before writing its digest and head:
    const next = (await s.audit.listPending('9999', 1))[0]!
    const head = s.audit.head!
    const hash = recordHash(head.seq + 1, head.hash, next.body)
    const { recordMac } = await import('./chain')
    await s.audit.seal(
      { ...next, seq: head.seq + 1, prevHash: head.hash, hash, mac: recordMac(ring, ring.current.id, hash), kid: ring.current.id },
      next.body,
    )
    await sealAuditTrail.run(s.deps, 0, 1000)
    expect(await verifyAuditTrail(s.source, ring)).toMatchObject({ ok: true, records: 6, headSeq: 6 })
  })

  it('waits for a pending intent, then seals it as Unknown after the grace period', async () => {
    const s = setup()
    await recordEvent(s.deps, { ...event(1, s.clock, { readOnly: false }), outcome: 'Pending' })
    await recordEvent(s.deps, { ...event(2, s.clock), outcome: 'Success' })
    s.clock.ms += 60_000
    expect(await sealAuditTrail.run(s.deps, 0, 100)).toMatchObject({ processed: 1, skipped: 1 })
    s.clock.ms += INTENT_GRACE_MS
    expect(await sealAuditTrail.run(s.deps, 0, 100)).toMatchObject({ processed: 1 })
    expect(JSON.parse(s.audit.bySeq(2).body).outcome).toBe('Unknown')
    expect(await verifyAuditTrail(s.source, ring)).toMatchObject({ ok: true, records: 2, digests: 2 })
  })

  it('records a late outcome apart when the intent was sealed already', async () => {
    const s = setup()
    const call = runAudited(s.deps, {
      event: event(1, s.clock, { readOnly: false }),
      run: async () => {
        s.clock.ms += INTENT_GRACE_MS + 60_000
        await sealAuditTrail.run(s.deps, 0, 100)
        return 'done'
      },
      failure,
    })
    expect(await call).toBe('done')
    const bodies = [...s.audit.records.values()].map((r) => JSON.parse(r.body) as AuditEvent)
    expect(bodies.map((b) => b.outcome).sort()).toEqual(['Success', 'Unknown'])
    expect(bodies.find((b) => b.outcome === 'Success')!.refEventId).toBe(bodies.find((b) => b.outcome === 'Unknown')!.eventId)
  })
})

describe('redactParameters', () => {
  it('keeps identifiers and records every other value only as present, with a size class', () => {
    const out = redactParameters([
      ['KeyId', 'alias/app'],
      ['Plaintext', 'c2VjcmV0IHBsYWludGV4dA=='],
      ['SecretData', 'hunter2'],
      ['EncryptionContext.app', 'billing'],
      ['Description', ''],
      ['PublicKeyBlob', 'x'.repeat(700)],
    ])
    expect(out).toEqual({
      KeyId: 'alias/app',
      Plaintext: 'redacted:small',
      SecretData: 'redacted:small',
      'EncryptionContext.app': 'redacted:small',
      Description: 'redacted:empty',
      PublicKeyBlob: 'redacted:medium',
    })
  })

  // The attack: a reader of the trail sends candidate values (refused requests are recorded too)
  // and compares their tokens with the victim's. Nothing recorded may depend on the value itself.
  it('records nothing a guess could be compared against: every 3-digit PIN looks the same', () => {
    const data = [
      'Plaintext',
      'SecretData',
      'CiphertextBlob',
      'EncryptedKeyMaterial',
      'PublicKeyBlob',
      'Message',
      'Digest',
      'Value',
      'Signature',
      'AccessKeySecret',
      'Password',
      'EncryptionContext',
      'Unknown',
    ]
    for (const name of data) {
      const seen = new Set<string>()
      for (let pin = 0; pin < 1000; pin++) seen.add(JSON.stringify(redactParameters([[name, String(pin).padStart(3, '0')]])))
      expect(seen.size, name).toBe(1)
    }
  })
})

describe('page tokens', () => {
  const scope = { purpose: 'actiontrail:LookupEvents', accountId: '1', principalArn: 'acs:ram::1:root', filter: 'f' }
  it('refuses modified, foreign, other-query and expired tokens', () => {
    const token = sealPageToken(ring, scope, 'pos', 0)
    expect(openPageToken(ring, scope, token, 1)).toBe('pos')
    const flipped = token.slice(0, 12) + (token[12] === 'A' ? 'B' : 'A') + token.slice(13)
    for (const [t, s, now] of [
      [flipped, scope, 1],
      [token, { ...scope, accountId: '2' }, 1],
      [token, { ...scope, principalArn: 'acs:ram::1:user/x' }, 1],
      [token, { ...scope, filter: 'g' }, 1],
      [token, { ...scope, purpose: 'ram:ListUsers' }, 1],
      [token, scope, PAGE_TOKEN_TTL_MS + 1],
      ['v1.x.y.z', scope, 1],
    ] as const) {
      expect(() => openPageToken(ring, s, t, now)).toThrow(expect.objectContaining({ code: 'trail.invalidToken' }))
    }
  })
})

describe('lookupEvents', () => {
  it('pages newest first, each event once, and filters', async () => {
    const s = setup()
    for (let i = 1; i <= 25; i++) await recordEvent(s.deps, { ...event(i, s.clock), outcome: 'Success' })
    await recordEvent(s.deps, { ...event(99, s.clock, { accountId: '999' }), outcome: 'Success' })
    const base = {
      accountId: CALLER.accountId,
      principalArn: 'p',
      startMs: 0,
      endMs: s.clock.now() + 1000,
      maxResults: 10,
      filters: [],
      query: 'q',
    }
    const seen: string[] = []
    let token: string | undefined
    do {
      const page = await lookupEvents(s.deps, { ...base, nextToken: token })
      seen.push(...page.events.map((e) => e.requestId))
      token = page.nextToken
    } while (token)
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `R${25 - i}`))
    const decrypts = await lookupEvents(s.deps, { ...base, maxResults: 50, filters: [{ key: 'EventName', value: 'Decrypt' }], query: 'q2' })
    expect(decrypts.events).toHaveLength(12)
    const first = await lookupEvents(s.deps, base)
    await expect(lookupEvents(s.deps, { ...base, accountId: '999', nextToken: first.nextToken })).rejects.toMatchObject({
      code: 'trail.invalidToken',
    })
  })
})

describe('canonicalBody', () => {
  it('is RFC 8785 JSON of the event, and replaces lone surrogates instead of refusing them', async () => {
    const { canonicalBody } = await import('./chain')
    expect(canonicalBody({ b: 'x\u{1F600}', a: 1 })).toBe('{"a":1,"b":"x\u{1F600}"}')
    expect(canonicalBody({ b: 'x\uD800y', a: ['\uDC00'] })).toBe('{"a":["\uFFFD"],"b":"x\uFFFDy"}')
  })
})
