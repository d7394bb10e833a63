/**
 * @module core/domain/isolate-state
 *
 * Everything a Worker isolate remembers between requests, in one object: the caches in front of
 * the table and of the root key, and the replay ids seen. `functions/deps.ts` creates one per
 * isolate (`getDeps`, as `deps.isolate`, on `deps.clock`); tests create one on a fake clock and
 * call {@link IsolateState.reset}. Nothing else keeps state between requests, except a few
 * caches not moved yet (listed in docs/isolate-state.md).
 *
 * Every cache is an {@link IsolateCache}: bounded ({@link CacheBound}), read on the injected
 * clock, an entry served for `ttlMs` after it was read and never when the clock reads earlier
 * than that. {@link ISOLATE_CACHE_BOUNDS} is the one table of bounds; docs/isolate-state.md
 * says for each what it holds, what invalidates it and the worst case of its staleness (a test
 * keeps the two in step).
 *
 * Reaching the state: components built by `getDeps` receive it (or one of its caches)
 * explicitly; a core function reads `deps.isolate` through {@link isolateStateOf}, which also
 * finds the state bound to `deps.clock` (a state is bound to the clock it was created on), so a
 * caller that passes only `{ credentials, rootKeys, clock }` still reaches its isolate's state.
 * Deps without a state (most unit-test fakes) simply cache nothing.
 */
import { zeroize } from '../crypto/bytes'
import { ExpiringMap } from '../expiring-map'
import type { AccessKeyRecord, KeyRecord } from './model'
import type { PolicyDocument } from './policy/document'
import type { Clock } from './ports'
import type { IdentityView, KeyView } from './principals/access-control'
import { RecentIds } from './recent-ids'
import { plainMap, type SecretRecord, type SecretVersionRecord } from './secrets/model'

export interface CacheBound {
  /** How long an entry may be served after it was read (ms): the staleness bound. */
  ttlMs: number
  /** Entries beyond this push out the oldest. */
  maxEntries: number
}

/**
 * The bounds of every cache of the isolate state (docs/isolate-state.md explains each). The
 * modules' own constants (`KEY_CACHE_MS`, `ACCESS_CACHE_MS`, …) are read from here.
 */
export const ISOLATE_CACHE_BOUNDS = {
  /** Key items (core/store/cached-keys.ts). */
  keys: { ttlMs: 2_000, maxEntries: 10_000 },
  /** AccessKey records (core/store/cached-credentials.ts). */
  accessKeys: { ttlMs: 2_000, maxEntries: 10_000 },
  /** Unwrapped AccessKey secrets (core/domain/authenticate.ts): as long as the records. */
  accessKeySecrets: { ttlMs: 2_000, maxEntries: 10_000 },
  /** A user's identity policies (core/domain/principals/access-control.ts). */
  identities: { ttlMs: 5_000, maxEntries: 5_000 },
  /** A role's id and policies, for STS sessions (access-control.ts). */
  roles: { ttlMs: 5_000, maxEntries: 5_000 },
  /** A key's owner, tags and policy (access-control.ts). */
  keyViews: { ttlMs: 5_000, maxEntries: 5_000 },
  /** A secret's policy, per creation of the secret (access-control.ts). */
  secretPolicies: { ttlMs: 5_000, maxEntries: 5_000 },
  /** Compiled policy documents, reused only for the very text compiled (access-control.ts). */
  policyDocuments: { ttlMs: 60_000, maxEntries: 5_000 },
  /** Unwrapped software key material (core/domain/keys/material.ts). */
  keyMaterial: { ttlMs: 60_000, maxEntries: 1_000 },
  /** Committed secret version items (core/domain/secrets/version-cache.ts). */
  secretVersions: { ttlMs: 60_000, maxEntries: 1_000 },
  /** Secret heads (core/store/cached-secrets.ts). */
  secretHeads: { ttlMs: 2_000, maxEntries: 10_000 },
  /** The CMK of existing secrets, for authorisation (functions/authorize.ts). */
  secretKeys: { ttlMs: 2_000, maxEntries: 10_000 },
  /** Replay ids seen (authenticate.ts): the ±15 min timestamp window plus a minute. */
  replayIds: { ttlMs: 16 * 60_000, maxEntries: 50_000 },
} as const satisfies Record<string, CacheBound>

