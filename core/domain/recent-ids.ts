/**
 * @module core/domain/recent-ids
 *
 * A bounded memory of ids seen recently in this isolate. Authentication uses it for replay ids:
 * a read-only call claims its nonce only when its audit record is written, after the work, so a
 * replay would otherwise run the work again (an RSA-4096 signature, an HSM call) before being
 * refused. This turns replays that reach the same isolate away before any work. The table stays
 * the authority (a replay to another isolate is still refused by the conditional put); this is
 * a cheap first line, so forgetting early (bound, expiry) only costs work, never correctness.
 *
 * Not an `ExpiringMap` (core/expiring-map.ts), whose entries die when the clock reads
 * earlier than their time: a cache should drop what it cannot date, this list should keep
 * refusing it.
 */
export class RecentIds {
  private readonly seen = new Map<string, number>()

  /**
   * @param ttlMs - how long an id is remembered.
   * @param maxEntries - beyond this the oldest ids are forgotten first.
   */
  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** Remembers `id`; false when it was already remembered (a replay within the bound). */
  add(id: string, now: number): boolean {
    const at = this.seen.get(id)
    if (at !== undefined && now - at < this.ttlMs) return false
    this.seen.delete(id)
    // Insertion order is age order: drop expired ids and, when full, the oldest.
    for (const [k, t] of this.seen) {
      if (this.seen.size < this.maxEntries && now - t < this.ttlMs) break
      this.seen.delete(k)
    }
    this.seen.set(id, now)
    return true
  }

  get size(): number {
    return this.seen.size
  }
}
