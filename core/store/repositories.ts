/**
 * @module core/store/repositories
 *
 * DynamoDB implementations of the domain ports (core/domain/ports.ts). Every write is one
 * conditional write on one item: dynalite has no transactions, and real DynamoDB does not need
 * them for this model. A failed condition becomes {@link ConditionFailed}; any other store
 * failure becomes `store.unavailable` so that a store outage is a retryable 503, never a 500
 * with internals.
 */
import { DeleteItemCommand } from 'dynamodb-toolbox/entity/actions/delete'
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get'
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put'
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query'
import type { AccessKeyRecord, AccountRecord, AliasRecord, KeyRecord } from '../domain/model'
import { ConditionFailed, type AliasRepository, type CredentialRepository, type KeyRepository } from '../domain/ports'
import { fromPairs, guard, stripUndefined, toPairs } from './common'
import type { KmsEntities, KmsTable } from './table'

export function ownerPartition(accountId: string, region: string, kind: 'KEYS' | 'ALIASES' | 'SECRETS') {
  return `ACCOUNT#${accountId}#${region}#${kind}`
}

function keyItem(key: KeyRecord) {
  // The due-time index (gsi2) is maintained by the scheduled-jobs issue; a key with nothing due
  // carries no gsi2 attributes (sparse index).
  return stripUndefined({
    ...key,
    versions: key.versions.map((v) => stripUndefined({ ...v })),
    tags: toPairs(key.tags),
    // Deleted keys (tombstones that keep the id from ever being reused) leave the listing index.
    gsi1pk:
      key.keyState === 'Deleted' ? `ACCOUNT#${key.accountId}#${key.region}#DELETEDKEYS` : ownerPartition(key.accountId, key.region, 'KEYS'),
    gsi1sk: `${key.createdAt}#${key.keyId}`,
    ...dueIndex(key),
  })
}

export const KEY_DUE_PARTITIONS = {
  rotation: 'DUE#KEY_ROTATION',
  deletion: 'DUE#KEY_DELETION',
  materialExpiry: 'DUE#KEY_MATERIAL_EXPIRY',
} as const

/**
 * The next time a scheduled job must look at this key, if any (sparse gsi2). A key is due for
 * deletion while PendingDeletion, and for rotation while Enabled with automatic rotation
 * (rotation is suspended in every other state, so the entry disappears with it). A key with
 * imported material that expires is due for expiry while Enabled or Disabled (keys with imported
 * material never rotate automatically, so the two never compete for the one gsi2 entry).
 */
export function dueIndex(key: KeyRecord): { gsi2pk?: string; gsi2sk?: string } {
  if (key.keyState === 'PendingDeletion' && key.deleteDate) {
    return { gsi2pk: KEY_DUE_PARTITIONS.deletion, gsi2sk: `${key.deleteDate}#${key.keyId}` }
  }
  if (key.keyState === 'Enabled' && key.automaticRotation && key.nextRotationDate) {
    return { gsi2pk: KEY_DUE_PARTITIONS.rotation, gsi2sk: `${key.nextRotationDate}#${key.keyId}` }
  }
  if ((key.keyState === 'Enabled' || key.keyState === 'Disabled') && key.materialExpireTime) {
    return { gsi2pk: KEY_DUE_PARTITIONS.materialExpiry, gsi2sk: `${key.materialExpireTime}#${key.keyId}` }
  }
  return {}
}

function toKeyRecord(item: Record<string, unknown>): KeyRecord {
  const { gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, tags, ...rest } = item
  return { ...(rest as unknown as KeyRecord), tags: fromPairs(tags) }
}

export class DynamoKeyRepository implements KeyRepository {
  constructor(
    private readonly table: KmsTable,
    private readonly entities: KmsEntities,
  ) {}

  get(keyId: string): Promise<KeyRecord | undefined> {
    return guard('get key', async () => {
      const { Item } = await this.entities.KeyEntity.build(GetItemCommand).key({ keyId }).options({ consistent: true }).send()
      return Item ? toKeyRecord(Item) : undefined
    })
  }

  create(key: KeyRecord): Promise<void> {
    return guard('create key', async () => {
      await this.entities.KeyEntity.build(PutItemCommand)
        .item(keyItem(key) as never)
        .options({ condition: { attr: 'keyId', exists: false } })
        .send()
    })
  }

  replace(key: KeyRecord, expectedRev: number): Promise<void> {
    return guard('replace key', async () => {
      await this.entities.KeyEntity.build(PutItemCommand)
        .item(keyItem(key) as never)
        .options({ condition: { attr: 'rev', eq: expectedRev } })
        .send()
    })
  }

  listDue(job: 'rotation' | 'deletion' | 'materialExpiry', untilIso: string, limit: number): Promise<{ keyIds: string[]; more: boolean }> {
    return guard('list due keys', async () => {
      // `~` sorts after every character of an id, so every entry due at or before untilIso matches.
      const { Items = [], LastEvaluatedKey } = await this.table
        .build(QueryCommand)
        .entities(this.entities.KeyEntity)
        .query({ index: 'gsi2', partition: KEY_DUE_PARTITIONS[job], range: { lte: `${untilIso}#~` } })
        .options({ limit: limit + 1, attributes: ['keyId'], maxPages: 1 })
        .send()
      const keyIds = Items.map((i) => (i as { keyId: string }).keyId)
      // One page reads at most 1 MB, so it can hold fewer than `limit` items while more are due:
      // a LastEvaluatedKey means "more", and the next run carries on.
      return { keyIds: keyIds.slice(0, limit), more: keyIds.length > limit || LastEvaluatedKey !== undefined }
    })
  }

