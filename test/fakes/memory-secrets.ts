/**
 * In-memory SecretRepository with the conditional-write semantics of core/store/secrets.ts
 * (ConditionFailed on a lost condition, the same due-index order), and a SecretDeps builder on top
 * of the key fakes. Used by the secrets unit tests.
 */
import { ConditionFailed, type DueSecretRef, type SecretDeps, type SecretRepository } from '../../core/domain/ports'
import { plainMap, secretDueTime } from '../../core/domain/secrets/model'
import type { SecretRecord, SecretVersionRecord } from '../../core/domain/secrets/model'
import { FixedClock, memoryKeyDeps } from './memory-store'

function headId(accountId: string, region: string, secretName: string): string {
  return `${accountId}#${region}#${secretName}`
}

export class MemorySecrets implements SecretRepository {
  readonly heads = new Map<string, SecretRecord>()
  /** head id → version id → item */
  readonly versions = new Map<string, Map<string, SecretVersionRecord>>()
  /** Called before every store call; tests use it to interleave writers. */
  hook: (op: string) => Promise<void> = async () => {}

  private partition(accountId: string, region: string, secretName: string) {
    const id = headId(accountId, region, secretName)
    let p = this.versions.get(id)
    if (!p) {
      p = new Map()
      this.versions.set(id, p)
    }
    return p
  }

  async getHead(accountId: string, region: string, secretName: string) {
    await this.hook('getHead')
    const h = this.heads.get(headId(accountId, region, secretName))
    // As the DynamoDB repository does: user-keyed maps come back without a prototype.
    if (!h) return undefined
    return { ...structuredClone(h), stages: plainMap(h.stages), tags: plainMap(h.tags) }
  }

  async createHead(head: SecretRecord) {
    await this.hook('createHead')
    const id = headId(head.accountId, head.region, head.secretName)
    if (this.heads.has(id)) throw new ConditionFailed('create secret')
    this.heads.set(id, structuredClone(head))
  }

  async replaceHead(head: SecretRecord, expectedRev: number) {
    await this.hook('replaceHead')
    const id = headId(head.accountId, head.region, head.secretName)
    const current = this.heads.get(id)
    if (!current || current.rev !== expectedRev) throw new ConditionFailed('replace secret')
    this.heads.set(id, structuredClone(head))
  }

  async deleteHead(accountId: string, region: string, secretName: string, expectedRev: number) {
    await this.hook('deleteHead')
    const id = headId(accountId, region, secretName)
    const current = this.heads.get(id)
    if (!current || current.rev !== expectedRev) throw new ConditionFailed('delete secret')
    this.heads.delete(id)
  }

  async listByAccount(accountId: string, region: string) {
    await this.hook('listByAccount')
    return [...this.heads.values()]
      .filter((h) => h.accountId === accountId && h.region === region)
      .sort((a, b) => (a.secretName < b.secretName ? -1 : 1))
      .map((h) => structuredClone(h))
  }

  async getVersion(accountId: string, region: string, secretName: string, versionId: string) {
    await this.hook('getVersion')
    const v = this.partition(accountId, region, secretName).get(versionId)
    return v ? { ...v } : undefined
  }

  async createVersion(version: SecretVersionRecord) {
    await this.hook('createVersion')
    const p = this.partition(version.accountId, version.region, version.secretName)
    if (p.has(version.versionId)) throw new ConditionFailed('create secret version')
    p.set(version.versionId, { ...version })
  }

  async replaceVersion(version: SecretVersionRecord, expectedToken: string) {
    await this.hook('replaceVersion')
    const p = this.partition(version.accountId, version.region, version.secretName)
    if (p.get(version.versionId)?.token !== expectedToken) {
      throw new ConditionFailed('replace secret version')
    }
    p.set(version.versionId, { ...version })
  }

  async deleteVersion(accountId: string, region: string, secretName: string, versionId: string, expectedToken: string) {
    await this.hook('deleteVersion')
    const p = this.partition(accountId, region, secretName)
    if (p.get(versionId)?.token !== expectedToken) {
      throw new ConditionFailed('delete secret version')
    }
    p.delete(versionId)
  }

  /** By version id, as the Query on the secret's partition (`VERSION#<id>`). */
  async listVersionItems(accountId: string, region: string, secretName: string) {
    await this.hook('listVersionItems')
    return [...this.partition(accountId, region, secretName).values()]
      .sort((a, b) => (a.versionId < b.versionId ? -1 : 1))
      .map((v) => ({ ...v }))
  }

  async listDue(nowIso: string, limit: number): Promise<{ items: DueSecretRef[]; more: boolean }> {
    await this.hook('listDue')
    const due: Array<DueSecretRef & { sk: string }> = []
    for (const h of this.heads.values()) {
      const at = secretDueTime(h)
      if (at === undefined || at > nowIso) continue
      const sk = `${at}#${headId(h.accountId, h.region, h.secretName)}`
      due.push({ accountId: h.accountId, region: h.region, secretName: h.secretName, due: at, sk })
    }
    due.sort((a, b) => (a.sk < b.sk ? -1 : 1))
    // The refs only: the index's sort key is no part of the answer.
    const items = due.map(({ sk: _sk, ...ref }) => ref)
    return { items: items.slice(0, limit), more: items.length > limit }
  }

  /** Items of a secret that no head references (test oracle). */
  orphans(accountId: string, region: string, secretName: string): string[] {
    const head = this.heads.get(headId(accountId, region, secretName))
    const referenced = new Set(head?.versions.map((v) => v.versionId) ?? [])
    const stored = [...this.partition(accountId, region, secretName).keys()]
    return stored.filter((v) => !referenced.has(v))
  }
}

export function memorySecretDeps(clock = new FixedClock()): SecretDeps & {
  secrets: MemorySecrets
  clock: FixedClock
  keys: ReturnType<typeof memoryKeyDeps>['keys']
} {
  return { ...memoryKeyDeps(clock), secrets: new MemorySecrets() }
}
