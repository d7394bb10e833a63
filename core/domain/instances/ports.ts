/**
 * @module core/domain/instances/ports
 *
 * The store of KMS instances (core/store/instances.ts implements it; test fakes in memory).
 */
import type { InstanceRecord } from './model'

export type QuotaKind = 'key' | 'secret'

export interface InstanceRepository {
  get(instanceId: string): Promise<InstanceRecord | undefined>
  /** ConditionFailed when the id exists. */
  create(instance: InstanceRecord): Promise<void>
  /** Instances of an account in a region, oldest first. */
  listByAccount(accountId: string, region: string): Promise<InstanceRecord[]>
  /**
   * Takes one unit of the quota: one conditional update (`count < quota`) on the instance item.
   * ConditionFailed when the quota is used up (or the instance is gone).
   */
  reserve(instanceId: string, kind: QuotaKind): Promise<void>
  /** Gives one unit back (conditional on `count > 0`); a no-op at zero. */
  release(instanceId: string, kind: QuotaKind): Promise<void>
}

export interface InstanceDeps {
  instances: InstanceRepository
}