  listByAccount(accountId: string, region: string): Promise<KeyRecord[]> {
    return guard('list keys', async () => {
      const { Items = [] } = await this.table
        .build(QueryCommand)
        .entities(this.entities.KeyEntity)
        .query({ index: 'gsi1', partition: ownerPartition(accountId, region, 'KEYS') })
        .options({ maxPages: Infinity })
        .send()
      return Items.map((i) => toKeyRecord(i as Record<string, unknown>))
    })
  }
}

function aliasItem(alias: AliasRecord) {
  return {
    ...alias,
    gsi1pk: ownerPartition(alias.accountId, alias.region, 'ALIASES'),
    gsi1sk: alias.aliasName,
  }
}

function toAliasRecord(item: Record<string, unknown>): AliasRecord {
  const { gsi1pk: _a, gsi1sk: _b, ...rest } = item
  return rest as unknown as AliasRecord
}

export class DynamoAliasRepository implements AliasRepository {
  constructor(
    private readonly table: KmsTable,
    private readonly entities: KmsEntities,
  ) {}

  get(accountId: string, region: string, aliasName: string): Promise<AliasRecord | undefined> {
    return guard('get alias', async () => {
      const { Item } = await this.entities.AliasEntity.build(GetItemCommand)
        .key({ accountId, region, aliasName })
        .options({ consistent: true })
        .send()
      return Item ? toAliasRecord(Item) : undefined
    })
  }

  create(alias: AliasRecord): Promise<void> {
    return guard('create alias', async () => {
      await this.entities.AliasEntity.build(PutItemCommand)
        .item(aliasItem(alias))
        .options({ condition: { attr: 'aliasName', exists: false } })
        .send()
    })
  }

  update(alias: AliasRecord, expectedKeyId?: string): Promise<void> {
    return guard('update alias', async () => {
      await this.entities.AliasEntity.build(PutItemCommand)
        .item(aliasItem(alias))
        .options({ condition: expectedKeyId === undefined ? { attr: 'aliasName', exists: true } : { attr: 'keyId', eq: expectedKeyId } })
        .send()
    })
  }

  delete(accountId: string, region: string, aliasName: string, expectedKeyId?: string): Promise<void> {
    return guard('delete alias', async () => {
      await this.entities.AliasEntity.build(DeleteItemCommand)
        .key({ accountId, region, aliasName })
        .options({
          condition: expectedKeyId === undefined ? { attr: 'aliasName', exists: true } : { attr: 'keyId', eq: expectedKeyId },
        })
        .send()
    })
  }

  listByAccount(accountId: string, region: string): Promise<AliasRecord[]> {
    return guard('list aliases', async () => {
      const { Items = [] } = await this.table
        .build(QueryCommand)
        .entities(this.entities.AliasEntity)
        .query({ index: 'gsi1', partition: ownerPartition(accountId, region, 'ALIASES') })
        .options({ maxPages: Infinity })
        .send()
      return Items.map((i) => toAliasRecord(i as Record<string, unknown>))
    })
  }
}

export class DynamoCredentialRepository implements CredentialRepository {
  constructor(private readonly entities: KmsEntities) {}

  getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined> {
    return guard('get access key', async () => {
      const { Item } = await this.entities.AccessKeyEntity.build(GetItemCommand).key({ accessKeyId }).options({ consistent: true }).send()
      if (!Item) return undefined
      const { gsi1pk: _a, gsi1sk: _b, ...rest } = Item
      return rest as AccessKeyRecord
    })
  }

  createAccessKey(record: AccessKeyRecord): Promise<void> {
    return this.writeAccessKey(record, true)
  }

  putAccessKey(record: AccessKeyRecord): Promise<void> {
    return this.writeAccessKey(record, false)
  }

  private writeAccessKey(record: AccessKeyRecord, mustBeNew: boolean): Promise<void> {
    return guard('write access key', async () => {
      await this.entities.AccessKeyEntity.build(PutItemCommand)
        .item({
          ...record,
          gsi1pk: `ACCOUNT#${record.accountId}#ACCESSKEYS`,
          gsi1sk: record.accessKeyId,
        })
        .options(mustBeNew ? { condition: { attr: 'accessKeyId', exists: false } } : {})
        .send()
    })
  }

  getAccount(accountId: string): Promise<AccountRecord | undefined> {
    return guard('get account', async () => {
      const { Item } = await this.entities.AccountEntity.build(GetItemCommand).key({ accountId }).options({ consistent: true }).send()
      return Item as AccountRecord | undefined
    })
  }

  async ensureAccount(record: AccountRecord): Promise<void> {
    try {
      await guard('create account', async () => {
        await this.entities.AccountEntity.build(PutItemCommand)
          .item(record)
          .options({ condition: { attr: 'accountId', exists: false } })
          .send()
      })
    } catch (err) {
      if (!(err instanceof ConditionFailed)) throw err
    }
  }
}
