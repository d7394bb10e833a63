/**
 * The conditional writes of the secrets repository (./secrets.ts) as the requests they send,
 * without a database: heads change on `rev`, version items are created absent and replaced or
 * deleted on the `token` that was read. Behaviour on a real table is
 * test/contract/dynamodb.contract.test.ts.
 */
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb'
import { describe, expect, it } from 'vitest'
import { secretHead, secretVersion } from '../../test/contract/records'
import { createStore } from './index'

function recording(answer: () => unknown = () => ({})) {
  const sent: Array<{ input: Record<string, any> }> = []
  const store = createStore({ send: async (command: { input: Record<string, any> }) => (sent.push(command), answer()) }, 'kms-test')
  return { store, sent, only: () => (expect(sent).toHaveLength(1), sent[0]!) }
}

const head = { pk: 'SECRET#1234567890123456#cn-hangzhou#db-password', sk: 'META' }
const version = { pk: 'SECRET#1234567890123456#cn-hangzhou#db-password', sk: 'VERSION#v1' }

describe('secret head writes', () => {
  it('createHead is a PutItem on META, absent only', async () => {
    const { store, only } = recording()
    await store.secrets.createHead(secretHead())
    expect(only()).toBeInstanceOf(PutCommand)
    expect(only().input).toMatchObject({
      TableName: 'kms-test',
      Item: { ...head, _et: 'Secret', rev: 1, gsi1pk: 'ACCOUNT#1234567890123456#cn-hangzhou#SECRETS', gsi1sk: 'db-password' },
      ConditionExpression: 'attribute_not_exists(#c_1)',
      ExpressionAttributeNames: { '#c_1': 'secretName' },
    })
    expect(only().input.Item).not.toHaveProperty('gsi2pk')
  })

  it('replaceHead is a whole-item PutItem on the rev that was read, with the due-time index', async () => {
    const { store, only } = recording()
    await store.secrets.replaceHead(secretHead({ rev: 4, state: 'PendingDeletion', plannedDeleteTime: '2026-11-08T00:00:00Z' }), 3)
    expect(only().input).toMatchObject({
      Item: {
        ...head,
        rev: 4,
        stages: [{ k: 'ACSCurrent', v: 'v1' }],
        gsi2pk: 'DUE#SECRET',
        gsi2sk: '2026-11-08T00:00:00Z#1234567890123456#cn-hangzhou#db-password',
      },
      ConditionExpression: '#c_1 = :c_1',
      ExpressionAttributeNames: { '#c_1': 'rev' },
      ExpressionAttributeValues: { ':c_1': 3 },
    })
  })

  it('deleteHead is a DeleteItem on the rev that was read', async () => {
    const { store, only } = recording()
    await store.secrets.deleteHead('1234567890123456', 'cn-hangzhou', 'db-password', 3)
    expect(only()).toBeInstanceOf(DeleteCommand)
    expect(only().input).toMatchObject({
      Key: head,
      ConditionExpression: '#c_1 = :c_1',
      ExpressionAttributeNames: { '#c_1': 'rev' },
      ExpressionAttributeValues: { ':c_1': 3 },
    })
  })

  it('listDue queries DUE#SECRET strictly before `<now>$`, one page, limit + 1', async () => {
    const { store, only } = recording(() => ({ Items: [] }))
    await store.secrets.listDue('2026-11-01T00:00:00Z', 5)
    expect(only()).toBeInstanceOf(QueryCommand)
    expect(only().input).toMatchObject({
      IndexName: 'gsi2',
      Limit: 6,
      KeyConditionExpression: '(#c0_1 = :c0_1) AND (#c0_2 < :c0_2)',
      ExpressionAttributeNames: { '#c0_1': 'gsi2pk', '#c0_2': 'gsi2sk' },
      ExpressionAttributeValues: { ':c0_1': 'DUE#SECRET', ':c0_2': '2026-11-01T00:00:00Z$' },
    })
  })
})

describe('secret version writes', () => {
  it('createVersion is a PutItem on VERSION#<id>, absent only', async () => {
    const { store, only } = recording()
    await store.secrets.createVersion(secretVersion())
    expect(only()).toBeInstanceOf(PutCommand)
    expect(only().input).toMatchObject({
      Item: { ...version, _et: 'SecretVersion', token: 'token-1' },
      ConditionExpression: 'attribute_not_exists(#c_1)',
      ExpressionAttributeNames: { '#c_1': 'versionId' },
    })
  })

  it('replaceVersion is a PutItem on the token that was read', async () => {
    const { store, only } = recording()
    await store.secrets.replaceVersion(secretVersion({ token: 'token-2' }), 'token-1')
    expect(only().input).toMatchObject({
      Item: { ...version, token: 'token-2' },
      ConditionExpression: '#c_1 = :c_1',
      ExpressionAttributeNames: { '#c_1': 'token' },
      ExpressionAttributeValues: { ':c_1': 'token-1' },
    })
  })

  it('deleteVersion is a DeleteItem on the token that was read', async () => {
    const { store, only } = recording()
    await store.secrets.deleteVersion('1234567890123456', 'cn-hangzhou', 'db-password', 'v1', 'token-1')
    expect(only()).toBeInstanceOf(DeleteCommand)
    expect(only().input).toMatchObject({
      Key: version,
      ConditionExpression: '#c_1 = :c_1',
      ExpressionAttributeNames: { '#c_1': 'token' },
      ExpressionAttributeValues: { ':c_1': 'token-1' },
    })
  })

  it('listVersionItems is one consistent Query on the secret’s partition', async () => {
    const { store, only } = recording(() => ({ Items: [] }))
    await store.secrets.listVersionItems('1234567890123456', 'cn-hangzhou', 'db-password')
    expect(only().input).toMatchObject({
      ConsistentRead: true,
      KeyConditionExpression: '(#c0_1 = :c0_1) AND (begins_with(#c0_2, :c0_2))',
      ExpressionAttributeValues: { ':c0_1': version.pk, ':c0_2': 'VERSION#' },
    })
    expect(only().input.IndexName).toBeUndefined()
  })
})
