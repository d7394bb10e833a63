/**
 * The conditional writes of the audit repository (./audit.ts) besides put and seal (those are
 * ./audit.test.ts) as the requests they send, without a database. Behaviour on a real table is
 * test/contract/dynamodb.contract.test.ts.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb'
import { describe, expect, it } from 'vitest'
import { auditDigest, auditRecord, chainHead, sealed } from '../../test/contract/records'
import { createStore } from './index'

function recording() {
  const sent: Array<{ input: Record<string, any> }> = []
  const store = createStore({ send: async (command: { input: Record<string, any> }) => (sent.push(command), {}) }, 'kms-test')
  return { store, sent, only: () => (expect(sent).toHaveLength(1), sent[0]!) }
}

describe('audit record writes', () => {
  it('replaceUnsealed writes over the expected body of an unsealed record, without chain fields', async () => {
    const { store, only } = recording()
    await store.audit.replaceUnsealed(sealed(auditRecord({ body: '{"outcome":"Success"}' }), 5), '{"outcome":"Pending"}')
    expect(only()).toBeInstanceOf(PutCommand)
    expect(only().input).toMatchObject({
      Item: { pk: 'AUDIT#EVT#e-1', sk: 'EVENT', body: '{"outcome":"Success"}' },
      ConditionExpression: '(#c_1 = :c_1) AND (attribute_not_exists(#c_2))',
      ExpressionAttributeNames: { '#c_1': 'body', '#c_2': 'seq' },
      ExpressionAttributeValues: { ':c_1': '{"outcome":"Pending"}' },
    })
    expect(only().input.Item).not.toHaveProperty('seq')
    expect(only().input.Item).not.toHaveProperty('hash')
    expect(only().input.Item.gsi2pk).toMatch(/^AUDIT#PENDING#[0-7]$/)
  })

  it('reseal moves a record in the chain on the hash that was read', async () => {
    const { store, only } = recording()
    await store.audit.reseal(sealed(auditRecord(), 10_001), 'h-old')
    expect(only().input).toMatchObject({
      Item: { pk: 'AUDIT#EVT#e-1', sk: 'EVENT', seq: 10_001, gsi2pk: 'AUDIT#CHAIN#1', gsi2sk: '000000010001' },
      ConditionExpression: '#c_1 = :c_1',
      ExpressionAttributeNames: { '#c_1': 'hash' },
      ExpressionAttributeValues: { ':c_1': 'h-old' },
    })
  })
})

describe('chain head and digest writes', () => {
  it('putHead creates the head absent only, then replaces it on rev', async () => {
    const { store, sent } = recording()
    await store.audit.putHead(chainHead(), undefined)
    await store.audit.putHead(chainHead({ rev: 2 }), 1)
    expect(sent[0]!.input).toMatchObject({
      Item: { pk: 'AUDIT#HEAD#main', sk: 'META' },
      ConditionExpression: 'attribute_not_exists(#c_1)',
      ExpressionAttributeNames: { '#c_1': 'chain' },
    })
    expect(sent[1]!.input).toMatchObject({
      Item: { pk: 'AUDIT#HEAD#main', rev: 2 },
      ConditionExpression: '#c_1 = :c_1',
      ExpressionAttributeNames: { '#c_1': 'rev' },
      ExpressionAttributeValues: { ':c_1': 1 },
    })
  })

  it('putDigest is absent only, sorted by its zero-padded number', async () => {
    const { store, only } = recording()
    await store.audit.putDigest(auditDigest({ digestSeq: 42 }))
    expect(only().input).toMatchObject({
      Item: { pk: 'AUDIT#DIGEST', sk: '000000000042' },
      ConditionExpression: 'attribute_not_exists(#c_1)',
      ExpressionAttributeNames: { '#c_1': 'digestSeq' },
    })
  })
})
