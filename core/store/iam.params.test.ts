/**
 * The conditional writes of the IAM repository (./iam.ts) and the instance quota (./instances.ts)
 * as the requests they send, without a database. Behaviour on a real table is
 * test/contract/dynamodb.contract.test.ts.
 */
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { describe, expect, it } from 'vitest'
import { attachmentRecord, userRecord } from '../../test/contract/records'
import { createStore } from './index'

function recording(answer: () => unknown = () => ({})) {
  const sent: Array<{ input: Record<string, any> }> = []
  const store = createStore({ send: async (command: { input: Record<string, any> }) => (sent.push(command), answer()) }, 'kms-test')
  return { store, sent, only: () => (expect(sent).toHaveLength(1), sent[0]!) }
}

const ACCOUNT = '1234567890123456'

describe('user writes', () => {
  it('createUser is absent only; replaceUser and deleteUser are on the rev that was read', async () => {
    const { store, sent } = recording()
    await store.iam.createUser(userRecord())
    await store.iam.replaceUser(userRecord({ rev: 3 }), 2)
    await store.iam.deleteUser(ACCOUNT, 'alice', 3)
    const key = { pk: `USER#${ACCOUNT}#alice`, sk: 'META' }
    expect(sent[0]).toBeInstanceOf(PutCommand)
    expect(sent[0]!.input).toMatchObject({
      Item: { ...key, gsi1pk: `ACCOUNT#${ACCOUNT}#USERS`, gsi1sk: 'alice' },
      ConditionExpression: 'attribute_not_exists(#c_1)',
      ExpressionAttributeNames: { '#c_1': 'userName' },
    })
    expect(sent[1]!.input).toMatchObject({
      Item: { ...key, rev: 3 },
      ConditionExpression: '#c_1 = :c_1',
      ExpressionAttributeNames: { '#c_1': 'rev' },
      ExpressionAttributeValues: { ':c_1': 2 },
    })
    expect(sent[2]).toBeInstanceOf(DeleteCommand)
    expect(sent[2]!.input).toMatchObject({ Key: key, ConditionExpression: '#c_1 = :c_1', ExpressionAttributeValues: { ':c_1': 3 } })
  })
})

describe('attachment writes', () => {
  it('createAttachment is absent only; deleteAttachment present only', async () => {
    const { store, sent } = recording()
    await store.iam.createAttachment(attachmentRecord())
    await store.iam.deleteAttachment(ACCOUNT, 'alice', 'Custom', 'ReadKeys')
    const key = { pk: `USERPOLICY#${ACCOUNT}#alice`, sk: 'Custom#ReadKeys' }
    expect(sent[0]!.input).toMatchObject({
      Item: { ...key, gsi1pk: `POLICYUSERS#${ACCOUNT}#Custom#ReadKeys`, gsi1sk: 'alice' },
      ConditionExpression: 'attribute_not_exists(#c_1)',
      ExpressionAttributeNames: { '#c_1': 'policyName' },
    })
    expect(sent[1]).toBeInstanceOf(DeleteCommand)
    expect(sent[1]!.input).toMatchObject({
      Key: key,
      ConditionExpression: 'attribute_exists(#c_1)',
      ExpressionAttributeNames: { '#c_1': 'policyName' },
    })
  })
})

describe('AccessKey writes', () => {
  const owner = {
    ConditionExpression: '(#c_1 = :c_1) AND (#c_2 = :c_2)',
    ExpressionAttributeNames: { '#c_1': 'accountId', '#c_2': 'principal' },
    ExpressionAttributeValues: { ':c_1': ACCOUNT, ':c_2': 'alice' },
  }

  it('setAccessKeyStatus is an UpdateItem of the status, only for the owning account and principal', async () => {
    const { store, only } = recording()
    await store.iam.setAccessKeyStatus('LTAI1', ACCOUNT, 'alice', 'Inactive')
    expect(only()).toBeInstanceOf(UpdateCommand)
    expect(only().input).toMatchObject({ Key: { pk: 'AK#LTAI1', sk: 'META' }, ...owner })
    expect(only().input.ExpressionAttributeValues).toMatchObject({ ':s_2': 'Inactive' })
  })

  it('deleteAccessKey is a DeleteItem only for the owning account and principal', async () => {
    const { store, only } = recording()
    await store.iam.deleteAccessKey('LTAI1', ACCOUNT, 'alice')
    expect(only()).toBeInstanceOf(DeleteCommand)
    expect(only().input).toMatchObject({ Key: { pk: 'AK#LTAI1', sk: 'META' }, ...owner })
  })
})

describe('resource policy writes', () => {
  const record = (rev: number) => ({
    target: { kind: 'key' as const, keyId: 'key-1' },
    accountId: ACCOUNT,
    document: '{}',
    updatedAt: 'u',
    rev,
  })

  it('put without an expected rev is absent only; with one, on that rev', async () => {
    const { store, sent } = recording()
    await store.iam.putResourcePolicy(record(1), undefined)
    await store.iam.putResourcePolicy(record(2), 1)
    expect(sent[0]!.input).toMatchObject({
      Item: { pk: 'KEYPOLICY#key-1', sk: 'META' },
      ConditionExpression: 'attribute_not_exists(#c_1)',
      ExpressionAttributeNames: { '#c_1': 'target' },
    })
    expect(sent[1]!.input).toMatchObject({ ConditionExpression: '#c_1 = :c_1', ExpressionAttributeValues: { ':c_1': 1 } })
  })

  it('a secret’s policy is keyed by one creation of the secret', async () => {
    const { store, only } = recording()
    await store.iam.deleteResourcePolicy({ kind: 'secret', accountId: ACCOUNT, region: 'cn-hangzhou', secretName: 's', uid: 'u1' }, 4)
    expect(only().input).toMatchObject({
      Key: { pk: `SECRETPOLICY#${ACCOUNT}#cn-hangzhou#s#u1`, sk: 'META' },
      ConditionExpression: '#c_1 = :c_1',
      ExpressionAttributeValues: { ':c_1': 4 },
    })
  })

  it('delete without an expected rev is unconditional (idempotent)', async () => {
    const { store, only } = recording()
    await store.iam.deleteResourcePolicy({ kind: 'key', keyId: 'key-1' })
    expect(only().input.ConditionExpression).toBeUndefined()
  })
})

describe('instance quota', () => {
  it('reserve adds one to the counter only while it is below the quota', async () => {
    const { store, only } = recording()
    await store.instances.reserve('kst-1', 'secret')
    expect(only()).toBeInstanceOf(UpdateCommand)
    expect(only().input).toMatchObject({
      Key: { pk: 'INSTANCE#kst-1', sk: 'META' },
      ConditionExpression: '(attribute_exists(#c_1)) AND (#c_2 < #c_3)',
      ExpressionAttributeNames: { '#c_1': 'instanceId', '#c_2': 'secretCount', '#c_3': 'secretNum', '#a_1': 'secretCount' },
      ExpressionAttributeValues: { ':a_1': 1 },
    })
    expect(only().input.UpdateExpression).toContain('ADD #a_1 :a_1')
  })

  it('release takes one back only above zero, and a failed condition is a no-op', async () => {
    const { store, only } = recording(() => {
      throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' })
    })
    await store.instances.release('kst-1', 'key')
    expect(only().input).toMatchObject({
      ConditionExpression: '(attribute_exists(#c_1)) AND (#c_2 > :c_1)',
      ExpressionAttributeNames: { '#c_2': 'keyCount' },
      ExpressionAttributeValues: { ':c_1': 0, ':a_1': -1 },
    })
  })
})
