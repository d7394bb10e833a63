/**
 * @module core/expiring-map
 *
 * The isolate's bounded, time-limited map, the mechanism of every cache: an entry is served for
 * `ttlMs` after it was stored and never if the clock reads earlier than that (a clock stepped
 * back makes its age unknown); at most `maxEntries` are kept, the oldest dropped first. `onDrop`
 * sees every value that leaves (expired, pushed out, replaced, deleted, cleared), so secret bytes
 * can be zeroised. Callers pass the time; the isolate state's caches read it from the injected
 * clock (`IsolateCache`, core/domain/isolate-state.ts).
 */
export class ExpiringMap<V> {
  private readonly entries = new Map<string, { value: V; at: number }>()

  constructor(
    readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly onDrop: (value: V) => void = () => {},
  ) {}

  /** The value stored under `id`, if stored less than `ttlMs` before `now`. */
  get(id: string, now: number): V | undefined {
    const hit = this.entries.get(id)
    if (!hit) return undefined
    if (now - hit.at >= this.ttlMs || now < hit.at) {
      this.drop(id, hit.value)
      return undefined
    }
    return hit.value
  }

  set(id: string, value: V, now: number): void {
    const old = this.entries.get(id)
    if (old) this.drop(id, old.value)
    // Insertion order is age order: drop expired entries and, when full, the oldest.
    for (const [k, e] of this.entries) {
      if (this.entries.size < this.maxEntries && now - e.at < this.ttlMs) break
      this.drop(k, e.value)
    }
    this.entries.set(id, { value, at: now })
  }

  get size(): number {
    return this.entries.size
  }

  /** Forgets `id` (its value goes through `onDrop`). */
  delete(id: string): void {
    const hit = this.entries.get(id)
    if (hit) this.drop(id, hit.value)
  }

  /** Forgets every id that passes `test` (their values go through `onDrop`). */
  deleteWhere(test: (id: string) => boolean): void {
    for (const [id, e] of [...this.entries]) if (test(id)) this.drop(id, e.value)
  }

  clear(): void {
    for (const e of this.entries.values()) this.onDrop(e.value)
    this.entries.clear()
  }

  private drop(id: string, value: V): void {
    this.entries.delete(id)
    this.onDrop(value)
  }
}
