/**
 * @module test/contract/alias-repository.contract
 *
 * What every AliasRepository (core/domain/ports.ts) does: the in-memory fake
 * (test/fakes/memory-store.ts) and the DynamoDB repository (core/store/repositories.ts).
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { ConditionFailed, type AliasRepository } from '../../core/domain/ports'
import { ACCOUNT, aliasRecord, OTHER_ACCOUNT, OTHER_REGION, REGION } from './records'

/** `make` returns an empty repository; it is called once per test. */
export function describeAliasRepositoryContract(name: string, make: () => Promise<AliasRepository> | AliasRepository): void {
  describe(`AliasRepository contract: ${name}`, () => {
    let aliases: AliasRepository
    beforeEach(async () => {
      aliases = await make()
    })

    it('get returns undefined for a missing alias, and the record once created', async () => {
      expect(await aliases.get(ACCOUNT, REGION, 'alias/a')).toBeUndefined()
      await aliases.create(aliasRecord())
      expect(await aliases.get(ACCOUNT, REGION, 'alias/a')).toEqual(aliasRecord())
      expect(await aliases.get(OTHER_ACCOUNT, REGION, 'alias/a')).toBeUndefined()
      expect(await aliases.get(ACCOUNT, OTHER_REGION, 'alias/a')).toBeUndefined()
    })

    it('create refuses an existing alias with ConditionFailed and keeps its target', async () => {
      await aliases.create(aliasRecord())
      await expect(aliases.create(aliasRecord({ keyId: 'key-2' }))).rejects.toBeInstanceOf(ConditionFailed)
      expect((await aliases.get(ACCOUNT, REGION, 'alias/a'))!.keyId).toBe('key-1')
    })

    it('the same name in another account or region is another alias', async () => {
      await aliases.create(aliasRecord())
      await aliases.create(aliasRecord({ accountId: OTHER_ACCOUNT, keyId: 'key-2' }))
      await aliases.create(aliasRecord({ region: OTHER_REGION, keyId: 'key-3' }))
      expect((await aliases.get(ACCOUNT, REGION, 'alias/a'))!.keyId).toBe('key-1')
    })

    describe('update', () => {
      it('re-points an existing alias', async () => {
        await aliases.create(aliasRecord())
        await aliases.update(aliasRecord({ keyId: 'key-2' }))
        expect((await aliases.get(ACCOUNT, REGION, 'alias/a'))!.keyId).toBe('key-2')
      })

      it('refuses a missing alias with ConditionFailed and creates nothing', async () => {
        await expect(aliases.update(aliasRecord({ keyId: 'key-2' }))).rejects.toBeInstanceOf(ConditionFailed)
        await expect(aliases.update(aliasRecord({ keyId: 'key-2' }), 'key-1')).rejects.toBeInstanceOf(ConditionFailed)
        expect(await aliases.get(ACCOUNT, REGION, 'alias/a')).toBeUndefined()
      })

      it('with expectedKeyId, re-points only while the alias still targets that key', async () => {
        await aliases.create(aliasRecord())
        await aliases.update(aliasRecord({ keyId: 'key-2' }), 'key-1')
        // A second writer that read key-1 lost the race.
        await expect(aliases.update(aliasRecord({ keyId: 'key-3' }), 'key-1')).rejects.toBeInstanceOf(ConditionFailed)
        expect((await aliases.get(ACCOUNT, REGION, 'alias/a'))!.keyId).toBe('key-2')
      })
    })

    describe('delete', () => {
      it('deletes an existing alias', async () => {
        await aliases.create(aliasRecord())
        await aliases.delete(ACCOUNT, REGION, 'alias/a')
        expect(await aliases.get(ACCOUNT, REGION, 'alias/a')).toBeUndefined()
      })

      it('refuses a missing alias with ConditionFailed', async () => {
        await expect(aliases.delete(ACCOUNT, REGION, 'alias/a')).rejects.toBeInstanceOf(ConditionFailed)
        await expect(aliases.delete(ACCOUNT, REGION, 'alias/a', 'key-1')).rejects.toBeInstanceOf(ConditionFailed)
      })

      it('with expectedKeyId, deletes only while the alias still targets that key', async () => {
        await aliases.create(aliasRecord())
        await expect(aliases.delete(ACCOUNT, REGION, 'alias/a', 'key-2')).rejects.toBeInstanceOf(ConditionFailed)
        expect(await aliases.get(ACCOUNT, REGION, 'alias/a')).toEqual(aliasRecord())
        await aliases.delete(ACCOUNT, REGION, 'alias/a', 'key-1')
        expect(await aliases.get(ACCOUNT, REGION, 'alias/a')).toBeUndefined()
      })
    })

    it('listByAccount lists the aliases of one account and region by name', async () => {
      for (const name of ['alias/c', 'alias/a', 'alias/b']) await aliases.create(aliasRecord({ aliasName: name }))
      await aliases.create(aliasRecord({ aliasName: 'alias/x', accountId: OTHER_ACCOUNT }))
      await aliases.create(aliasRecord({ aliasName: 'alias/y', region: OTHER_REGION }))
      await aliases.delete(ACCOUNT, REGION, 'alias/b')
      expect(await aliases.listByAccount(ACCOUNT, REGION)).toEqual([
        aliasRecord({ aliasName: 'alias/a' }),
        aliasRecord({ aliasName: 'alias/c' }),
      ])
      expect(await aliases.listByAccount(OTHER_ACCOUNT, OTHER_REGION)).toEqual([])
    })
  })
}
