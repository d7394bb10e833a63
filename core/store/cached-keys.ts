/**
 * @module core/store/cached-keys
 *
 * A read-through cache of key items in the isolate, in front of the DynamoDB repository, so a
 * warm Encrypt/Decrypt does no table read for its key. The entries live in the isolate state
 * (`IsolateState.keys`, core/domain/isolate-state.ts; bounds in docs/isolate-state.md).
 *
 * Bound on staleness: an entry is served for at most {@link KEY_CACHE_MS} after it was read.
 * A change made through this isolate (disable, schedule deletion, rotation…) replaces the entry
 * at once; a change made by another isolate takes effect here within the bound — so a disabled
 * key stops working everywhere within 2 s. A lost conditional write evicts the entry, so the
 * optimistic retry loop always re-reads the item. Entries hold no plaintext material (wrapped
 * material only); they are dropped when they expire or when the cache is full. The cache copies
 * what it stores and what it serves, so callers cannot change a cached item.
 */
import { ISOLATE_CACHE_BOUNDS, type IsolateCache } from '../domain/isolate-state'
import type { KeyRecord } from '../domain/model'
import type { KeyRepository } from '../domain/ports'

export const KEY_CACHE_MS = ISOLATE_CACHE_BOUNDS.keys.ttlMs
export const KEY_CACHE_MAX_ENTRIES = ISOLATE_CACHE_BOUNDS.keys.maxEntries

export class CachedKeyRepository implements KeyRepository {
  /** @param cache - the isolate's key cache (`IsolateState.keys`). */
  constructor(
    private readonly inner: KeyRepository,
    private readonly cache: IsolateCache<KeyRecord>,
  ) {}

  get(keyId: string): Promise<KeyRecord | undefined> {
    // Absent keys are not remembered: a key created elsewhere is visible at once. What is
    // served is a copy (the cache's `copy`: IsolateState.keys), loaded or cached.
    return this.cache.readThrough(keyId, () => this.inner.get(keyId))
  }

  async create(key: KeyRecord): Promise<void> {
    await this.cache.evictOnFailure(key.keyId, () => this.inner.create(key))
    this.cache.set(key.keyId, key)
  }

  async replace(key: KeyRecord, expectedRev: number): Promise<void> {
    await this.cache.evictOnFailure(key.keyId, () => this.inner.replace(key, expectedRev))
    this.cache.set(key.keyId, key)
  }

  listDue(...args: Parameters<KeyRepository['listDue']>) {
    return this.inner.listDue(...args)
  }

  listByAccount(accountId: string, region: string): Promise<KeyRecord[]> {
    return this.inner.listByAccount(accountId, region)
  }
}
