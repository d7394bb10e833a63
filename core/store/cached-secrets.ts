/**
 * @module core/store/cached-secrets
 *
 * A read-through cache of secret heads in the isolate, in front of the DynamoDB repository, so a
 * warm GetSecretValue reads no table item (its version item is cached already:
 * core/domain/secrets/version-cache.ts). The entries live in the isolate state
 * (`IsolateState.secretHeads`, core/domain/isolate-state.ts; bounds in docs/isolate-state.md).
 *
 * Bound on staleness, as for keys (core/store/cached-keys.ts): an entry is served for at most
 * {@link SECRET_HEAD_CACHE_MS} after it was read. A write of the head through this isolate
 * (PutSecretValue, UpdateSecretVersionStage, rotation, deletion, restore…) replaces or drops the
 * entry at once; a change made by another isolate takes effect here within the bound — so for
 * ≤ 2 s another isolate may still return the previous ACSCurrent value, or a secret deleted
 * there. A lost conditional write evicts the entry, so the optimistic retry loops always re-read.
 * Absent heads are never remembered; entries hold only what the table holds (no values: those
 * are in version items, encrypted), and the cache copies what it stores and serves.
 */
import { ISOLATE_CACHE_BOUNDS, type IsolateCache } from '../domain/isolate-state'
import type { SecretRepository } from '../domain/ports'
import type { SecretRecord, SecretVersionRecord } from '../domain/secrets/model'
import type { RotationScheduleStore } from '../domain/secrets/rotation/schedule'

export const SECRET_HEAD_CACHE_MS = ISOLATE_CACHE_BOUNDS.secretHeads.ttlMs

const idOf = (accountId: string, region: string, secretName: string) => `${accountId}\u0000${region}\u0000${secretName}`

export class CachedSecretRepository implements SecretRepository {
  /**
   * @param inner - the repository; its rotation schedule methods (an optional capability the
   *   rotation job finds by their presence: core/domain/secrets/rotation/schedule.ts) are passed
   *   through as they are (they write schedule items, not heads).
   * @param cache - the isolate's head cache (`IsolateState.secretHeads`).
   */
  constructor(
    private readonly inner: SecretRepository,
    private readonly cache: IsolateCache<SecretRecord>,
  ) {
    const schedule = inner as SecretRepository & Partial<RotationScheduleStore>
    if (typeof schedule.putRotationSchedule === 'function') {
      const self = this as unknown as RotationScheduleStore
      self.putRotationSchedule = schedule.putRotationSchedule.bind(inner)
      self.deleteRotationSchedule = schedule.deleteRotationSchedule!.bind(inner)
      self.listDueRotations = schedule.listDueRotations!.bind(inner)
    }
  }

  getHead(accountId: string, region: string, secretName: string): Promise<SecretRecord | undefined> {
    return this.cache.readThrough(idOf(accountId, region, secretName), () => this.inner.getHead(accountId, region, secretName))
  }

  async createHead(head: SecretRecord): Promise<void> {
    const id = idOf(head.accountId, head.region, head.secretName)
    await this.cache.evictOnFailure(id, () => this.inner.createHead(head))
    this.cache.set(id, head)
  }

  async replaceHead(head: SecretRecord, expectedRev: number): Promise<void> {
    const id = idOf(head.accountId, head.region, head.secretName)
    await this.cache.evictOnFailure(id, () => this.inner.replaceHead(head, expectedRev))
    this.cache.set(id, head)
  }

  async deleteHead(accountId: string, region: string, secretName: string, expectedRev: number): Promise<void> {
    const id = idOf(accountId, region, secretName)
    try {
      await this.inner.deleteHead(accountId, region, secretName, expectedRev)
    } finally {
      this.cache.delete(id)
    }
  }

  listByAccount(accountId: string, region: string): Promise<SecretRecord[]> {
    return this.inner.listByAccount(accountId, region)
  }

  getVersion(accountId: string, region: string, secretName: string, versionId: string): Promise<SecretVersionRecord | undefined> {
    return this.inner.getVersion(accountId, region, secretName, versionId)
  }

  createVersion(version: SecretVersionRecord): Promise<void> {
    return this.inner.createVersion(version)
  }

  replaceVersion(version: SecretVersionRecord, expectedToken: string): Promise<void> {
    return this.inner.replaceVersion(version, expectedToken)
  }

  deleteVersion(accountId: string, region: string, secretName: string, versionId: string, expectedToken: string): Promise<void> {
    return this.inner.deleteVersion(accountId, region, secretName, versionId, expectedToken)
  }

  listVersionItems(accountId: string, region: string, secretName: string): Promise<SecretVersionRecord[]> {
    return this.inner.listVersionItems(accountId, region, secretName)
  }

  listDue(...args: Parameters<SecretRepository['listDue']>) {
    return this.inner.listDue(...args)
  }
}
