/**
 * Audit pages (core/store/SCHEMA.md (Audit pages)) on the real table (the stack's dynalite),
 * through the Worker's store client: what `putPage` writes, LookupEvents' merge of pages and
 * records (range ends, the 60 s look-ahead past the range's end, newest first, the limit, one
 * copy of a record both sealed and still in its page), the sealer's view (whole pages, `page`
 * set) and a page's retirement.
 *
 * Each test files its records under an account id of its own, so nothing collides with other
 * tests sharing the table; the stack's sealer may run meanwhile (another test file), so what the
 * pending list shows is checked as "listed, or sealed already".
 */
import { randomInt, randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { ConditionFailed } from '../../core/domain/ports'
import { canonicalBody } from '../../core/domain/audit/chain'
import type { AuditEvent, AuditRecord } from '../../core/domain/audit/model'
import { createStore, type Store } from '../../core/store'
import { WireDocumentClient } from '../../core/store/wire/client'
import { stackInfo } from './clients'

let store: Store

beforeAll(() => {
  const { dynamoEndpoint, tableName } = stackInfo()
  store = createStore(
    new WireDocumentClient({
      endpoint: dynamoEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    tableName,
  )
})

const account = () => `9${String(randomInt(0, 2 ** 47)).padStart(15, '0')}`
const at = (base: number, ms: number) => new Date(base + ms).toISOString()

/**
 * A record shaped as a read-only call's event: the stack's sealer seals these into the shared
 * chain like any other (other tests edit sealed events of the chain and expect this shape).
 */
function rec(accountId: string, time: string, i: number): AuditRecord {
  const eventId = randomUUID()
  const event: AuditEvent = {
    v: 1,
    eventId,
    time,
    requestId: `PAGES-TEST-${i}-${randomUUID()}`.toUpperCase(),
    service: 'kms',
    action: 'DescribeRegions',
    readOnly: true,
    accountId,
    decision: 'Allow',
    outcome: 'Success',
  }
  return { eventId, accountId, time, body: canonicalBody(event) }
}

const key = (r: AuditRecord) => `${r.time}#${r.eventId}`

describe('audit pages on the real table', () => {
  it('LookupEvents reads pages per trail account: range ends, look-ahead past the end, newest first, limit', async () => {
    const a = account()
    const b = account()
    const base = Date.parse('2026-01-01T00:00:00.000Z') + randomInt(0, 10 ** 9)
    // One page of a's records spanning 30 s (indexed under its newest record), one of b's.
    const mine = [0, 5_000, 10_000, 20_000, 30_000].map((ms, i) => rec(a, at(base, ms), i))
    await store.audit.putPage([...mine, rec(b, at(base, 1_000), 9)])
    const all = await store.audit.listByAccount(a, at(base, -1), `${at(base, 60_000)}~`, 100)
    expect(all.map(key)).toEqual(mine.map(key).reverse())
    expect(all.every((r) => r.accountId === a && r.page === undefined)).toBe(true)
    // The range ends before the page's newest record: the page is still found (look-ahead).
    const early = await store.audit.listByAccount(a, at(base, 0), `${at(base, 10_000)}~`, 100)
    expect(early.map(key)).toEqual(mine.slice(0, 3).map(key).reverse())
    // fromKey inclusive, toKey exclusive, as for records.
    const mid = await store.audit.listByAccount(a, key(mine[1]!), key(mine[3]!), 100)
    expect(mid.map(key)).toEqual([key(mine[2]!), key(mine[1]!)])
    expect((await store.audit.listByAccount(a, at(base, -1), `${at(base, 60_000)}~`, 2)).map(key)).toEqual([key(mine[4]!), key(mine[3]!)])
    expect((await store.audit.listByAccount(b, at(base, -1), `${at(base, 60_000)}~`, 100)).map((r) => r.accountId)).toEqual([b])
  })

  it('merges many pages and records newest first and stops at the limit without losing a newer record', async () => {
    const a = account()
    const base = Date.parse('2026-02-01T00:00:00.000Z') + randomInt(0, 10 ** 9)
    const written: AuditRecord[] = []
    for (let p = 0; p < 14; p++) {
      const page = Array.from({ length: 3 }, (_, i) => rec(a, at(base, p * 1_000 + i * 700), p * 3 + i))
      written.push(...page)
      await store.audit.putPage(page)
    }
    // A record item among them (an intent), as putMany writes it.
    const item = rec(a, at(base, 7_350), 99)
    await store.audit.putMany([item])
    written.push(item)
    const newest = [...written].sort((x, y) => (key(x) < key(y) ? 1 : -1))
    for (const limit of [1, 5, 25, 100]) {
      const got = await store.audit.listByAccount(a, at(base, -1), `${at(base, 60_000)}~`, limit)
      expect(got.map(key)).toEqual(newest.slice(0, limit).map(key))
    }
  })

  it('the sealer sees whole pages with `page` set; a sealed page record is its own item, listed once; the page retires', async () => {
    const a = account()
    const base = Date.now() - 120_000
    const page = Array.from({ length: 4 }, (_, i) => rec(a, at(base, i * 10), i))
    await store.audit.putPage(page)
    const pending = await store.audit.listPending(new Date().toISOString(), 100_000)
    const listed = pending.filter((r) => r.accountId === a)
    if (listed.length) {
      // Whole, with the page's id and size (unless the stack's sealer retired it meanwhile).
      expect(listed.map((r) => r.eventId).sort()).toEqual(page.map((r) => r.eventId).sort())
      expect(new Set(listed.map((r) => r.page?.id)).size).toBe(1)
      expect(listed.every((r) => r.page?.size === 4)).toBe(true)
    }
    const first = listed[0] ?? { ...page[0]!, page: { id: 'gone', size: 4 } }
    const sealed = {
      ...first,
      seq: 10 ** 11 + randomInt(0, 10 ** 9),
      prevHash: 'a'.repeat(64),
      hash: 'b'.repeat(64),
      mac: 'c'.repeat(64),
      kid: 'rk',
    }
    try {
      await store.audit.seal(sealed, first.body)
    } catch (err) {
      // Sealed by the stack's sealer first: conditional on its absence.
      expect(err).toBeInstanceOf(ConditionFailed)
    }
    expect((await store.audit.get(first.eventId))?.seq).toEqual(expect.any(Number))
    await expect(store.audit.seal(sealed, first.body)).rejects.toBeInstanceOf(ConditionFailed)
    const looked = await store.audit.listByAccount(a, at(base, -1), `${at(base, 60_000)}~`, 100)
    expect(looked.map((r) => r.eventId).sort()).toEqual(page.map((r) => r.eventId).sort())
    expect(looked.find((r) => r.eventId === first.eventId)?.seq).toEqual(expect.any(Number))
    if (listed.length) {
      await store.audit.retirePage(first.page!.id)
      await store.audit.retirePage(first.page!.id) // idempotent
      const after = await store.audit.listPending(new Date().toISOString(), 100_000)
      expect(after.filter((r) => r.accountId === a)).toEqual([])
    }
  })

  it('splits a page by trail account and by span, and refuses more than 100 records before writing', async () => {
    const a = account()
    const base = Date.parse('2026-03-01T00:00:00.000Z') + randomInt(0, 10 ** 9)
    const records = [rec(a, at(base, 0), 0), rec(a, at(base, 59_000), 1), rec(a, at(base, 61_000), 2), rec(account(), at(base, 0), 3)]
    const items = store.audit.pageItems(records)
    expect(items.map((i) => (JSON.parse(i.records as string) as unknown[]).length).sort()).toEqual([1, 1, 2])
    await expect(store.audit.putPage(Array.from({ length: 101 }, (_, i) => rec(a, at(base, i), i)))).rejects.toBeInstanceOf(RangeError)
    expect(await store.audit.listByAccount(a, at(base, -1), `${at(base, 200_000)}~`, 200)).toEqual([])
  })
})
