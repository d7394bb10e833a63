/**
 * @module core/store/cached-credentials
 *
 * Caches AccessKey records in the isolate for at most {@link ACCESS_KEY_CACHE_MS}, so a warm
 * caller's request does no table read to authenticate. The record holds the secret only wrapped
 * under the root key. The entries live in the isolate state (`IsolateState.accessKeys`,
 * core/domain/isolate-state.ts; bounds in docs/isolate-state.md).
 *
 * Bound on staleness: disabling or deleting an AccessKey through this isolate takes effect at
 * once (the RAM handlers call `forget`); through another isolate, within 2 s — the same bound as
 * the key cache, and shorter than the 5 s policy cache. Unknown ids are never remembered.
 */
import { ISOLATE_CACHE_BOUNDS, type IsolateCache } from '../domain/isolate-state'
import type { AccessKeyRecord } from '../domain/model'
import type { CredentialRepository } from '../domain/ports'

export const ACCESS_KEY_CACHE_MS = ISOLATE_CACHE_BOUNDS.accessKeys.ttlMs

export class CachedCredentialRepository implements CredentialRepository {
  /** @param cache - the isolate's AccessKey record cache (`IsolateState.accessKeys`). */
  constructor(
    private readonly inner: CredentialRepository,
    private readonly cache: IsolateCache<AccessKeyRecord>,
  ) {}

  getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined> {
    return this.cache.readThrough(accessKeyId, () => this.inner.getAccessKey(accessKeyId))
  }

  forget(accessKeyId: string): void {
    this.cache.delete(accessKeyId)
  }

  async createAccessKey(record: AccessKeyRecord): Promise<void> {
    this.forget(record.accessKeyId)
    await this.inner.createAccessKey(record)
  }

  async putAccessKey(record: AccessKeyRecord): Promise<void> {
    this.forget(record.accessKeyId)
    await this.inner.putAccessKey(record)
  }

  getAccount(accountId: string) {
    return this.inner.getAccount(accountId)
  }

  ensureAccount(...args: Parameters<CredentialRepository['ensureAccount']>) {
    return this.inner.ensureAccount(...args)
  }
}
