/**
 * In-memory InstanceRepository with the DynamoDB repository's conditional semantics: one item per
 * instance, `reserve` a conditional `count < quota` update (ConditionFailed when used up or gone),
 * `release` a no-op at zero.
 */
import { ConditionFailed } from '../../core/domain/ports'
import type { InstanceRecord } from '../../core/domain/instances/model'
import type { InstanceRepository, QuotaKind } from '../../core/domain/instances/ports'

const COUNTERS = { key: ['keyCount', 'keyNum'], secret: ['secretCount', 'secretNum'] } as const

export class MemoryInstances implements InstanceRepository {
  readonly items = new Map<string, InstanceRecord>()
  async get(instanceId: string) {
    const i = this.items.get(instanceId)
    return i && { ...i }
  }
  async create(instance: InstanceRecord) {
    if (this.items.has(instance.instanceId)) throw new ConditionFailed('create instance')
    this.items.set(instance.instanceId, { ...instance })
  }
  async listByAccount(accountId: string, region: string) {
    return [...this.items.values()]
      .filter((i) => i.accountId === accountId && i.region === region)
      .sort((a, b) => (a.createdAt + a.instanceId < b.createdAt + b.instanceId ? -1 : 1))
      .map((i) => ({ ...i }))
  }
  async reserve(instanceId: string, kind: QuotaKind) {
    const i = this.items.get(instanceId)
    const [count, quota] = COUNTERS[kind]
    if (!i || i[count] >= i[quota]) throw new ConditionFailed('reserve instance quota')
    i[count] += 1
  }
  async release(instanceId: string, kind: QuotaKind) {
    const i = this.items.get(instanceId)
    const [count] = COUNTERS[kind]
    if (i && i[count] > 0) i[count] -= 1
  }
}
