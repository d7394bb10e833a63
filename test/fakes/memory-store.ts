/**
 * In-memory implementations of the key ports with the same conditional-write semantics as the
 * DynamoDB repositories (ConditionFailed on a lost condition) and the same listing order and
 * contents. test/contract holds both to one contract. Used by core unit tests.
 */
import type { AliasRecord, KeyRecord } from '../../core/domain/model'
import { ConditionFailed, type AliasRepository, type Clock, type KeyDeps, type KeyRepository } from '../../core/domain/ports'
import { generateRootKeyRingJson, parseRootKeyRing } from '../../core/crypto/root-key'
import { randomBytes } from '../../core/crypto/random'
import { nodeRsaEngine } from '../../core/platform/node-rsa-engine'
import { dueIndex, KEY_DUE_PARTITIONS } from '../../core/store/repositories'

export class MemoryKeys implements KeyRepository {
  readonly items = new Map<string, KeyRecord>()
  async get(keyId: string) {
    const k = this.items.get(keyId)
    return k ? structuredClone(k) : undefined
  }
  async create(key: KeyRecord) {
    if (this.items.has(key.keyId)) throw new ConditionFailed('create key')
    this.items.set(key.keyId, structuredClone(key))
  }
  async replace(key: KeyRecord, expectedRev: number) {
    const current = this.items.get(key.keyId)
    if (!current || current.rev !== expectedRev) throw new ConditionFailed('replace key')
    this.items.set(key.keyId, structuredClone(key))
  }
  /** Same semantics as the gsi2 query: entries due at or before `untilIso`, earliest first. */
  async listDue(job: 'rotation' | 'deletion' | 'materialExpiry', untilIso: string, limit: number) {
    const due = [...this.items.values()]
      .map((k) => dueIndex(k))
      .filter((d) => d.gsi2pk === KEY_DUE_PARTITIONS[job] && d.gsi2sk! <= `${untilIso}#~`)
      .map((d) => d.gsi2sk!)
      .sort()
    return { keyIds: due.slice(0, limit).map((sk) => sk.slice(sk.indexOf('#') + 1)), more: due.length > limit }
  }
  /** As the gsi1 query: Deleted tombstones leave the listing; oldest first (`<createdAt>#<keyId>`). */
  async listByAccount(accountId: string, region: string) {
    const order = (k: KeyRecord) => `${k.createdAt}#${k.keyId}`
    return [...this.items.values()]
      .filter((k) => k.accountId === accountId && k.region === region && k.keyState !== 'Deleted')
      .sort((a, b) => (order(a) < order(b) ? -1 : 1))
      .map((k) => structuredClone(k))
  }
}

export class MemoryAliases implements AliasRepository {
  readonly items = new Map<string, AliasRecord>()
  private id(a: string, r: string, n: string) {
    return `${a}#${r}#${n}`
  }
  async get(accountId: string, region: string, aliasName: string) {
    const a = this.items.get(this.id(accountId, region, aliasName))
    return a ? { ...a } : undefined
  }
  async create(alias: AliasRecord) {
    const id = this.id(alias.accountId, alias.region, alias.aliasName)
    if (this.items.has(id)) throw new ConditionFailed('create alias')
    this.items.set(id, { ...alias })
  }
  async update(alias: AliasRecord, expectedKeyId?: string) {
    const id = this.id(alias.accountId, alias.region, alias.aliasName)
    const a = this.items.get(id)
    if (!a || (expectedKeyId !== undefined && a.keyId !== expectedKeyId)) throw new ConditionFailed('update alias')
    this.items.set(id, { ...alias })
  }
  async delete(accountId: string, region: string, aliasName: string, expectedKeyId?: string) {
    const id = this.id(accountId, region, aliasName)
    const a = this.items.get(id)
    if (!a || (expectedKeyId !== undefined && a.keyId !== expectedKeyId)) throw new ConditionFailed('delete alias')
    this.items.delete(id)
  }
  /** By name, as the gsi1 query. */
  async listByAccount(accountId: string, region: string) {
    return [...this.items.values()]
      .filter((a) => a.accountId === accountId && a.region === region)
      .sort((a, b) => (a.aliasName < b.aliasName ? -1 : 1))
      .map((a) => ({ ...a }))
  }
}

export class FixedClock implements Clock {
  constructor(public ms = Date.parse('2026-11-23T12:00:00Z')) {}
  now() {
    return this.ms
  }
  advanceDays(days: number) {
    this.ms += days * 86_400_000
  }
}

export function memoryKeyDeps(clock = new FixedClock()): KeyDeps & { keys: MemoryKeys; aliases: MemoryAliases; clock: FixedClock } {
  return {
    keys: new MemoryKeys(),
    aliases: new MemoryAliases(),
    clock,
    random: randomBytes,
    rootKeys: parseRootKeyRing(generateRootKeyRingJson('rk-test')),
    rsa: nodeRsaEngine,
  }
}

export const CALLER = { accountId: '1234567890123456', principal: 'root', accessKeyId: 'AKTEST', region: 'cn-hangzhou' }
