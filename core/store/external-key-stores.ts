/**
 * @module core/store/external-key-stores
 *
 * External key stores and external-key bindings (core/domain/keys/external) in the one table
 * (SCHEMA.md "External key stores"). Entities are defined here, on the shared table, so the
 * key entity and its repository stay untouched:
 *
 * | Entity | pk | sk |
 * |---|---|---|
 * | Entity | pk | sk | gsi1pk | gsi1sk |
 * |---|---|---|---|---|
 * | ExternalKeyStore | `XKS#<keyStoreId>` | `META` | `ACCOUNT#<acct>#<region>#XKS` | `<createdAt>#<keyStoreId>` |
 * | ExternalKeyBinding | `KEY#<keyId>` | `XKS` | `XKS#<keyStoreId>#KEYS` | `<keyId>` |
 *
 * One conditional write per change: stores are created absent, replaced and deleted on `rev`; a
 * binding is created absent before its key row and never changes. gsi1 lists an account's stores
 * (DescribeCustomKeyStores, the name check) and a store's bindings (DeleteCustomKeyStore's
 * has-keys check); items written before gsi1 was added carry no gsi1 attributes until their next
 * write (a store: its next Connect/Disconnect/Update; a binding: never).
 */
import { DeleteItemCommand } from 'dynamodb-toolbox/entity/actions/delete'
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get'
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put'
import { Entity } from 'dynamodb-toolbox/entity'
import { item } from 'dynamodb-toolbox/schema/item'
import { number } from 'dynamodb-toolbox/schema/number'
import { string } from 'dynamodb-toolbox/schema/string'
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query'

import type { ExternalKeyBindingRecord, ExternalKeyStoreRecord, ExternalKeyStoreRepository } from '../domain/keys/external/model'
import { guard, stripUndefined } from './common'
import type { KmsTable } from './table'

function createXksEntities(table: KmsTable) {
  const StoreEntity = new Entity({
    name: 'ExternalKeyStore',
    table,
    timestamps: false,
    schema: item({
      keyStoreId: string().key(),
      accountId: string(),
      region: string(),
      keyStoreName: string(),
      proxyUrl: string(),
      uriPrefix: string(),
      accessKeyId: string(),
      wrappedSecret: string(),
      connectionState: string(),
      connectionErrorCode: string().optional(),
      createdAt: string(),
      rev: number(),
      gsi1pk: string().optional(),
      gsi1sk: string().optional(),
    }),
    computeKey: ({ keyStoreId }: { keyStoreId: string }) => ({ pk: `XKS#${keyStoreId}`, sk: 'META' }),
  })
  const BindingEntity = new Entity({
    name: 'ExternalKeyBinding',
    table,
    timestamps: false,
    schema: item({
      keyId: string().key(),
      keyStoreId: string(),
      externalKeyId: string(),
      wrappedLayerKey: string(),
      gsi1pk: string().optional(),
      gsi1sk: string().optional(),
    }),
    computeKey: ({ keyId }: { keyId: string }) => ({ pk: `KEY#${keyId}`, sk: 'XKS' }),
  })
  return { StoreEntity, BindingEntity }
}

const storesPartition = (accountId: string, region: string) => `ACCOUNT#${accountId}#${region}#XKS`
const bindingsPartition = (keyStoreId: string) => `XKS#${keyStoreId}#KEYS`

function storeItem(store: ExternalKeyStoreRecord) {
  return stripUndefined({
    ...store,
    gsi1pk: storesPartition(store.accountId, store.region),
    gsi1sk: `${store.createdAt}#${store.keyStoreId}`,
  })
}

function toStore(item: Record<string, unknown>): ExternalKeyStoreRecord {
  const { gsi1pk: _p, gsi1sk: _s, ...rest } = item
  return stripUndefined(rest) as unknown as ExternalKeyStoreRecord
}

function toBinding(item: { keyId: string; keyStoreId: string; externalKeyId: string; wrappedLayerKey: string }): ExternalKeyBindingRecord {
  return { keyId: item.keyId, keyStoreId: item.keyStoreId, externalKeyId: item.externalKeyId, wrappedLayerKey: item.wrappedLayerKey }
}

/** How long a store read serves crypto calls in one isolate. */
export const STORE_CACHE_MS = 2000

const byTable = new WeakMap<object, DynamoExternalKeyStoreRepository>()

/** The repository for `table` (one per table object). */
export function externalKeyStores(table: KmsTable): DynamoExternalKeyStoreRepository {
  let repo = byTable.get(table)
  if (repo === undefined) {
    repo = new DynamoExternalKeyStoreRepository(table)
    byTable.set(table, repo)
  }
  return repo
}

