/**
 * @module core/domain/ports
 *
 * What the domain needs from the outside world. core/store implements the repositories on
 * DynamoDB (dynamodb-toolbox); tests use the in-memory fakes in test/fakes.
 *
 * Every write is a single-item conditional write. Conditional failures surface as
 * {@link ConditionFailed}, which operations turn into a retry (optimistic concurrency) or a
 * domain error (already exists, lost race).
 */
import type { RootKeyRing } from '../crypto/root-key'
import type { RandomSource } from '../crypto/random'
import type { AccessKeyRecord, AccountRecord, AliasRecord, KeyRecord } from './model'

/** Thrown by repositories when the condition of a conditional write does not hold. */
export class ConditionFailed extends Error {
  constructor(what: string) {
    super(`condition failed: ${what}`)
    this.name = 'ConditionFailed'
  }
}

export interface Page<T> {
  items: T[]
  /** Opaque continuation for the store; never shown to clients as is. */
  next?: Record<string, unknown>
}

export interface KeyRepository {
  get(keyId: string): Promise<KeyRecord | undefined>
  /** Creates the key; ConditionFailed when the id exists (ids are never reused). */
  create(key: KeyRecord): Promise<void>
  /** Replaces the key; ConditionFailed unless the stored `rev` equals `expectedRev`. */
  replace(key: KeyRecord, expectedRev: number): Promise<void>
  /**
   * Ids of keys whose rotation or deletion is due at or before `untilIso`, earliest first,
   * through the due-time index (never a scan); at most `limit`, with `more` when others remain.
   */
  listDue(job: 'rotation' | 'deletion', untilIso: string, limit: number): Promise<{ keyIds: string[]; more: boolean }>
  /** Keys of an account in a region, oldest first. */
  listByAccount(accountId: string, region: string): Promise<KeyRecord[]>
}

export interface AliasRepository {
  get(accountId: string, region: string, aliasName: string): Promise<AliasRecord | undefined>
  /** ConditionFailed when the alias exists. */
  create(alias: AliasRecord): Promise<void>
  /** Re-points the alias; ConditionFailed when it does not exist. */
  update(alias: AliasRecord): Promise<void>
  /** Deletes the alias; with `expectedKeyId`, only while it still points at that key. */
  delete(accountId: string, region: string, aliasName: string, expectedKeyId?: string): Promise<void>
  listByAccount(accountId: string, region: string): Promise<AliasRecord[]>
}

export interface CredentialRepository {
  getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined>
  /** ConditionFailed when the access key id exists. */
  createAccessKey(record: AccessKeyRecord): Promise<void>
  /** Creates or replaces an access key (bootstrap credentials from configuration). */
  putAccessKey(record: AccessKeyRecord): Promise<void>
  getAccount(accountId: string): Promise<AccountRecord | undefined>
  /** Idempotent: an existing account is left as it is. */
  ensureAccount(record: AccountRecord): Promise<void>
}

export interface NonceRepository {
  /**
   * Claims a signature nonce for an access key until `expiresAtMs`. Returns false when it was
   * already claimed and has not expired. Atomic (conditional put), never eventually consistent.
   */
  claim(accessKeyId: string, nonce: string, nowMs: number, expiresAtMs: number): Promise<boolean>
}

export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** Everything a key operation may use. */
export interface KeyDeps {
  keys: KeyRepository
  aliases: AliasRepository
  clock: Clock
  random: RandomSource
  rootKeys: RootKeyRing
}