export type IsolateCacheName = keyof typeof ISOLATE_CACHE_BOUNDS

export interface IsolateCacheOptions<V> {
  /** Applied to a value stored and to a value served, so the cache's own copy never escapes. */
  copy?: (value: V) => V
  /** Sees every value that leaves (expired, pushed out, replaced, deleted, cleared). */
  onDrop?: (value: V) => void
}

/**
 * A bounded TTL cache on the injected clock (an {@link ExpiringMap} that reads the clock itself).
 */
export class IsolateCache<V> {
  private readonly entries: ExpiringMap<V>

  constructor(
    readonly bound: CacheBound,
    private readonly clock: Clock,
    private readonly options: IsolateCacheOptions<V> = {},
  ) {
    this.entries = new ExpiringMap<V>(bound.ttlMs, bound.maxEntries, options.onDrop)
  }

  get ttlMs(): number {
    return this.bound.ttlMs
  }

  /** The clock reading this cache dates entries with (take it before a read, for `set`). */
  now(): number {
    return this.clock.now()
  }

  /** The value stored under `id`, if read less than `ttlMs` ago. */
  get(id: string): V | undefined {
    const value = this.entries.get(id, this.clock.now())
    return value === undefined || !this.options.copy ? value : this.options.copy(value)
  }

  /**
   * Stores `value`, dated `readAt`: pass the clock reading taken before the value was read, so
   * the bound also covers the read's own latency (default: now).
   */
  set(id: string, value: V, readAt = this.clock.now()): void {
    this.entries.set(id, this.options.copy ? this.options.copy(value) : value, readAt)
  }

  delete(id: string): void {
    this.entries.delete(id)
  }

  /**
   * Read-through: the value under `id`, else `load()`'s, stored dated before the load (so the
   * bound covers the read) and served like a stored one (a copy, with the `copy` option). An
   * absent value is never remembered and drops what was stored.
   */
  async readThrough(id: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const hit = this.get(id)
    if (hit !== undefined) return hit
    const readAt = this.clock.now()
    const value = await load()
    if (value === undefined) {
      this.delete(id)
      return undefined
    }
    this.set(id, value, readAt)
    return this.options.copy ? this.options.copy(value) : value
  }

  /**
   * Runs the write `op` of the item under `id`; when it fails (a lost condition: this isolate's
   * view was stale, or the write failed), drops the entry, so it is never served again, and rethrows.
   */
  async evictOnFailure(id: string, op: () => Promise<void>): Promise<void> {
    try {
      await op()
    } catch (err) {
      this.delete(id)
      throw err
    }
  }

  deleteWhere(test: (id: string) => boolean): void {
    this.entries.deleteWhere(test)
  }

  clear(): void {
    this.entries.clear()
  }

  get size(): number {
    return this.entries.size
  }
}

/** A cache of secret bytes: callers get (and own) a private copy; every entry leaves zeroised. */
function secretBytesCache(bound: CacheBound, clock: Clock): IsolateCache<Uint8Array> {
  return new IsolateCache<Uint8Array>(bound, clock, { copy: (b) => b.slice(), onDrop: (b) => zeroize(b) })
}

/** What access control caches (core/domain/principals/access-control.ts). */
export class AccessCaches {
  readonly identities: IsolateCache<IdentityView>
  /** Role sessions: the role's id ('' when it does not exist) and policies, per role name. */
  readonly roles: IsolateCache<{ roleId: string; policies: readonly PolicyDocument[] }>
  readonly keyViews: IsolateCache<KeyView>
  readonly secretPolicies: IsolateCache<PolicyDocument>
  readonly documents: IsolateCache<{ text: string; doc: PolicyDocument }>

