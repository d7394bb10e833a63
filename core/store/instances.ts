/**
 * @module core/store/instances
 *
 * KMS instances in the table (layout: ./SCHEMA.md, "KMS instances"). The key and secret counters
 * live on the instance item: taking a unit of quota is one conditional update
 * `SET keyCount = keyCount + 1 IF keyCount < keyNum`, so concurrent creators never exceed the
 * quota (DynamoDB serialises writes to one item; dynalite too).
 */
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get'
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put'
import { $add, UpdateItemCommand } from 'dynamodb-toolbox/entity/actions/update'
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query'
import type { InstanceRecord } from '../domain/instances/model'
import type { InstanceRepository, QuotaKind } from '../domain/instances/ports'
import { ConditionFailed } from '../domain/ports'
import { guard } from './common'
import type { KmsEntities, KmsTable } from './table'

export function instancePartition(accountId: string, region: string): string {
  return `ACCOUNT#${accountId}#${region}#INSTANCES`
}

const FIELDS = {
  key: { count: 'keyCount', quota: 'keyNum' },
  secret: { count: 'secretCount', quota: 'secretNum' },
} as const

function toRecord(item: Record<string, unknown>): InstanceRecord {
  const { gsi1pk: _a, gsi1sk: _b, ...rest } = item
  return rest as unknown as InstanceRecord
}

export class DynamoInstanceRepository implements InstanceRepository {
  constructor(
    private readonly table: KmsTable,
    private readonly entities: KmsEntities,
  ) {}

  get(instanceId: string): Promise<InstanceRecord | undefined> {
    return guard('get instance', async () => {
      const { Item } = await this.entities.InstanceEntity.build(GetItemCommand).key({ instanceId }).options({ consistent: true }).send()
      return Item ? toRecord(Item as Record<string, unknown>) : undefined
    })
  }

  create(instance: InstanceRecord): Promise<void> {
    return guard('create instance', async () => {
      await this.entities.InstanceEntity.build(PutItemCommand)
        .item({
          ...instance,
          gsi1pk: instancePartition(instance.accountId, instance.region),
          gsi1sk: `${instance.createdAt}#${instance.instanceId}`,
        })
        .options({ condition: { attr: 'instanceId', exists: false } })
        .send()
    })
  }

  listByAccount(accountId: string, region: string): Promise<InstanceRecord[]> {
    return guard('list instances', async () => {
      const { Items = [] } = await this.table
        .build(QueryCommand)
        .entities(this.entities.InstanceEntity)
        .query({ index: 'gsi1', partition: instancePartition(accountId, region) })
        .options({ maxPages: Infinity })
        .send()
      return Items.map((i) => toRecord(i as Record<string, unknown>)).filter((i) => i.accountId === accountId && i.region === region)
    })
  }

  reserve(instanceId: string, kind: QuotaKind): Promise<void> {
    const f = FIELDS[kind]
    return guard('reserve instance quota', async () => {
      await this.entities.InstanceEntity.build(UpdateItemCommand)
        .item({ instanceId, [f.count]: $add(1) } as never)
        .options({
          condition: {
            and: [
              { attr: 'instanceId', exists: true },
              { attr: f.count, lt: { attr: f.quota } },
            ],
          },
        } as never)
        .send()
    })
  }

  async release(instanceId: string, kind: QuotaKind): Promise<void> {
    const f = FIELDS[kind]
    try {
      await guard('release instance quota', async () => {
        await this.entities.InstanceEntity.build(UpdateItemCommand)
          .item({ instanceId, [f.count]: $add(-1) } as never)
          .options({
            condition: {
              and: [
                { attr: 'instanceId', exists: true },
                { attr: f.count, gt: 0 },
              ],
            },
          } as never)
          .send()
      })
    } catch (err) {
      if (!(err instanceof ConditionFailed)) throw err
    }
  }
}
