/**
 * @module core/domain/instances/throttle
 *
 * The requests-per-second limit of a KMS instance (its `Spec`), enforced without any store write:
 * each isolate keeps a token bucket per instance refilled at `spec / isolates` tokens per second
 * (`isolates` = KMS_THROTTLE_ISOLATES, the number of isolates expected to serve the instance's
 * traffic; default 1), holding at most 200 ms of that rate (at least one token). A request that
 * names a key of an instance (directly, through an alias, inside a ciphertext, or as a secret's
 * CMK — instance secrets are always under a key of their instance) takes one token of that
 * instance; with none left it is answered Rejected.Throttling (HTTP 429) before its handler runs,
 * so an instance over its limit never slows the others or the shared default.
 *
 * Tolerance, documented in the README ("KMS instances"): with N isolates evenly loaded the whole
 * deployment serves at most `spec` (+ N × 200 ms of burst) per second; with uneven load or fewer
 * isolates than configured it serves less (an isolate refuses once its own share is spent, even
 * if others are idle): between spec × (active isolates / N) and spec. Never more, apart from the
 * burst. The instance's spec is re-read at most every 10 s per isolate.
 */
import { KmsError } from '../../errors'
import { ExpiringMap } from '../../expiring-map'
import { SHARED_INSTANCE, type KeyRecord } from '../model'
import type { InstanceRecord } from './model'
import type { InstanceRepository } from './ports'

/** Burst: the bucket holds this much of a second's rate. */
export const BURST_SECONDS = 0.2
const SPEC_CACHE_MS = 10_000

export class TokenBucket {
  private tokens: number
  private last: number

  constructor(
    readonly ratePerSecond: number,
    readonly capacity: number,
    now: number,
  ) {
    this.tokens = capacity
    this.last = now
  }

  take(now: number): boolean {
    if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond)
      this.last = now
    }
    if (this.tokens >= 1) {
      this.tokens -= 1
      return true
    }
    return false
  }
}

export class InstanceThrottle {
  private readonly buckets = new Map<string, TokenBucket>()

  constructor(readonly isolates = 1) {}

  /** Takes one token of the instance; false when its per-isolate share is spent. */
  admit(instance: Pick<InstanceRecord, 'instanceId' | 'spec'>, now: number): boolean {
    const rate = instance.spec / Math.max(1, this.isolates)
    let bucket = this.buckets.get(instance.instanceId)
    if (!bucket || bucket.ratePerSecond !== rate) {
      bucket = new TokenBucket(rate, Math.max(1, rate * BURST_SECONDS), now)
      if (this.buckets.size >= 10_000) this.buckets.clear()
      this.buckets.set(instance.instanceId, bucket)
    }
    return bucket.take(now)
  }
}

export function throttled(): KmsError {
  return new KmsError('request.throttled', 'QPS Limit Exceeded. The KMS instance is at its computing performance (Spec).')
}

export interface ThrottleDeps {
  keys: { get(keyId: string): Promise<KeyRecord | undefined> }
  instances: Pick<InstanceRepository, 'get'>
  clock: { now(): number }
}

const specs = new ExpiringMap<InstanceRecord | null>(SPEC_CACHE_MS, 10_000)
const throttles = new Map<number, InstanceThrottle>()

function throttleFor(isolates: number): InstanceThrottle {
  let t = throttles.get(isolates)
  if (!t) throttles.set(isolates, (t = new InstanceThrottle(isolates)))
  return t
}

/**
 * Admits a request naming `keyIds` (authorised already), or throws Rejected.Throttling. Reads
 * come from the isolate's caches (keys ≤ 2 s, instances ≤ 10 s); nothing is written.
 *
 * @throws KmsError request.throttled
 */
export async function admitRequest(deps: ThrottleDeps, keyIds: readonly string[], isolates = 1): Promise<void> {
  if (keyIds.length === 0) return
  const seen = new Set<string>()
  for (const keyId of keyIds) {
    const key = await deps.keys.get(keyId)
    if (!key || key.instanceId === SHARED_INSTANCE || seen.has(key.instanceId)) continue
    seen.add(key.instanceId)
    const now = deps.clock.now()
    let instance = specs.get(key.instanceId, now)
    if (instance === undefined) {
      instance = (await deps.instances.get(key.instanceId)) ?? null
      specs.set(key.instanceId, instance, now)
    }
    if (instance && !throttleFor(isolates).admit(instance, now)) throw throttled()
  }
}
