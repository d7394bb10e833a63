/**
 * @module core/crypto/secret-cache
 *
 * A bounded, time-limited cache of secret bytes in the isolate (unwrapped key material, AccessKey
 * secrets), so a warm request skips a root-key unwrap. Every entry is zeroised when it expires,
 * is pushed out, is replaced or is cleared; callers always get (and own) a private copy, so the
 * cached bytes never escape. Ids should include the wrapped value, so a changed record never
 * hits an old entry.
 */
import { ExpiringMap } from '../expiring-map'
import { zeroize } from './bytes'

export class SecretCache {
  private readonly entries: ExpiringMap<Uint8Array>

  /**
   * @param ttlMs - how long an entry may be served after it was stored.
   * @param maxEntries - entries beyond this push out the oldest.
   */
  constructor(ttlMs: number, maxEntries: number) {
    this.entries = new ExpiringMap<Uint8Array>(ttlMs, maxEntries, (bytes) => zeroize(bytes))
  }

  get ttlMs(): number {
    return this.entries.ttlMs
  }

  /** A private copy of the bytes stored under `id`, if stored less than `ttlMs` ago. */
  get(id: string, now: number): Uint8Array | undefined {
    return this.entries.get(id, now)?.slice()
  }

  /** Stores a copy of `bytes` (the caller keeps and zeroises its own). */
  set(id: string, bytes: Uint8Array, now: number): void {
    this.entries.set(id, bytes.slice(), now)
  }

  get size(): number {
    return this.entries.size
  }

  /** Zeroises and drops every entry. */
  clear(): void {
    this.entries.clear()
  }
}
