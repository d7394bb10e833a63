/**
 * @module test/contract/key-repository.contract
 *
 * What every KeyRepository (core/domain/ports.ts) does, whatever stores it: the in-memory fake
 * (test/fakes/memory-store.ts) and the DynamoDB repository (core/store/repositories.ts) run the
 * same cases.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { ConditionFailed, type KeyRepository } from '../../core/domain/ports'
import { ACCOUNT, keyRecord, OTHER_ACCOUNT, OTHER_REGION, REGION } from './records'

/** `make` returns an empty repository; it is called once per test. */
export function describeKeyRepositoryContract(name: string, make: () => Promise<KeyRepository> | KeyRepository): void {
  describe(`KeyRepository contract: ${name}`, () => {
    let keys: KeyRepository
    beforeEach(async () => {
      keys = await make()
    })

    describe('get', () => {
      it('returns undefined for a missing key', async () => {
        expect(await keys.get('no-such-key')).toBeUndefined()
      })

      it('returns the record as created, tags and optional fields included', async () => {
        const key = keyRecord({
          rotationIntervalSeconds: 604_800,
          importParameters: {
            tokenId: 't',
            wrappingAlgorithm: 'RSAES_OAEP_SHA_256',
            wrappingKeySpec: 'RSA_2048',
            wrappedPrivateKey: 'rk1.x',
            expiresAt: '2026-11-02T00:00:00Z',
          },
          versions: [
            { versionId: 'v-1', createdAt: '2026-11-01T00:00:00Z', wrappedMaterial: 'rk1.a' },
            { versionId: 'v-2', createdAt: '2026-11-02T00:00:00Z', hsmState: 'Active' },
          ],
        })
        await keys.create(key)
        const got = await keys.get(key.keyId)
        expect(got).toEqual(key)
        expect(got!.tags.constructor).toBe('x')
      })

      it('returns a copy: changing it changes nothing stored', async () => {
        await keys.create(keyRecord())
        const got = (await keys.get('key-1'))!
        got.description = 'changed'
        got.versions.push({ versionId: 'v-9', createdAt: '2026-11-09T00:00:00Z' })
        expect(await keys.get('key-1')).toEqual(keyRecord())
      })
    })

    describe('create', () => {
      it('refuses an existing id with ConditionFailed and keeps the stored key', async () => {
        await keys.create(keyRecord())
        await expect(keys.create(keyRecord({ description: 'second' }))).rejects.toBeInstanceOf(ConditionFailed)
        expect((await keys.get('key-1'))!.description).toBe('a key')
      })

      it('refuses an id held by a Deleted tombstone (ids are never reused)', async () => {
        await keys.create(keyRecord({ keyState: 'Deleted', versions: [], primaryVersionId: undefined }))
        await expect(keys.create(keyRecord())).rejects.toBeInstanceOf(ConditionFailed)
      })
    })

    describe('replace', () => {
      it('replaces the key when the stored rev is the expected one', async () => {
        await keys.create(keyRecord())
        await keys.replace(keyRecord({ rev: 2, keyState: 'Disabled' }), 1)
        expect(await keys.get('key-1')).toEqual(keyRecord({ rev: 2, keyState: 'Disabled' }))
      })

      it('loses a race on rev with ConditionFailed and writes nothing', async () => {
        await keys.create(keyRecord())
        await keys.replace(keyRecord({ rev: 2, description: 'winner' }), 1)
        await expect(keys.replace(keyRecord({ rev: 2, description: 'loser' }), 1)).rejects.toBeInstanceOf(ConditionFailed)
        expect(await keys.get('key-1')).toEqual(keyRecord({ rev: 2, description: 'winner' }))
      })

      it('refuses a missing key with ConditionFailed and creates nothing', async () => {
        await expect(keys.replace(keyRecord({ rev: 2 }), 1)).rejects.toBeInstanceOf(ConditionFailed)
        expect(await keys.get('key-1')).toBeUndefined()
      })

      it('drops optional fields the new record no longer has', async () => {
        await keys.create(keyRecord({ keyState: 'PendingDeletion', deleteDate: '2026-11-08T00:00:00Z' }))
        await keys.replace(keyRecord({ rev: 2 }), 1)
        const got = await keys.get('key-1')
        expect(got!.deleteDate).toBeUndefined()
        expect(got).toEqual(keyRecord({ rev: 2 }))
      })
    })

    describe('listByAccount', () => {
      it('lists the keys of one account and region, oldest first', async () => {
        await keys.create(keyRecord({ keyId: 'k-c', createdAt: '2026-11-03T00:00:00Z' }))
        await keys.create(keyRecord({ keyId: 'k-a', createdAt: '2026-11-01T00:00:00Z' }))
        await keys.create(keyRecord({ keyId: 'k-b2', createdAt: '2026-11-02T00:00:00Z' }))
        await keys.create(keyRecord({ keyId: 'k-b1', createdAt: '2026-11-02T00:00:00Z' }))
        await keys.create(keyRecord({ keyId: 'k-other-account', accountId: OTHER_ACCOUNT }))
        await keys.create(keyRecord({ keyId: 'k-other-region', region: OTHER_REGION }))
        const listed = await keys.listByAccount(ACCOUNT, REGION)
        expect(listed.map((k) => k.keyId)).toEqual(['k-a', 'k-b1', 'k-b2', 'k-c'])
        expect(listed[0]).toEqual(keyRecord({ keyId: 'k-a', createdAt: '2026-11-01T00:00:00Z' }))
      })

      it('leaves out Deleted tombstones, in every state before that', async () => {
        await keys.create(keyRecord({ keyId: 'k-enabled' }))
        await keys.create(keyRecord({ keyId: 'k-pending', keyState: 'PendingDeletion', deleteDate: '2026-11-08T00:00:00Z' }))
        await keys.create(keyRecord({ keyId: 'k-deleted', keyState: 'Deleted', versions: [], primaryVersionId: undefined }))
        await keys.create(keyRecord({ keyId: 'k-later-deleted' }))
        await keys.replace(keyRecord({ keyId: 'k-later-deleted', keyState: 'Deleted', rev: 2 }), 1)
        expect((await keys.listByAccount(ACCOUNT, REGION)).map((k) => k.keyId).sort()).toEqual(['k-enabled', 'k-pending'])
      })

      it('is empty for an account without keys', async () => {
        expect(await keys.listByAccount(OTHER_ACCOUNT, REGION)).toEqual([])
      })
    })

    describe('listDue', () => {
      const rotating = (keyId: string, nextRotationDate: string, overrides = {}) =>
        keyRecord({ keyId, automaticRotation: true, rotationIntervalSeconds: 604_800, nextRotationDate, ...overrides })

      it('lists keys due for rotation at or before the time, earliest first', async () => {
        await keys.create(rotating('k-late', '2026-11-10T00:00:00Z'))
        await keys.create(rotating('k-early', '2026-11-05T00:00:00Z'))
        await keys.create(rotating('k-exact', '2026-11-08T00:00:00Z'))
        await keys.create(rotating('k-future', '2026-11-20T00:00:00Z'))
        expect(await keys.listDue('rotation', '2026-11-10T00:00:00Z', 10)).toEqual({
          keyIds: ['k-early', 'k-exact', 'k-late'],
          more: false,
        })
        expect(await keys.listDue('rotation', '2026-11-08T00:00:00Z', 10)).toEqual({ keyIds: ['k-early', 'k-exact'], more: false })
      })

      it('orders keys due at the same time by id', async () => {
        await keys.create(rotating('k-2', '2026-11-05T00:00:00Z'))
        await keys.create(rotating('k-1', '2026-11-05T00:00:00Z'))
        expect((await keys.listDue('rotation', '2026-11-05T00:00:00Z', 10)).keyIds).toEqual(['k-1', 'k-2'])
      })

      it('returns at most `limit` ids, with `more` while others are due', async () => {
        for (let i = 1; i <= 5; i++) await keys.create(rotating(`k-${i}`, `2026-11-0${i}T00:00:00Z`))
        expect(await keys.listDue('rotation', '2026-11-30T00:00:00Z', 2)).toEqual({ keyIds: ['k-1', 'k-2'], more: true })
        expect(await keys.listDue('rotation', '2026-11-30T00:00:00Z', 5)).toEqual({
          keyIds: ['k-1', 'k-2', 'k-3', 'k-4', 'k-5'],
          more: false,
        })
        expect(await keys.listDue('rotation', '2026-11-03T00:00:00Z', 3)).toEqual({ keyIds: ['k-1', 'k-2', 'k-3'], more: false })
      })

      it('keeps the three jobs apart and follows the key state', async () => {
        await keys.create(rotating('k-rotate', '2026-11-05T00:00:00Z'))
        await keys.create(rotating('k-disabled', '2026-11-05T00:00:00Z', { keyState: 'Disabled' }))
        await keys.create(keyRecord({ keyId: 'k-delete', keyState: 'PendingDeletion', deleteDate: '2026-11-06T00:00:00Z' }))
        await keys.create(keyRecord({ keyId: 'k-expire', origin: 'EXTERNAL', materialExpireTime: '2026-11-07T00:00:00Z' }))
        await keys.create(
          keyRecord({ keyId: 'k-expire-disabled', keyState: 'Disabled', origin: 'EXTERNAL', materialExpireTime: '2026-11-07T00:00:00Z' }),
        )
        await keys.create(keyRecord({ keyId: 'k-idle' }))
        const until = '2026-11-30T00:00:00Z'
        expect(await keys.listDue('rotation', until, 10)).toEqual({ keyIds: ['k-rotate'], more: false })
        expect(await keys.listDue('deletion', until, 10)).toEqual({ keyIds: ['k-delete'], more: false })
        expect(await keys.listDue('materialExpiry', until, 10)).toEqual({ keyIds: ['k-expire', 'k-expire-disabled'], more: false })
      })

      it('follows a replace: the entry moves, and leaves with the state that made it due', async () => {
        await keys.create(rotating('k-1', '2026-11-05T00:00:00Z'))
        await keys.replace(rotating('k-1', '2026-11-12T00:00:00Z', { rev: 2 }), 1)
        expect(await keys.listDue('rotation', '2026-11-10T00:00:00Z', 10)).toEqual({ keyIds: [], more: false })
        expect(await keys.listDue('rotation', '2026-11-12T00:00:00Z', 10)).toEqual({ keyIds: ['k-1'], more: false })
        await keys.replace(
          rotating('k-1', '2026-11-12T00:00:00Z', { rev: 3, keyState: 'PendingDeletion', deleteDate: '2026-11-20T00:00:00Z' }),
          2,
        )
        expect(await keys.listDue('rotation', '2026-11-30T00:00:00Z', 10)).toEqual({ keyIds: [], more: false })
        expect(await keys.listDue('deletion', '2026-11-30T00:00:00Z', 10)).toEqual({ keyIds: ['k-1'], more: false })
        await keys.replace(keyRecord({ keyId: 'k-1', rev: 4, keyState: 'Deleted', versions: [] }), 3)
        expect(await keys.listDue('deletion', '2026-11-30T00:00:00Z', 10)).toEqual({ keyIds: [], more: false })
      })
    })
  })
}
