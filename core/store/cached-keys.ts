/**
 * @module core/store/cached-keys
 *
 * A read-through cache of key items in the isolate, in front of the DynamoDB repository, so a
 * warm Encrypt/Decrypt does no table read for its key.
 *
 * Bound on staleness: an entry is served for at most {@link KEY_CACHE_MS} after it was read.
 * A change made through this isolate (disable, schedule deletion, rotation…) replaces the entry
 * at once; a change made by another isolate takes effect here within the bound — so a disabled
 * key stops working everywhere within 2 s. A lost conditional write evicts the entry, so the
 * optimistic retry loop always re-reads the item. Entries hold no plaintext material (wrapped
 * material only); they are dropped when they expire or when the cache is full.
 */
import type { KeyRecord } from '../domain/model'
import type { Clock, KeyRepository } from '../domain/ports'

export const KEY_CACHE_MS = 2_000
export const KEY_CACHE_MAX_ENTRIES = 10_000

export class CachedKeyRepository implements KeyRepository {
  private readonly entries = new Map<string, { key: KeyRecord; at: number }>()

  constructor(
    private readonly inner: KeyRepository,
    private readonly clock: Clock,
    private readonly ttlMs = KEY_CACHE_MS,
  ) {}

  async get(keyId: string): Promise<KeyRecord | undefined> {
    const now = this.clock.now()
    const hit = this.entries.get(keyId)
    if (hit && now - hit.at < this.ttlMs) return structuredClone(hit.key)
    const key = await this.inner.get(keyId)
    // Absent keys are not remembered: a key created elsewhere is visible at once.
    if (key) this.remember(keyId, key, now)
    else this.entries.delete(keyId)
    return key && structuredClone(key)
  }

  async create(key: KeyRecord): Promise<void> {
    await this.write(key.keyId, () => this.inner.create(key))
    this.remember(key.keyId, structuredClone(key), this.clock.now())
  }

  async replace(key: KeyRecord, expectedRev: number): Promise<void> {
    await this.write(key.keyId, () => this.inner.replace(key, expectedRev))
    this.remember(key.keyId, structuredClone(key), this.clock.now())
  }

  listDue(...args: Parameters<KeyRepository['listDue']>) {
    return this.inner.listDue(...args)
  }

  listByAccount(accountId: string, region: string): Promise<KeyRecord[]> {
    return this.inner.listByAccount(accountId, region)
  }

  private async write(keyId: string, op: () => Promise<void>): Promise<void> {
    try {
      await op()
    } catch (err) {
      // Our view was stale (ConditionFailed) or the write failed: never serve it again.
      this.entries.delete(keyId)
      throw err
    }
  }

  private remember(keyId: string, key: KeyRecord, at: number): void {
    if (this.entries.size >= KEY_CACHE_MAX_ENTRIES) {
      // Drop expired entries first, then the oldest (Map keeps insertion order).
      for (const [id, e] of this.entries) if (at - e.at >= this.ttlMs) this.entries.delete(id)
      if (this.entries.size >= KEY_CACHE_MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!)
    }
    this.entries.delete(keyId)
    this.entries.set(keyId, { key, at })
  }
}
