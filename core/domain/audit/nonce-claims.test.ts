import { describe, expect, it } from 'vitest'
import { FixedClock } from '../../../test/fakes/memory-store'
import { generateRootKeyRingJson, parseRootKeyRing } from '../../crypto/root-key'
import { replayEventId } from '../authenticate'
import { MemoryAudit } from './memory-audit.fake'
import { isReplayId } from './nonce-claims'
import { recordEvent } from './run-audited'

const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('')

describe('isReplayId', () => {
  it('is true for the ids authentication derives, whatever the nonce and second', () => {
    for (let i = 0; i < 200; i++) expect(isReplayId(replayEventId(`AK${i}`, hex(16), 1_700_000_000_000 + i * 997_000))).toBe(true)
  })

  it('is false for random v4 ids, copies in another trail and 36-character ids of other shapes', () => {
    for (let i = 0; i < 200; i++) expect(isReplayId(crypto.randomUUID())).toBe(false)
    // A fixed second: its id has hex letters, so upper case changes it (an id of decimal digits
    // only, which a time from mid-2029 on can give, would read the same in upper case).
    const replay = replayEventId('AK', 'n', 1_700_000_000_000)
    expect(replay).toMatch(/[a-f]/)
    expect(isReplayId(`${replay}.1234567890123456`)).toBe(false)
    // The rotation engine's ids: `rot-` and 32 hex digits, 36 characters; an `8` at index 14.
    const rot = `rot-${hex(10)}8${hex(21)}`
    expect(rot).toHaveLength(36)
    expect(rot[14]).toBe('8')
    expect(isReplayId(rot)).toBe(false)
    expect(isReplayId(replay.toUpperCase())).toBe(false)
  })
})

describe('recordEvent of an id that is not a replay id', () => {
  it('writes it without a claim and without an AccessKeyId (the rotation engine, 1 id in 16 before)', async () => {
    const audit = new MemoryAudit()
    const deps = { audit, rootKeys: parseRootKeyRing(generateRootKeyRingJson('rk-nc')), clock: new FixedClock() }
    const eventId = `rot-${hex(10)}8${hex(21)}`
    await recordEvent(deps, {
      v: 1,
      eventId,
      time: new Date(deps.clock.now()).toISOString(),
      requestId: hex(16),
      service: 'kms',
      action: 'SecretRotation',
      readOnly: false,
      accountId: '1234567890123456',
      principalType: 'root',
      decision: 'Allow',
      outcome: 'Failure',
    })
    expect(await audit.get(eventId)).toBeDefined()
  })
})
