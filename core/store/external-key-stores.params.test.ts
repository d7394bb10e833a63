/**
 * The external key store repository (./external-key-stores.ts) as the requests it sends, without
 * a database: stores and bindings carry their gsi1 attributes, stores are created absent and
 * replaced/deleted on `rev`, and the listings are gsi1 queries that follow LastEvaluatedKey.
 * Behaviour on a real table: test/integration/aws-custom-key-stores.test.ts.
 */
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb'
import { describe, expect, it } from 'vitest'
import type { ExternalKeyStoreRecord } from '../domain/keys/external/model'
import { DynamoExternalKeyStoreRepository } from './external-key-stores'
import { createStore } from './index'

const ACCOUNT = '1234567890123456'

function recording(answers: Array<() => unknown> = []) {
  const sent: Array<{ input: Record<string, any> }> = []
  const store = createStore(
    { send: async (command: { input: Record<string, any> }) => (sent.push(command), (answers.shift() ?? (() => ({})))()) },
    'kms-test',
  )
  return { repo: new DynamoExternalKeyStoreRepository(store.table), sent }
}

const record = (over: Partial<ExternalKeyStoreRecord> = {}): ExternalKeyStoreRecord => ({
  keyStoreId: 'xks-0123456789abcdef01234567',
  accountId: ACCOUNT,
  region: 'cn-hangzhou',
  keyStoreName: 'store',
  proxyUrl: 'https://xks.example.com',
  uriPrefix: '/p',
  accessKeyId: 'ABCDEFGHIJKLMNOPQRSTUVWX',
  wrappedSecret: 'rk1.x.y',
  connectionState: 'Disconnected',
  createdAt: '2026-12-03T17:00:00Z',
  rev: 1,
  ...over,
})

describe('external key store writes', () => {
  it('create is absent only with gsi1; replace and delete are on the rev that was read', async () => {
    const { repo, sent } = recording()
    await repo.createStore(record())
    await repo.replaceStore(record({ rev: 3, keyStoreName: 'renamed' }), 2)
    await repo.deleteStore('xks-0123456789abcdef01234567', 3)
    const key = { pk: 'XKS#xks-0123456789abcdef01234567', sk: 'META' }
    const gsi = { gsi1pk: `ACCOUNT#${ACCOUNT}#cn-hangzhou#XKS`, gsi1sk: '2026-12-03T17:00:00Z#xks-0123456789abcdef01234567' }
    expect(sent[0]).toBeInstanceOf(PutCommand)
    expect(sent[0]!.input).toMatchObject({ Item: { ...key, ...gsi }, ConditionExpression: 'attribute_not_exists(#c_1)' })
    expect(sent[1]!.input).toMatchObject({
      Item: { ...key, ...gsi, rev: 3, keyStoreName: 'renamed' },
      ConditionExpression: '#c_1 = :c_1',
      ExpressionAttributeNames: { '#c_1': 'rev' },
      ExpressionAttributeValues: { ':c_1': 2 },
    })
    expect(sent[2]).toBeInstanceOf(DeleteCommand)
    expect(sent[2]!.input).toMatchObject({ Key: key, ConditionExpression: '#c_1 = :c_1', ExpressionAttributeValues: { ':c_1': 3 } })
  })

  it('a binding carries the gsi1 of its store', async () => {
    const { repo, sent } = recording()
    await repo.createBinding({ keyId: 'k-1', keyStoreId: 'xks-0123456789abcdef01234567', externalKeyId: 'e', wrappedLayerKey: 'w' })
    expect(sent[0]!.input).toMatchObject({
      Item: { pk: 'KEY#k-1', sk: 'XKS', gsi1pk: 'XKS#xks-0123456789abcdef01234567#KEYS', gsi1sk: 'k-1' },
      ConditionExpression: 'attribute_not_exists(#c_1)',
    })
  })
})

describe('external key store listings', () => {
  it('listStores queries gsi1 for the account and region, page after page, and strips the index attributes', async () => {
    const item = (id: string) => ({
      ...record({ keyStoreId: id }),
      pk: `XKS#${id}`,
      sk: 'META',
      _et: 'ExternalKeyStore',
      gsi1pk: `ACCOUNT#${ACCOUNT}#cn-hangzhou#XKS`,
      gsi1sk: `x#${id}`,
    })
    const { repo, sent } = recording([
      () => ({ Items: [item('xks-000000000000000000000001')], LastEvaluatedKey: { pk: 'XKS#xks-000000000000000000000001' } }),
      () => ({ Items: [item('xks-000000000000000000000002')] }),
    ])
    const stores = await repo.listStores(ACCOUNT, 'cn-hangzhou')
    expect(stores.map((s) => s.keyStoreId)).toEqual(['xks-000000000000000000000001', 'xks-000000000000000000000002'])
    expect(stores[0]).toEqual(record({ keyStoreId: 'xks-000000000000000000000001' }))
    expect(sent).toHaveLength(2)
    expect(sent[0]).toBeInstanceOf(QueryCommand)
    expect(sent[0]!.input).toMatchObject({
      IndexName: 'gsi1',
      ExpressionAttributeValues: { ':c0_1': `ACCOUNT#${ACCOUNT}#cn-hangzhou#XKS` },
    })
    expect(sent[1]!.input).toMatchObject({ ExclusiveStartKey: { pk: 'XKS#xks-000000000000000000000001' } })
  })

  it("listBindings queries gsi1 for the store's keys", async () => {
    const { repo, sent } = recording([
      () => ({
        Items: [
          {
            pk: 'KEY#k-1',
            sk: 'XKS',
            _et: 'ExternalKeyBinding',
            keyId: 'k-1',
            keyStoreId: 'xks-0123456789abcdef01234567',
            externalKeyId: 'e',
            wrappedLayerKey: 'w',
            gsi1pk: 'XKS#xks-0123456789abcdef01234567#KEYS',
            gsi1sk: 'k-1',
          },
        ],
      }),
    ])
    expect(await repo.listBindings('xks-0123456789abcdef01234567')).toEqual([
      { keyId: 'k-1', keyStoreId: 'xks-0123456789abcdef01234567', externalKeyId: 'e', wrappedLayerKey: 'w' },
    ])
    expect(sent[0]!.input).toMatchObject({
      IndexName: 'gsi1',
      ExpressionAttributeValues: { ':c0_1': 'XKS#xks-0123456789abcdef01234567#KEYS' },
    })
  })
})