export class DynamoExternalKeyStoreRepository implements ExternalKeyStoreRepository {
  private readonly e: ReturnType<typeof createXksEntities>
  /** Bindings never change: cached for the isolate's life. */
  private readonly bindings = new Map<string, ExternalKeyBindingRecord>()
  /**
   * Stores, for {@link STORE_CACHE_MS}: a crypto call need not read its store each time. A
   * Connect/Disconnect through this isolate updates the entry at once; other isolates see it
   * within the bound.
   */
  private readonly stores = new Map<string, { store: ExternalKeyStoreRecord; at: number }>()

  constructor(private readonly table: KmsTable) {
    this.e = createXksEntities(table)
  }

  getStore(keyStoreId: string, fresh = false): Promise<ExternalKeyStoreRecord | undefined> {
    const hit = this.stores.get(keyStoreId)
    if (!fresh && hit && Date.now() - hit.at < STORE_CACHE_MS) return Promise.resolve(hit.store)
    return guard('get key store', async () => {
      const { Item } = await this.e.StoreEntity.build(GetItemCommand).key({ keyStoreId }).options({ consistent: true }).send()
      const store = Item ? toStore({ ...Item }) : undefined
      if (store) this.remember(store)
      return store
    })
  }

  private remember(store: ExternalKeyStoreRecord): void {
    if (this.stores.size > 1000) this.stores.clear()
    this.stores.set(store.keyStoreId, { store, at: Date.now() })
  }

  createStore(store: ExternalKeyStoreRecord): Promise<void> {
    return guard('create key store', async () => {
      await this.e.StoreEntity.build(PutItemCommand)
        .item(storeItem(store))
        .options({ condition: { attr: 'keyStoreId', exists: false } })
        .send()
    })
  }

  replaceStore(store: ExternalKeyStoreRecord, expectedRev: number): Promise<void> {
    return guard('replace key store', async () => {
      await this.e.StoreEntity.build(PutItemCommand)
        .item(storeItem(store))
        .options({ condition: { attr: 'rev', eq: expectedRev } })
        .send()
      this.remember(store)
    })
  }

  getBinding(keyId: string): Promise<ExternalKeyBindingRecord | undefined> {
    const hit = this.bindings.get(keyId)
    if (hit) return Promise.resolve(hit)
    return guard('get key binding', async () => {
      const { Item } = await this.e.BindingEntity.build(GetItemCommand).key({ keyId }).options({ consistent: true }).send()
      if (!Item) return undefined
      const binding = toBinding(Item)
      if (this.bindings.size > 10_000) this.bindings.clear()
      this.bindings.set(keyId, binding)
      return binding
    })
  }

  createBinding(binding: ExternalKeyBindingRecord): Promise<void> {
    return guard('create key binding', async () => {
      await this.e.BindingEntity.build(PutItemCommand)
        .item({ ...binding, gsi1pk: bindingsPartition(binding.keyStoreId), gsi1sk: binding.keyId })
        .options({ condition: { attr: 'keyId', exists: false } })
        .send()
    })
  }

  listStores(accountId: string, region: string): Promise<ExternalKeyStoreRecord[]> {
    return guard('list key stores', async () => {
      const out: ExternalKeyStoreRecord[] = []
      let exclusiveStartKey: Record<string, unknown> | undefined
      do {
        const page = await this.table
          .build(QueryCommand)
          .entities(this.e.StoreEntity)
          .query({ index: 'gsi1', partition: storesPartition(accountId, region) })
          .options({ limit: 1000, ...(exclusiveStartKey ? { exclusiveStartKey } : {}) })
          .send()
        for (const i of page.Items ?? []) out.push(toStore({ ...(i as Record<string, unknown>) }))
        exclusiveStartKey = page.LastEvaluatedKey as Record<string, unknown> | undefined
      } while (exclusiveStartKey)
      return out
    })
  }

  deleteStore(keyStoreId: string, expectedRev: number): Promise<void> {
    return guard('delete key store', async () => {
      await this.e.StoreEntity.build(DeleteItemCommand)
        .key({ keyStoreId })
        .options({ condition: { attr: 'rev', eq: expectedRev } })
        .send()
      this.stores.delete(keyStoreId)
    })
  }

  listBindings(keyStoreId: string): Promise<ExternalKeyBindingRecord[]> {
    return guard('list key bindings', async () => {
      const out: ExternalKeyBindingRecord[] = []
      let exclusiveStartKey: Record<string, unknown> | undefined
      do {
        const page = await this.table
          .build(QueryCommand)
          .entities(this.e.BindingEntity)
          .query({ index: 'gsi1', partition: bindingsPartition(keyStoreId) })
          .options({ limit: 1000, ...(exclusiveStartKey ? { exclusiveStartKey } : {}) })
          .send()
        for (const i of page.Items ?? []) out.push(toBinding(i))
        exclusiveStartKey = page.LastEvaluatedKey as Record<string, unknown> | undefined
      } while (exclusiveStartKey)
      return out
    })
  }
}
