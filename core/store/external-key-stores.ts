/**
 * @module core/store/external-key-stores
 *
 * External key stores and external-key bindings (core/domain/keys/external) in the one table
 * (SCHEMA.md "External key stores"). Entities are defined here, on the shared table, so the
 * key entity and its repository stay untouched:
 *
 * | Entity | pk | sk |
 * |---|---|---|
 * | ExternalKeyStore | `XKS#<keyStoreId>` | `META` |
 * | ExternalKeyBinding | `KEY#<keyId>` | `XKS` |
 *
 * One conditional write per change: stores are created absent and replaced on `rev`; a binding
 * is created absent before its key row and never changes.
 */
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get'
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put'
import { Entity } from 'dynamodb-toolbox/entity'
import { item } from 'dynamodb-toolbox/schema/item'
import { number } from 'dynamodb-toolbox/schema/number'
import { string } from 'dynamodb-toolbox/schema/string'

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
    }),
    computeKey: ({ keyId }: { keyId: string }) => ({ pk: `KEY#${keyId}`, sk: 'XKS' }),
  })
  return { StoreEntity, BindingEntity }
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

  constructor(table: KmsTable) {
    this.e = createXksEntities(table)
  }

  getStore(keyStoreId: string, fresh = false): Promise<ExternalKeyStoreRecord | undefined> {
    const hit = this.stores.get(keyStoreId)
    if (!fresh && hit && Date.now() - hit.at < STORE_CACHE_MS) return Promise.resolve(hit.store)
    return guard('get key store', async () => {
      const { Item } = await this.e.StoreEntity.build(GetItemCommand).key({ keyStoreId }).options({ consistent: true }).send()
      const store = Item ? (stripUndefined({ ...Item }) as ExternalKeyStoreRecord) : undefined
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
        .item(stripUndefined({ ...store }))
        .options({ condition: { attr: 'keyStoreId', exists: false } })
        .send()
    })
  }

  replaceStore(store: ExternalKeyStoreRecord, expectedRev: number): Promise<void> {
    return guard('replace key store', async () => {
      await this.e.StoreEntity.build(PutItemCommand)
        .item(stripUndefined({ ...store }))
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
      const binding: ExternalKeyBindingRecord = {
        keyId: Item.keyId,
        keyStoreId: Item.keyStoreId,
        externalKeyId: Item.externalKeyId,
        wrappedLayerKey: Item.wrappedLayerKey,
      }
      if (this.bindings.size > 10_000) this.bindings.clear()
      this.bindings.set(keyId, binding)
      return binding
    })
  }

  createBinding(binding: ExternalKeyBindingRecord): Promise<void> {
    return guard('create key binding', async () => {
      await this.e.BindingEntity.build(PutItemCommand)
        .item({ ...binding })
        .options({ condition: { attr: 'keyId', exists: false } })
        .send()
    })
  }
}
