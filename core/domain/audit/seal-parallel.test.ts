/**
 * The sealer writes groups of seals at once; a failed write inside a group must never leave a
 * gap, a fork or a record sealed twice — neither when the run goes on nor when it stops.
 */
import { describe, expect, it } from 'vitest'
import { CALLER, FixedClock } from '../../../test/fakes/memory-store'
import { generateRootKeyRingJson, parseRootKeyRing } from '../../crypto/root-key'
import { ConditionFailed } from '../ports'
import { MemoryAudit } from './memory-audit.fake'
import { recordEvent } from './run-audited'
import { LEASE_MS, PARALLEL_SEALS, sealAuditTrail } from './seal-audit-trail'
import { verifyAuditTrail } from './verify-audit-trail'

const ring = parseRootKeyRing(generateRootKeyRingJson('rk-seal'))

async function setup(n: number) {
  const clock = new FixedClock()
  const audit = new MemoryAudit()
  const deps = { audit, rootKeys: ring, clock }
  for (let i = 1; i <= n; i++) {
    await recordEvent(deps, {
      v: 1,
      eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      time: new Date(clock.now() + i).toISOString(),
      requestId: `R${i}`,
      service: 'kms',
      action: 'Encrypt',
      readOnly: true,
      accountId: CALLER.accountId,
      decision: 'Allow',
      outcome: 'Success',
    })
  }
  clock.ms += 60_000
  return { clock, audit, deps }
}

async function expectWholeChain(audit: MemoryAudit, n: number) {
  const sealed = [...audit.records.values()].filter((r) => r.seq !== undefined)
  expect(sealed).toHaveLength(n)
  expect(sealed.map((r) => r.seq).sort((a, b) => a! - b!)).toEqual(Array.from({ length: n }, (_, i) => i + 1))
  const source = {
    head: () => audit.getHead(),
    chain: (a: number, l: number) => audit.listChain(a, l),
    digests: (a: number, l: number) => audit.listDigests(a, l),
  }
  expect(await verifyAuditTrail(source, ring)).toMatchObject({ ok: true, problems: [] })
  expect((await audit.getHead())!.seq).toBe(n)
}

describe('parallel sealing', () => {
  it('seals a backlog in several groups into one verifiable chain', async () => {
    const { audit, deps, clock } = await setup(5 * PARALLEL_SEALS + 3)
    expect((await sealAuditTrail.run(deps, clock.now(), 500)).processed).toBe(5 * PARALLEL_SEALS + 3)
    await expectWholeChain(audit, 5 * PARALLEL_SEALS + 3)
  })

  it('moves the records written after a refused write down, and seals the refused one next run', async () => {
    const n = 2 * PARALLEL_SEALS
    const { audit, deps, clock } = await setup(n)
    const refused = `00000000-0000-4000-8000-${String(5).padStart(12, '0')}`
    let once = true
    audit.beforeSeal = (r) => {
      if (r.eventId === refused && once) {
        once = false
        throw new ConditionFailed('changed meanwhile')
      }
    }
    const first = await sealAuditTrail.run(deps, clock.now(), 500)
    expect(first.processed).toBe(n - 1)
    await expectWholeChain(audit, n - 1)
    clock.ms += 1000
    expect((await sealAuditTrail.run(deps, clock.now(), 500)).processed).toBe(1)
    await expectWholeChain(audit, n)
  })

  it('stops at a write of unknown fate, and the next run adopts what landed without a gap', async () => {
    const n = 2 * PARALLEL_SEALS
    const { audit, deps, clock } = await setup(n)
    const lost = `00000000-0000-4000-8000-${String(7).padStart(12, '0')}`
    let once = true
    audit.beforeSeal = (r) => {
      if (r.eventId === lost && once) {
        once = false
        throw new Error('socket hang up')
      }
    }
    await expect(sealAuditTrail.run(deps, clock.now(), 500)).rejects.toThrow('socket hang up')
    // The head stays leased; after the lease, the next run moves the group's later writes down.
    clock.ms += LEASE_MS + 1
    const next = await sealAuditTrail.run(deps, clock.now(), 500)
    expect(next.failed).toBe(0)
    await expectWholeChain(audit, n)
  })
})
