/**
 * @module core/store/cached-credentials
 *
 * Caches AccessKey records in the isolate for at most {@link ACCESS_KEY_CACHE_MS}, so a warm
 * caller's request does no table read to authenticate. The record holds the secret only wrapped
 * under the root key.
 *
 * Bound on staleness: disabling or deleting an AccessKey through this isolate takes effect at
 * once (the RAM handlers call `forget`); through another isolate, within 2 s — the same bound as
 * the key cache, and shorter than the 5 s policy cache. Unknown ids are never remembered.
 */
import type { AccessKeyRecord } from '../domain/model'
import type { Clock, CredentialRepository } from '../domain/ports'

export const ACCESS_KEY_CACHE_MS = 2_000
const MAX_ENTRIES = 10_000

export class CachedCredentialRepository implements CredentialRepository {
  private readonly entries = new Map<string, { record: AccessKeyRecord; at: number }>()

  constructor(
    private readonly inner: CredentialRepository,
    private readonly clock: Clock,
  ) {}

  async getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined> {
    const now = this.clock.now()
    const hit = this.entries.get(accessKeyId)
    if (hit && now - hit.at < ACCESS_KEY_CACHE_MS) return { ...hit.record }
    const record = await this.inner.getAccessKey(accessKeyId)
    this.entries.delete(accessKeyId)
    if (record) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!)
      this.entries.set(accessKeyId, { record: { ...record }, at: now })
    }
    return record
  }

  forget(accessKeyId: string): void {
    this.entries.delete(accessKeyId)
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
