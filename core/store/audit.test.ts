import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put'
import { describe, expect, it } from 'vitest'
import { createStore } from './index'

// No I/O: only the parameters each way would send are compared.
const store = createStore(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }), 'kms-test')

describe('audit put (the one write of every call)', () => {
  for (const record of [
    { eventId: 'e1', body: '{"v":1}', accountId: '-', time: '2026-11-23T00:00:00.000Z' },
    { eventId: '0a1b2c3d-0000-8000-8000-000000000001', body: '{"a":"b"}', accountId: '1234567890', time: '2026-11-23T01:02:03.004Z' },
  ]) {
    it(`builds exactly the entity's PutItem (${record.eventId})`, async () => {
      const viaEntity = store.entities.AuditEventEntity.build(PutItemCommand)
        .item({
          ...record,
          gsi1pk: `AUDIT#ACCT#${record.accountId}`,
          gsi1sk: `${record.time}#${record.eventId}`,
          // the repository shards unsealed records; take its shard from the direct path
          gsi2pk: store.audit.putParams(record).Item.gsi2pk,
          gsi2sk: `${record.time}#${record.eventId}`,
        })
        .options({ condition: { attr: 'eventId', exists: false } })
        .params()
      const direct = store.audit.putParams(record)
      expect(direct.TableName).toBe(viaEntity.TableName)
      expect(direct.Item).toEqual(viaEntity.Item)
      expect(direct.ConditionExpression).toBe(viaEntity.ConditionExpression)
      expect(direct.ExpressionAttributeNames).toEqual(viaEntity.ExpressionAttributeNames)
      expect(viaEntity.ExpressionAttributeValues ?? {}).toEqual({})
    })
  }
})

describe('audit seal (one write per sealed record)', () => {
  const record = {
    eventId: '0a1b2c3d-0000-8000-8000-000000000002',
    body: '{"outcome":"Unknown"}',
    accountId: '1234567890',
    time: '2026-11-23T01:02:03.004Z',
    seq: 12_345,
    prevHash: 'a'.repeat(64),
    hash: 'b'.repeat(64),
    mac: 'c'.repeat(64),
    kid: 'rk-1',
  }
  it("builds exactly the entity's conditional PutItem", async () => {
    const viaEntity = store.entities.AuditEventEntity.build(PutItemCommand)
      .item({
        ...record,
        gsi1pk: `AUDIT#ACCT#${record.accountId}`,
        gsi1sk: `${record.time}#${record.eventId}`,
        gsi2pk: 'AUDIT#CHAIN#1',
        gsi2sk: '000000012345',
      })
      .options({
        condition: {
          and: [
            { attr: 'body', eq: '{"outcome":"Pending"}' },
            { attr: 'seq', exists: false },
          ],
        },
      })
      .params()
    const direct = store.audit.sealParams(record, '{"outcome":"Pending"}')
    expect(direct.TableName).toBe(viaEntity.TableName)
    expect(direct.Item).toEqual(viaEntity.Item)
    expect(direct.ConditionExpression).toBe(viaEntity.ConditionExpression)
    expect(direct.ExpressionAttributeNames).toEqual(viaEntity.ExpressionAttributeNames)
    expect(direct.ExpressionAttributeValues).toEqual(viaEntity.ExpressionAttributeValues)
  })
})

describe('nonce claims (one conditional UpdateItem per ledger item and group)', () => {
  const ledger = { accessKeyId: 'LTAIx', second: 1_764_763_200, expiresAt: 1_764_764_400 }
  it('per claim: sets every claim to the token, each conditional on its absence, with the expiry and the version', () => {
    const params = store.audit.claimParams(ledger, ['c01', 'c02'], 'tok', { returnClaims: true })
    expect(params).toEqual({
      TableName: 'kms-test',
      Key: { pk: 'CLAIM#LTAIx#1764763200', sk: 'CLAIMS' },
      UpdateExpression: 'SET #x = :x, #c0 = :t, #c1 = :t, #v = if_not_exists(#v, :zero) + :one',
      ConditionExpression: 'attribute_not_exists(#c0) AND attribute_not_exists(#c1)',
      ExpressionAttributeNames: { '#x': 'expiresAt', '#v': 'v', '#c0': 'c01', '#c1': 'c02' },
      ExpressionAttributeValues: { ':t': 'tok', ':x': 1_764_764_400, ':one': 1, ':zero': 0 },
      ReturnValues: 'ALL_NEW',
    })
  })
  it('versioned: the same sets, one condition on the version, however many claims', () => {
    const params = store.audit.claimParams(ledger, ['c01', 'c02', 'c03'], 'tok', { ifVersion: 7 })
    expect(params).toEqual({
      TableName: 'kms-test',
      Key: { pk: 'CLAIM#LTAIx#1764763200', sk: 'CLAIMS' },
      UpdateExpression: 'SET #x = :x, #c0 = :t, #c1 = :t, #c2 = :t, #v = :cur + :one',
      ConditionExpression: '#v = :cur',
      ExpressionAttributeNames: { '#x': 'expiresAt', '#v': 'v', '#c0': 'c01', '#c1': 'c02', '#c2': 'c03' },
      ExpressionAttributeValues: { ':t': 'tok', ':x': 1_764_764_400, ':one': 1, ':cur': 7 },
      ReturnValues: 'UPDATED_NEW',
    })
  })
})
