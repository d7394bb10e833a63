/**
 * @module test/contract/audit-repository.contract
 *
 * What every AuditRepository (core/domain/ports.ts) does: the in-memory fake
 * (core/domain/audit/memory-audit.fake.ts) and the DynamoDB repository (core/store/audit.ts).
 * `listPending` may answer short ("call again"); with fewer records than one shard's share, as
 * here, it answers every due record.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { ConditionFailed, type AuditRepository } from '../../core/domain/ports'
import { ACCOUNT, auditDigest, auditRecord, chainHead, OTHER_ACCOUNT, sealed } from './records'

/** `make` returns an empty repository; it is called once per test. */
export function describeAuditRepositoryContract(name: string, make: () => Promise<AuditRepository> | AuditRepository): void {
  describe(`AuditRepository contract: ${name}`, () => {
    let audit: AuditRepository
    beforeEach(async () => {
      audit = await make()
    })

    const at = (n: number) => `2026-11-01T00:00:0${n}.000Z`

    describe('group commit and the nonce ledger', () => {
      const ledger = { accessKeyId: 'AKCONTRACT', second: 1_764_763_200, expiresAt: 1_764_764_400 }

      it('putMany writes every record (up to 25), readable one by one and listed as pending', async () => {
        const records = Array.from({ length: 25 }, (_, i) => auditRecord({ eventId: `e-many-${i}`, time: at(1) }))
        await audit.putMany(records)
        for (const r of records) expect(await audit.get(r.eventId)).toEqual(r)
        expect(await audit.listPending(at(2), 100)).toHaveLength(25)
      })

      it('claimNonces claims all names in one write, and refuses the whole write when one is taken', async () => {
        await audit.claimNonces(ledger, ['ca', 'cb'], 'tok-1')
        await expect(audit.claimNonces(ledger, ['cc', 'cb'], 'tok-2')).rejects.toBeInstanceOf(ConditionFailed)
        expect(await audit.readNonceClaims(ledger, ['ca', 'cb', 'cc'])).toEqual(
          new Map([
            ['ca', 'tok-1'],
            ['cb', 'tok-1'],
          ]),
        )
        // another second is another ledger item
        await audit.claimNonces({ ...ledger, second: ledger.second + 1 }, ['ca'], 'tok-3')
        expect(await audit.readNonceClaims({ ...ledger, second: ledger.second + 1 }, ['ca', 'cb'])).toEqual(new Map([['ca', 'tok-3']]))
      })

      it("claimNonces counts the item's versions; conditional on the version, it lands only on the current one", async () => {
        const l = { ...ledger, accessKeyId: 'AKVERSION' }
        expect(await audit.claimNonces(l, ['ca'], 'tok-1', { returnClaims: true })).toEqual({
          version: 1,
          claims: new Map([['ca', 'tok-1']]),
        })
        expect(await audit.claimNonces(l, ['cb', 'cc'], 'tok-2', { ifVersion: 1 })).toEqual({ version: 2 })
        // A stale version: refused, nothing written — even for names not claimed yet.
        await expect(audit.claimNonces(l, ['cd'], 'tok-3', { ifVersion: 1 })).rejects.toBeInstanceOf(ConditionFailed)
        expect((await audit.readNonceClaims(l, ['cd'])).size).toBe(0)
        // The per-claim write bumps the version too, so a versioned writer cannot miss it.
        expect((await audit.claimNonces(l, ['cd'], 'tok-4')).version).toBe(3)
        await expect(audit.claimNonces(l, ['ce'], 'tok-5', { ifVersion: 2 })).rejects.toBeInstanceOf(ConditionFailed)
        const all = await audit.claimNonces(l, ['ce'], 'tok-6', { returnClaims: true })
        expect(all.version).toBe(4)
        expect([...all.claims!].sort()).toEqual([
          ['ca', 'tok-1'],
          ['cb', 'tok-2'],
          ['cc', 'tok-2'],
          ['cd', 'tok-4'],
          ['ce', 'tok-6'],
        ])
        // A versioned write never lands on an item that does not exist yet.
        await expect(audit.claimNonces({ ...l, second: l.second + 7 }, ['ca'], 'tok-7', { ifVersion: 0 })).rejects.toBeInstanceOf(
          ConditionFailed,
        )
      })

      it('putPage: listed whole for sealing (page set), looked up like records; a sealed page record is its own record; retired pages are no longer listed', async () => {
        const body = (i: number) => `{"outcome":"Success","i":${i}}`
        const mine = Array.from({ length: 5 }, (_, i) => auditRecord({ eventId: `e-page-${i}`, time: at(i + 1), body: body(i) }))
        const theirs = auditRecord({ eventId: 'e-page-other', time: at(2), accountId: OTHER_ACCOUNT, body: body(9) })
        await audit.putPage([...mine, theirs])
        expect((await audit.listByAccount(ACCOUNT, at(0), `${at(9)}~`, 100)).map((r) => r.eventId)).toEqual(
          mine.map((r) => r.eventId).reverse(),
        )
        expect((await audit.listByAccount(ACCOUNT, at(2), at(4), 100)).map((r) => r.eventId)).toEqual(['e-page-2', 'e-page-1'])
        expect((await audit.listByAccount(OTHER_ACCOUNT, at(0), `${at(9)}~`, 100)).map((r) => r.eventId)).toEqual(['e-page-other'])
        const pending = await audit.listPending(at(9), 100)
        const listed = pending.filter((r) => r.accountId === ACCOUNT)
        expect(listed.map((r) => r.eventId).sort()).toEqual(mine.map((r) => r.eventId).sort())
        expect(listed.every((r) => r.page?.size === 5 && r.page.id === listed[0]!.page!.id)).toBe(true)
        expect(listed.find((r) => r.eventId === 'e-page-3')!.body).toBe(body(3))
        // Nothing is listed before its page's newest record is due.
        expect((await audit.listPending(at(4), 100)).filter((r) => r.accountId === ACCOUNT)).toEqual([])

        const first = listed.find((r) => r.eventId === 'e-page-0')!
        await audit.seal(sealed(first, 1), first.body)
        await expect(audit.seal(sealed(first, 2), first.body)).rejects.toBeInstanceOf(ConditionFailed)
        expect(await audit.get('e-page-0')).toEqual(sealed(mine[0]!, 1))
        const looked = await audit.listByAccount(ACCOUNT, at(0), `${at(9)}~`, 100)
        expect(looked.map((r) => r.eventId)).toEqual(mine.map((r) => r.eventId).reverse())
        expect(looked.find((r) => r.eventId === 'e-page-0')!.seq).toBe(1)
        // Until retired, the page is listed whole again (its sealed record refuses a second seal).
        expect((await audit.listPending(at(9), 100)).filter((r) => r.accountId === ACCOUNT)).toHaveLength(5)
        // Retired once all of it is sealed.
        for (const [k, r] of listed.filter((x) => x !== first).entries()) await audit.seal(sealed(r, k + 2), r.body)
        await audit.retirePage(first.page!.id)
        await audit.retirePage(first.page!.id)
        expect((await audit.listPending(at(9), 100)).filter((r) => r.accountId === ACCOUNT)).toEqual([])
        const after = await audit.listByAccount(ACCOUNT, at(0), `${at(9)}~`, 100)
        expect(after.map((r) => r.eventId)).toEqual(mine.map((r) => r.eventId).reverse())
        expect(after.every((r) => r.seq !== undefined)).toBe(true)
      })

      it('readNonceClaims of a ledger item never written is empty', async () => {
        expect((await audit.readNonceClaims({ ...ledger, accessKeyId: 'AKNONE' }, ['ca'])).size).toBe(0)
      })
    })

    describe('records', () => {
      it('get returns undefined for a missing record, and the record as put', async () => {
        expect(await audit.get('e-1')).toBeUndefined()
        await audit.put(auditRecord())
        expect(await audit.get('e-1')).toEqual(auditRecord())
      })

      it('put refuses an existing event id with ConditionFailed (the nonce claim) and keeps the record', async () => {
        await audit.put(auditRecord())
        await expect(audit.put(auditRecord({ body: '{"replay":true}' }))).rejects.toBeInstanceOf(ConditionFailed)
        expect(await audit.get('e-1')).toEqual(auditRecord())
      })

      it('replaceUnsealed writes over the expected body of an unsealed record only', async () => {
        await audit.put(auditRecord())
        await expect(audit.replaceUnsealed(auditRecord({ body: '{"outcome":"Success"}' }), '{"other":1}')).rejects.toBeInstanceOf(
          ConditionFailed,
        )
        await audit.replaceUnsealed(auditRecord({ body: '{"outcome":"Success"}' }), '{"outcome":"Pending"}')
        expect(await audit.get('e-1')).toEqual(auditRecord({ body: '{"outcome":"Success"}' }))
        expect((await audit.listPending(at(9), 10)).map((r) => r.body)).toEqual(['{"outcome":"Success"}'])
      })

      it('replaceUnsealed refuses a sealed or missing record', async () => {
        await audit.put(auditRecord())
        await audit.seal(sealed(auditRecord(), 1), auditRecord().body)
        await expect(audit.replaceUnsealed(auditRecord({ body: '{"x":1}' }), auditRecord().body)).rejects.toBeInstanceOf(ConditionFailed)
        expect(await audit.get('e-1')).toEqual(sealed(auditRecord(), 1))
        await expect(audit.replaceUnsealed(auditRecord({ eventId: 'e-missing' }), auditRecord().body)).rejects.toBeInstanceOf(
          ConditionFailed,
        )
        expect(await audit.get('e-missing')).toBeUndefined()
      })
    })

    describe('sealing', () => {
      it('seal writes the chain fields over the expected unsealed body, once', async () => {
        await audit.put(auditRecord())
        await expect(audit.seal(sealed(auditRecord(), 1), '{"stale":1}')).rejects.toBeInstanceOf(ConditionFailed)
        await audit.seal(sealed(auditRecord(), 1), auditRecord().body)
        expect(await audit.get('e-1')).toEqual(sealed(auditRecord(), 1))
        // A second sealer that read the same pending record lost the race.
        await expect(audit.seal(sealed(auditRecord(), 2), auditRecord().body)).rejects.toBeInstanceOf(ConditionFailed)
        expect((await audit.get('e-1'))!.seq).toBe(1)
        await expect(audit.seal(sealed(auditRecord({ eventId: 'e-missing' }), 3), auditRecord().body)).rejects.toBeInstanceOf(
          ConditionFailed,
        )
        expect(await audit.get('e-missing')).toBeUndefined()
      })

      it('reseal moves a sealed record on its expected hash only', async () => {
        await audit.put(auditRecord())
        await audit.seal(sealed(auditRecord(), 1), auditRecord().body)
        await expect(audit.reseal(sealed(auditRecord(), 2), 'not-the-hash')).rejects.toBeInstanceOf(ConditionFailed)
        await audit.reseal(sealed(auditRecord(), 2), sealed(auditRecord(), 1).hash!)
        expect(await audit.get('e-1')).toEqual(sealed(auditRecord(), 2))
        expect((await audit.listChain(0, 10)).map((r) => r.seq)).toEqual([2])
        await expect(audit.reseal(sealed(auditRecord({ eventId: 'e-missing' }), 3), 'h')).rejects.toBeInstanceOf(ConditionFailed)
      })

      it('listPending lists unsealed records written at or before the time, oldest first', async () => {
        for (const n of [3, 1, 4, 2, 5]) await audit.put(auditRecord({ eventId: `e-${n}`, time: at(n) }))
        await audit.put(auditRecord({ eventId: 'e-0b', time: at(0) }))
        await audit.put(auditRecord({ eventId: 'e-0a', time: at(0), accountId: OTHER_ACCOUNT }))
        await audit.seal(sealed(auditRecord({ eventId: 'e-2', time: at(2) }), 1), auditRecord().body)
        expect((await audit.listPending(at(4), 10)).map((r) => r.eventId)).toEqual(['e-0a', 'e-0b', 'e-1', 'e-3', 'e-4'])
        expect((await audit.listPending(at(9), 3)).map((r) => r.eventId)).toEqual(['e-0a', 'e-0b', 'e-1'])
        expect((await audit.listPending(at(9), 10))[0]).toEqual(auditRecord({ eventId: 'e-0a', time: at(0), accountId: OTHER_ACCOUNT }))
      })

      it('listChain lists sealed records after a sequence number, in order, across chain buckets', async () => {
        const seqs = [9_998, 10_001, 9_999, 10_000, 3]
        for (const [i, seq] of seqs.entries()) {
          const r = auditRecord({ eventId: `e-${seq}`, time: at(i) })
          await audit.put(r)
          await audit.seal(sealed(r, seq), r.body)
        }
        await audit.put(auditRecord({ eventId: 'e-pending' }))
        expect((await audit.listChain(0, 10)).map((r) => r.seq)).toEqual([3, 9_998, 9_999, 10_000, 10_001])
        expect((await audit.listChain(3, 2)).map((r) => r.seq)).toEqual([9_998, 9_999])
        expect((await audit.listChain(9_999, 10)).map((r) => r.seq)).toEqual([10_000, 10_001])
        expect(await audit.listChain(10_001, 10)).toEqual([])
        expect((await audit.listChain(9_998, 1))[0]).toEqual(sealed(auditRecord({ eventId: 'e-9999', time: at(2) }), 9_999))
      })
    })

    describe('chain head', () => {
      it('putHead without expectedRev creates only; with it, replaces on that rev only', async () => {
        expect(await audit.getHead()).toBeUndefined()
        await expect(audit.putHead(chainHead({ rev: 2 }), 1)).rejects.toBeInstanceOf(ConditionFailed)
        expect(await audit.getHead()).toBeUndefined()
        await audit.putHead(chainHead(), undefined)
        await expect(audit.putHead(chainHead({ seq: 9 }), undefined)).rejects.toBeInstanceOf(ConditionFailed)
        const next = chainHead({ seq: 5, hash: 'f'.repeat(64), rev: 2, leaseOwner: 'sealer-1', leaseUntil: 1_764_000_000_000 })
        await audit.putHead(next, 1)
        await expect(audit.putHead(chainHead({ seq: 6, rev: 2 }), 1)).rejects.toBeInstanceOf(ConditionFailed)
        expect(await audit.getHead()).toEqual(next)
      })
    })

    describe('digests', () => {
      it('putDigest refuses an existing digest; listDigests lists them after a number, in order', async () => {
        for (const n of [3, 1, 2, 11]) await audit.putDigest(auditDigest({ digestSeq: n }))
        await expect(audit.putDigest(auditDigest({ digestSeq: 2, signature: 'other' }))).rejects.toBeInstanceOf(ConditionFailed)
        expect((await audit.listDigests(0, 10)).map((d) => d.digestSeq)).toEqual([1, 2, 3, 11])
        expect((await audit.listDigests(1, 2)).map((d) => d.digestSeq)).toEqual([2, 3])
        expect(await audit.listDigests(2, 1)).toEqual([auditDigest({ digestSeq: 3 })])
        expect(await audit.listDigests(11, 10)).toEqual([])
      })
    })

    describe('listByAccount', () => {
      it('lists an account’s records with fromKey <= time#eventId < toKey, newest first, sealed or not', async () => {
        for (const n of [1, 2, 3, 4, 5]) await audit.put(auditRecord({ eventId: `e-${n}`, time: at(n) }))
        await audit.put(auditRecord({ eventId: 'e-x', time: at(3), accountId: OTHER_ACCOUNT }))
        await audit.seal(sealed(auditRecord({ eventId: 'e-3', time: at(3) }), 1), auditRecord().body)
        const ids = async (from: string, to: string, limit: number) =>
          (await audit.listByAccount(ACCOUNT, from, to, limit)).map((r) => r.eventId)
        expect(await ids(at(0), at(9), 10)).toEqual(['e-5', 'e-4', 'e-3', 'e-2', 'e-1'])
        // fromKey is inclusive, toKey exclusive.
        expect(await ids(`${at(2)}#e-2`, `${at(4)}#e-4`, 10)).toEqual(['e-3', 'e-2'])
        expect(await ids(at(0), at(9), 2)).toEqual(['e-5', 'e-4'])
        expect(await ids(at(0), `${at(4)}#e-4`, 1)).toEqual(['e-3'])
        expect((await audit.listByAccount(ACCOUNT, at(3), at(4), 10))[0]).toEqual(sealed(auditRecord({ eventId: 'e-3', time: at(3) }), 1))
      })
    })
  })
}