  constructor(clock: Clock) {
    const b = ISOLATE_CACHE_BOUNDS
    this.identities = new IsolateCache(b.identities, clock)
    this.roles = new IsolateCache(b.roles, clock)
    this.keyViews = new IsolateCache(b.keyViews, clock)
    this.secretPolicies = new IsolateCache(b.secretPolicies, clock)
    this.documents = new IsolateCache(b.policyDocuments, clock)
  }

  clear(): void {
    for (const c of [this.identities, this.roles, this.keyViews, this.secretPolicies, this.documents]) c.clear()
  }
}

/** The CMK recorded on an existing secret's head (functions/authorize.ts). */
export interface SecretKeyRef {
  keyId: string
  accountId: string
  region: string
}

/** A state is bound to the clock it was created on (see the module comment). */
const boundToClock = new WeakMap<Clock, IsolateState>()

export class IsolateState {
  readonly keys: IsolateCache<KeyRecord>
  readonly accessKeys: IsolateCache<AccessKeyRecord>
  readonly accessKeySecrets: IsolateCache<Uint8Array>
  readonly access: AccessCaches
  readonly keyMaterial: IsolateCache<Uint8Array>
  readonly secretVersions: IsolateCache<SecretVersionRecord>
  readonly secretHeads: IsolateCache<SecretRecord>
  readonly secretKeys: IsolateCache<SecretKeyRef>
  private replayIds: RecentIds

  constructor(readonly clock: Clock) {
    const b = ISOLATE_CACHE_BOUNDS
    this.keys = new IsolateCache<KeyRecord>(b.keys, clock, { copy: (k) => structuredClone(k) })
    this.accessKeys = new IsolateCache<AccessKeyRecord>(b.accessKeys, clock, { copy: (r) => ({ ...r }) })
    this.accessKeySecrets = secretBytesCache(b.accessKeySecrets, clock)
    this.access = new AccessCaches(clock)
    this.keyMaterial = secretBytesCache(b.keyMaterial, clock)
    this.secretVersions = new IsolateCache<SecretVersionRecord>(b.secretVersions, clock)
    // User-keyed maps keep their null prototype, as the repository returns them.
    this.secretHeads = new IsolateCache<SecretRecord>(b.secretHeads, clock, {
      copy: (h) => ({ ...structuredClone(h), stages: plainMap(h.stages), tags: plainMap(h.tags) }),
    })
    this.secretKeys = new IsolateCache<SecretKeyRef>(b.secretKeys, clock)
    this.replayIds = new RecentIds(b.replayIds.ttlMs, b.replayIds.maxEntries)
    boundToClock.set(clock, this)
  }

  /**
   * Remembers a replay id; false when this isolate saw it within the bound. Not an
   * IsolateCache: it keeps refusing an id it cannot date (core/domain/recent-ids.ts).
   */
  rememberReplayId(id: string): boolean {
    return this.replayIds.add(id, this.clock.now())
  }

  /** Forgets everything (secret bytes are zeroised): a fresh isolate. The one reset for tests. */
  reset(): void {
    for (const c of [
      this.keys,
      this.accessKeys,
      this.accessKeySecrets,
      this.keyMaterial,
      this.secretVersions,
      this.secretHeads,
      this.secretKeys,
    ]) {
      c.clear()
    }
    this.access.clear()
    this.replayIds = new RecentIds(ISOLATE_CACHE_BOUNDS.replayIds.ttlMs, ISOLATE_CACHE_BOUNDS.replayIds.maxEntries)
  }
}

/** What a core function may carry to reach the isolate state. */
export interface IsolateDeps {
  isolate?: IsolateState
  clock?: Clock
}

/** `deps.isolate`, else the state bound to `deps.clock`; undefined when there is none. */
export function isolateStateOf(deps: IsolateDeps): IsolateState | undefined {
  return deps.isolate ?? (deps.clock ? boundToClock.get(deps.clock) : undefined)
}
