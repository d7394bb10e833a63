/**
 * @module test/contract/secret-repository.contract
 *
 * What every SecretRepository (core/domain/ports.ts) does: the in-memory fake
 * (test/fakes/memory-secrets.ts) and the DynamoDB repository (core/store/secrets.ts).
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { ConditionFailed, type SecretRepository } from '../../core/domain/ports'
import { ACCOUNT, OTHER_ACCOUNT, OTHER_REGION, REGION, secretHead, secretVersion } from './records'

/** `make` returns an empty repository; it is called once per test. */
export function describeSecretRepositoryContract(name: string, make: () => Promise<SecretRepository> | SecretRepository): void {
  describe(`SecretRepository contract: ${name}`, () => {
    let secrets: SecretRepository
    beforeEach(async () => {
      secrets = await make()
    })

    describe('heads', () => {
      it('getHead returns undefined for a missing secret, and the head as created', async () => {
        expect(await secrets.getHead(ACCOUNT, REGION, 'db-password')).toBeUndefined()
        const head = secretHead({
          stages: { ACSCurrent: 'v2', ACSPrevious: 'v1', constructor: 'v1' },
          versions: [
            { versionId: 'v1', createdAt: '2026-11-01T00:00:00Z' },
            { versionId: 'v2', createdAt: '2026-11-02T00:00:00Z' },
          ],
          extendedConfig: '{"SecretSubType":"SingleUser"}',
          rotation: { enabled: true, intervalSeconds: 86_400, nextRotationDate: '2026-11-03T00:00:00Z', status: 'Succeeded' },
        })
        await secrets.createHead(head)
        const got = await secrets.getHead(ACCOUNT, REGION, 'db-password')
        expect(got).toEqual(head)
        // Stage labels are user data: no inherited properties come back.
        expect(Object.hasOwn(got!.stages, 'constructor')).toBe(true)
        expect(Object.hasOwn(got!.stages, 'toString')).toBe(false)
        expect(Object.hasOwn(got!.tags, 'toString')).toBe(false)
      })

      it('createHead refuses an existing name in any state with ConditionFailed', async () => {
        await secrets.createHead(secretHead({ state: 'Deleted', plannedDeleteTime: '2026-11-02T00:00:00Z' }))
        await expect(secrets.createHead(secretHead({ description: 'new' }))).rejects.toBeInstanceOf(ConditionFailed)
        expect((await secrets.getHead(ACCOUNT, REGION, 'db-password'))!.state).toBe('Deleted')
      })

      it('replaceHead writes on the expected rev; a lost race is ConditionFailed and writes nothing', async () => {
        await secrets.createHead(secretHead())
        await secrets.replaceHead(secretHead({ rev: 2, description: 'winner' }), 1)
        await expect(secrets.replaceHead(secretHead({ rev: 2, description: 'loser' }), 1)).rejects.toBeInstanceOf(ConditionFailed)
        expect(await secrets.getHead(ACCOUNT, REGION, 'db-password')).toEqual(secretHead({ rev: 2, description: 'winner' }))
      })

      it('replaceHead refuses a missing head and creates nothing', async () => {
        await expect(secrets.replaceHead(secretHead({ rev: 2 }), 1)).rejects.toBeInstanceOf(ConditionFailed)
        expect(await secrets.getHead(ACCOUNT, REGION, 'db-password')).toBeUndefined()
      })

      it('replaceHead drops fields the new head no longer has', async () => {
        await secrets.createHead(secretHead({ sweepAt: '2026-11-05T00:00:00Z', rotation: { enabled: false } }))
        await secrets.replaceHead(secretHead({ rev: 2 }), 1)
        const got = await secrets.getHead(ACCOUNT, REGION, 'db-password')
        expect(got!.sweepAt).toBeUndefined()
        expect(got!.rotation).toBeUndefined()
      })

      it('deleteHead deletes on the expected rev only', async () => {
        await secrets.createHead(secretHead({ rev: 3 }))
        await expect(secrets.deleteHead(ACCOUNT, REGION, 'db-password', 2)).rejects.toBeInstanceOf(ConditionFailed)
        expect(await secrets.getHead(ACCOUNT, REGION, 'db-password')).toBeDefined()
        await secrets.deleteHead(ACCOUNT, REGION, 'db-password', 3)
        expect(await secrets.getHead(ACCOUNT, REGION, 'db-password')).toBeUndefined()
        await expect(secrets.deleteHead(ACCOUNT, REGION, 'db-password', 3)).rejects.toBeInstanceOf(ConditionFailed)
      })

      it('listByAccount lists the heads of one account and region in every state, by name', async () => {
        await secrets.createHead(secretHead({ secretName: 'c' }))
        await secrets.createHead(secretHead({ secretName: 'a', state: 'PendingDeletion', plannedDeleteTime: '2026-11-08T00:00:00Z' }))
        await secrets.createHead(secretHead({ secretName: 'b', state: 'Deleted', plannedDeleteTime: '2026-11-01T00:00:00Z' }))
        await secrets.createHead(secretHead({ secretName: 'x', accountId: OTHER_ACCOUNT }))
        await secrets.createHead(secretHead({ secretName: 'y', region: OTHER_REGION }))
        const listed = await secrets.listByAccount(ACCOUNT, REGION)
        expect(listed.map((h) => [h.secretName, h.state])).toEqual([
          ['a', 'PendingDeletion'],
          ['b', 'Deleted'],
          ['c', 'Enabled'],
        ])
        expect(listed[2]).toEqual(secretHead({ secretName: 'c' }))
      })
    })

    describe('version items', () => {
      it('getVersion returns undefined for a missing version, and the item as created', async () => {
        expect(await secrets.getVersion(ACCOUNT, REGION, 'db-password', 'v1')).toBeUndefined()
        await secrets.createVersion(secretVersion())
        expect(await secrets.getVersion(ACCOUNT, REGION, 'db-password', 'v1')).toEqual(secretVersion())
        expect(await secrets.getVersion(ACCOUNT, REGION, 'other-secret', 'v1')).toBeUndefined()
      })

      it('a version item needs no head, and a head does not make one', async () => {
        await secrets.createHead(secretHead())
        expect(await secrets.listVersionItems(ACCOUNT, REGION, 'db-password')).toEqual([])
        await secrets.createVersion(secretVersion({ secretName: 'headless' }))
        expect(await secrets.listVersionItems(ACCOUNT, REGION, 'headless')).toEqual([secretVersion({ secretName: 'headless' })])
      })

      it('createVersion refuses an existing version id with ConditionFailed and keeps the item', async () => {
        await secrets.createVersion(secretVersion())
        await expect(secrets.createVersion(secretVersion({ token: 'token-2', ciphertext: 'b3RoZXI=' }))).rejects.toBeInstanceOf(
          ConditionFailed,
        )
        expect(await secrets.getVersion(ACCOUNT, REGION, 'db-password', 'v1')).toEqual(secretVersion())
      })

      it('replaceVersion writes on the expected token; a stale token is ConditionFailed and writes nothing', async () => {
        await secrets.createVersion(secretVersion())
        await secrets.replaceVersion(secretVersion({ token: 'token-2', writtenAt: 2 }), 'token-1')
        await expect(secrets.replaceVersion(secretVersion({ token: 'token-3', writtenAt: 3 }), 'token-1')).rejects.toBeInstanceOf(
          ConditionFailed,
        )
        expect(await secrets.getVersion(ACCOUNT, REGION, 'db-password', 'v1')).toEqual(secretVersion({ token: 'token-2', writtenAt: 2 }))
      })

      it('replaceVersion refuses a missing item and creates nothing', async () => {
        await expect(secrets.replaceVersion(secretVersion({ token: 'token-2' }), 'token-1')).rejects.toBeInstanceOf(ConditionFailed)
        expect(await secrets.getVersion(ACCOUNT, REGION, 'db-password', 'v1')).toBeUndefined()
      })

      it('deleteVersion deletes on the expected token only', async () => {
        await secrets.createVersion(secretVersion())
        await expect(secrets.deleteVersion(ACCOUNT, REGION, 'db-password', 'v1', 'token-0')).rejects.toBeInstanceOf(ConditionFailed)
        expect(await secrets.getVersion(ACCOUNT, REGION, 'db-password', 'v1')).toBeDefined()
        await secrets.deleteVersion(ACCOUNT, REGION, 'db-password', 'v1', 'token-1')
        expect(await secrets.getVersion(ACCOUNT, REGION, 'db-password', 'v1')).toBeUndefined()
        await expect(secrets.deleteVersion(ACCOUNT, REGION, 'db-password', 'v1', 'token-1')).rejects.toBeInstanceOf(ConditionFailed)
      })

      it('listVersionItems lists every item of the secret by version id, and only its own', async () => {
        for (const v of ['v3', 'v1', 'v2']) await secrets.createVersion(secretVersion({ versionId: v }))
        await secrets.createVersion(secretVersion({ secretName: 'db-password-2', versionId: 'v9' }))
        await secrets.createVersion(secretVersion({ accountId: OTHER_ACCOUNT, versionId: 'v8' }))
        expect(await secrets.listVersionItems(ACCOUNT, REGION, 'db-password')).toEqual(
          ['v1', 'v2', 'v3'].map((v) => secretVersion({ versionId: v })),
        )
      })
    })

    describe('listDue', () => {
      it('lists heads due at or before the time, earliest first, whatever makes them due', async () => {
        await secrets.createHead(secretHead({ secretName: 'sweep', sweepAt: '2026-11-03T00:00:00Z' }))
        await secrets.createHead(secretHead({ secretName: 'window', state: 'PendingDeletion', plannedDeleteTime: '2026-11-02T00:00:00Z' }))
        await secrets.createHead(secretHead({ secretName: 'purge', state: 'Deleted', plannedDeleteTime: '2026-11-01T00:00:00Z' }))
        await secrets.createHead(secretHead({ secretName: 'later', sweepAt: '2026-11-20T00:00:00Z' }))
        await secrets.createHead(secretHead({ secretName: 'idle' }))
        expect(await secrets.listDue('2026-11-03T00:00:00Z', 10)).toEqual({
          items: [
            { accountId: ACCOUNT, region: REGION, secretName: 'purge', due: '2026-11-01T00:00:00Z' },
            { accountId: ACCOUNT, region: REGION, secretName: 'window', due: '2026-11-02T00:00:00Z' },
            { accountId: ACCOUNT, region: REGION, secretName: 'sweep', due: '2026-11-03T00:00:00Z' },
          ],
          more: false,
        })
      })

      it('spans accounts and regions, and orders heads due at the same time by account, region and name', async () => {
        const due = { sweepAt: '2026-11-01T00:00:00Z' }
        await secrets.createHead(secretHead({ secretName: 'b', ...due }))
        await secrets.createHead(secretHead({ secretName: 'a', region: OTHER_REGION, ...due }))
        await secrets.createHead(secretHead({ secretName: 'a', ...due }))
        await secrets.createHead(secretHead({ secretName: 'z', accountId: OTHER_ACCOUNT, ...due }))
        const { items } = await secrets.listDue('2026-11-01T00:00:00Z', 10)
        expect(items.map((i) => `${i.accountId}/${i.region}/${i.secretName}`)).toEqual([
          `${ACCOUNT}/${REGION}/a`,
          `${ACCOUNT}/${REGION}/b`,
          `${ACCOUNT}/${OTHER_REGION}/a`,
          `${OTHER_ACCOUNT}/${REGION}/z`,
        ])
      })

      it('returns at most `limit` heads, with `more` while others are due', async () => {
        for (let i = 1; i <= 4; i++) await secrets.createHead(secretHead({ secretName: `s${i}`, sweepAt: `2026-11-0${i}T00:00:00Z` }))
        const first = await secrets.listDue('2026-11-30T00:00:00Z', 3)
        expect(first.items.map((i) => i.secretName)).toEqual(['s1', 's2', 's3'])
        expect(first.more).toBe(true)
        const all = await secrets.listDue('2026-11-30T00:00:00Z', 4)
        expect(all.items).toHaveLength(4)
        expect(all.more).toBe(false)
      })

      it('follows replaces and deletes of the head', async () => {
        await secrets.createHead(secretHead({ sweepAt: '2026-11-01T00:00:00Z' }))
        await secrets.replaceHead(secretHead({ rev: 2 }), 1)
        expect(await secrets.listDue('2026-11-30T00:00:00Z', 10)).toEqual({ items: [], more: false })
        await secrets.replaceHead(secretHead({ rev: 3, sweepAt: '2026-11-02T00:00:00Z' }), 2)
        expect((await secrets.listDue('2026-11-30T00:00:00Z', 10)).items.map((i) => i.due)).toEqual(['2026-11-02T00:00:00Z'])
        await secrets.deleteHead(ACCOUNT, REGION, 'db-password', 3)
        expect(await secrets.listDue('2026-11-30T00:00:00Z', 10)).toEqual({ items: [], more: false })
      })
    })
  })
}
