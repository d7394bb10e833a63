import { describe, expect, it } from 'vitest'
import { KmsError } from '../../errors'
import { ConditionFailed } from '../ports'
import { createInstance, getInstance, withQuota } from './instances'
import type { InstanceRecord } from './model'
import type { InstanceRepository, QuotaKind } from './ports'
import { InstanceThrottle, TokenBucket } from './throttle'

/** One item per instance; reserve/release are atomic like a conditional update on one item. */
class MemoryInstances implements InstanceRepository {
  readonly items = new Map<string, InstanceRecord>()
  async get(id: string) {
    await Promise.resolve()
    const i = this.items.get(id)
    return i && { ...i }
  }
  async create(i: InstanceRecord) {
    if (this.items.has(i.instanceId)) throw new ConditionFailed('exists')
    this.items.set(i.instanceId, { ...i })
  }
  async listByAccount(a: string, r: string) {
    return [...this.items.values()].filter((i) => i.accountId === a && i.region === r)
  }
  async reserve(id: string, kind: QuotaKind) {
    await new Promise((r) => setTimeout(r, Math.random() * 3))
    const i = this.items.get(id)
    const [count, quota] = kind === 'key' ? (['keyCount', 'keyNum'] as const) : (['secretCount', 'secretNum'] as const)
    if (!i || i[count] >= i[quota]) throw new ConditionFailed('quota')
    i[count] += 1
  }
  async release(id: string, kind: QuotaKind) {
    const i = this.items.get(id)
    const count = kind === 'key' ? 'keyCount' : 'secretCount'
    if (i && i[count] > 0) i[count] -= 1
  }
}

let seed = 1
const deps = () => ({
  instances: new MemoryInstances(),
  clock: { now: () => Date.parse('2026-12-03T00:00:00Z') },
  random: (n: number) => Uint8Array.from({ length: n }, () => (seed = (seed * 48271) % 2147483647) & 0xff),
})
const caller = { accountId: '1234567890', region: 'cn-hangzhou' }

describe('instances', () => {
  it('creates an instance with a kst- id and validated quotas', async () => {
    const d = deps()
    const i = await createInstance(d, caller.accountId, caller.region, { type: 'software', keyNum: 5, secretNum: 2, spec: 100 })
    expect(i.instanceId).toMatch(/^kst-[a-z0-9]{20,}$/)
    expect(await getInstance(d, caller, i.instanceId)).toMatchObject({ keyNum: 5, secretNum: 2, spec: 100, keyCount: 0 })
    await expect(createInstance(d, caller.accountId, caller.region, { type: 'cloud', keyNum: 1, secretNum: 1, spec: 1 })).rejects.toThrow(
      KmsError,
    )
    await expect(
      createInstance(d, caller.accountId, caller.region, { type: 'software', keyNum: 1.5, secretNum: 1, spec: 1 }),
    ).rejects.toThrow(/keys/)
    await expect(
      createInstance(d, caller.accountId, caller.region, { type: 'software', keyNum: 1, secretNum: 1, spec: 0 }),
    ).rejects.toThrow(/rps/)
  })

  it("another account's instance looks missing", async () => {
    const d = deps()
    const i = await createInstance(d, caller.accountId, caller.region, { type: 'software', keyNum: 5, secretNum: 2, spec: 100 })
    await expect(getInstance(d, { ...caller, accountId: '999' }, i.instanceId)).rejects.toMatchObject({ code: 'instance.notFound' })
    await expect(getInstance(d, { ...caller, region: 'cn-beijing' }, i.instanceId)).rejects.toMatchObject({ code: 'instance.notFound' })
    await expect(getInstance(d, caller, 'kst-../x')).rejects.toMatchObject({ code: 'validation.invalidParameter' })
  })

  it('withQuota: 50 concurrent creators at quota - 1, exactly one runs; a failed create gives its unit back', async () => {
    const d = deps()
    const i = await createInstance(d, caller.accountId, caller.region, { type: 'software', keyNum: 3, secretNum: 1, spec: 100 })
    let created = 0
    const create = async () => {
      created++
    }
    await withQuota(d, i, 'key', create)
    await withQuota(d, i, 'key', create)
    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, () => withQuota(d, i, 'key', create)))
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
    expect(
      outcomes.filter((o) => o.status === 'rejected').every((o) => (o as PromiseRejectedResult).reason.code === 'limit.exceeded'),
    ).toBe(true)
    expect(created).toBe(3)
    await expect(
      withQuota(d, i, 'secret', async () => {
        throw new Error('write failed')
      }),
    ).rejects.toThrow('write failed')
    expect(d.instances.items.get(i.instanceId)!.secretCount).toBe(0)
  })
})

describe('throttle', () => {
  it('a token bucket admits its rate plus the burst, then refills with time', () => {
    const b = new TokenBucket(10, 2, 0)
    expect([b.take(0), b.take(0), b.take(0)]).toEqual([true, true, false])
    expect(b.take(100)).toBe(true) // 100 ms at 10/s = one token
    expect(b.take(100)).toBe(false)
    expect(b.take(10_000)).toBe(true)
  })

  it('over 10 simulated seconds at 3x the offered load, an instance serves its spec within 10 %', () => {
    const t = new InstanceThrottle(1)
    const instance = { instanceId: 'kst-hzz1', spec: 1000 }
    let served = 0
    for (let n = 0; n < 30_000; n++) if (t.admit(instance, n / 3)) served++ // 3 requests per ms
    expect(served / 10).toBeGreaterThan(900)
    expect(served / 10).toBeLessThan(1100)
  })

  it('with N isolates each admits spec / N', () => {
    const t = new InstanceThrottle(4)
    const instance = { instanceId: 'kst-hzz2', spec: 1000 }
    let served = 0
    for (let n = 0; n < 30_000; n++) if (t.admit(instance, n / 3)) served++
    expect(Math.round(served / 10)).toBeGreaterThan(225)
    expect(Math.round(served / 10)).toBeLessThan(275)
  })
})
