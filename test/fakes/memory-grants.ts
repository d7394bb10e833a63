/**
 * The GrantRepository port in memory, with the DynamoDB repository's conditional semantics
 * (core/store/grants.ts): create conditional on absence, delete on presence; copies in and out.
 */
import type { GrantRecord } from '../../core/domain/grants/model'
import { ConditionFailed, type GrantRepository } from '../../core/domain/ports'

const oldestFirst = (a: GrantRecord, b: GrantRecord) =>
  a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.grantId < b.grantId ? -1 : a.grantId > b.grantId ? 1 : 0

export class MemoryGrants implements GrantRepository {
  readonly items = new Map<string, GrantRecord>()

  async get(keyId: string, grantId: string): Promise<GrantRecord | undefined> {
    const g = this.items.get(`${keyId}/${grantId}`)
    return g ? structuredClone(g) : undefined
  }

  async listByKey(keyId: string): Promise<GrantRecord[]> {
    return [...this.items.values()]
      .filter((g) => g.keyId === keyId)
      .map((g) => structuredClone(g))
      .sort(oldestFirst)
  }

  async listByRetiringPrincipal(accountId: string, region: string, principal: string): Promise<GrantRecord[]> {
    return [...this.items.values()]
      .filter((g) => g.accountId === accountId && g.region === region && g.retiringPrincipal === principal)
      .map((g) => structuredClone(g))
      .sort(oldestFirst)
  }

  async create(grant: GrantRecord): Promise<void> {
    const id = `${grant.keyId}/${grant.grantId}`
    if (this.items.has(id)) throw new ConditionFailed('create grant')
    this.items.set(id, structuredClone(grant))
  }

  async delete(keyId: string, grantId: string): Promise<void> {
    if (!this.items.delete(`${keyId}/${grantId}`)) throw new ConditionFailed('delete grant')
  }
}
