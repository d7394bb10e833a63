/**
 * @module core/crypto/secret-cache
 *
 * A bounded, time-limited cache of secret bytes in the isolate (unwrapped key material, AccessKey
 * secrets), so a warm request skips a root-key unwrap. Every entry is zeroised when it expires,
 * is pushed out, or is cleared; callers always get (and own) a private copy, so the cached bytes
 * never escape. Ids should include the wrapped value, so a changed record never hits an old entry.
 */
import { zeroize } from './bytes'

export class SecretCache {
  private readonly entries = new Map<string, { bytes: Uint8Array; at: number }>()

  /**
   * @param ttlMs - how long an entry may be served after it was stored.
   * @param maxEntries - entries beyond this push out the oldest.
   */
  constructor(
    readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** A private copy of the bytes stored under `id`, if stored less than `ttlMs` ago. */
  get(id: string, now: number): Uint8Array | undefined {
    const hit = this.entries.get(id)
    if (!hit) return undefined
    if (now - hit.at >= this.ttlMs || now < hit.at) {
      zeroize(hit.bytes)
      this.entries.delete(id)
      return undefined
    }
    return hit.bytes.slice()
  }

  /** Stores a copy of `bytes` (the caller keeps and zeroises its own). */
  set(id: string, bytes: Uint8Array, now: number): void {
    const old = this.entries.get(id)
    if (old) {
      zeroize(old.bytes)
      this.entries.delete(id)
    }
    // Insertion order is age order: drop expired entries and, when full, the oldest.
    for (const [k, e] of this.entries) {
      if (this.entries.size < this.maxEntries && now - e.at < this.ttlMs) break
      zeroize(e.bytes)
      this.entries.delete(k)
    }
    this.entries.set(id, { bytes: bytes.slice(), at: now })
  }

  get size(): number {
    return this.entries.size
  }

  /** Zeroises and drops every entry. */
  clear(): void {
    for (const e of this.entries.values()) zeroize(e.bytes)
    this.entries.clear()
  }
}
