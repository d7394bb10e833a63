/**
 * The conditional writes of the key, alias and credential repositories (./repositories.ts) as
 * the requests they send, without a database: the repositories run on a document client that
 * records each command (dynamodb-toolbox builds the same input as `.params()`), and the tests
 * assert the item keys and the ConditionExpression. Behaviour on a real table is
 * test/contract/dynamodb.contract.test.ts.
 */
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ConditionFailed } from '../domain/ports'
import { KmsError } from '../errors'
import { accessKeyRecord, aliasRecord, keyRecord } from '../../test/contract/records'
import { createStore } from './index'
import { WireDocumentClient } from './wire/client'

/** A store whose client records every command and answers `{}` (or what `answer` throws). */
function recording(answer: (command: { input: Record<string, any> }) => unknown = () => ({})) {
  const sent: Array<{ input: Record<string, any> }> = []
  const store = createStore({ send: async (command: { input: Record<string, any> }) => (sent.push(command), answer(command)) }, 'kms-test')
  return { store, sent, only: () => (expect(sent).toHaveLength(1), sent[0]!) }
}

describe('key writes', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('create is a PutItem on KEY#<id>/META, absent only', async () => {
    const { store, only } = recording()
    await store.keys.create(keyRecord())
    const command = only()
    expect(command).toBeInstanceOf(PutCommand)
    expect(command.input).toMatchObject({
      TableName: 'kms-test',
      Item: { pk: 'KEY#key-1', sk: 'META', _et: 'Key', keyId: 'key-1', rev: 1 },
      ConditionExpression: 'attribute_not_exists(#c_1)',
      ExpressionAttributeNames: { '#c_1': 'keyId' },
    })
    expect(command.input.ExpressionAttributeValues).toBeUndefined()
  })

  it('create stores tags as pairs and the listing index of the account', async () => {
    const { store, only } = recording()
    await store.keys.create(keyRecord())
    expect(only().input.Item).toMatchObject({
      tags: [
        { k: 'env', v: 'test' },
        { k: 'constructor', v: 'x' },
      ],
      gsi1pk: 'ACCOUNT#1234567890123456#cn-hangzhou#KEYS',
      gsi1sk: '2026-11-01T00:00:00Z#key-1',
    })
    expect(only().input.Item).not.toHaveProperty('gsi2pk')
  })

  it('replace is a whole-item PutItem conditional on the rev that was read', async () => {
    const { store, only } = recording()
    await store.keys.replace(keyRecord({ rev: 8, automaticRotation: true, nextRotationDate: '2026-12-01T00:00:00Z' }), 7)
    const command = only()
    expect(command).toBeInstanceOf(PutCommand)
    expect(command.input).toMatchObject({
      Item: { pk: 'KEY#key-1', sk: 'META', rev: 8, gsi2pk: 'DUE#KEY_ROTATION', gsi2sk: '2026-12-01T00:00:00Z#key-1' },
      ConditionExpression: '#c_1 = :c_1',
      ExpressionAttributeNames: { '#c_1': 'rev' },
      ExpressionAttributeValues: { ':c_1': 7 },
    })
  })

  it('a Deleted tombstone leaves the listing partition', async () => {
    const { store, only } = recording()
    await store.keys.replace(keyRecord({ rev: 2, keyState: 'Deleted' }), 1)
    expect(only().input.Item.gsi1pk).toBe('ACCOUNT#1234567890123456#cn-hangzhou#DELETEDKEYS')
  })

  it('listDue queries the job’s gsi2 partition up to the time, one page, limit + 1', async () => {
    const { store, only } = recording(() => ({ Items: [] }))
    await store.keys.listDue('deletion', '2026-11-01T00:00:00Z', 5)
    const command = only()
    expect(command).toBeInstanceOf(QueryCommand)
    expect(command.input).toMatchObject({
      IndexName: 'gsi2',
      Limit: 6,
      KeyConditionExpression: '(#c0_1 = :c0_1) AND (#c0_2 <= :c0_2)',
      ExpressionAttributeNames: { '#c0_1': 'gsi2pk', '#c0_2': 'gsi2sk' },
      ExpressionAttributeValues: { ':c0_1': 'DUE#KEY_DELETION', ':c0_2': '2026-11-01T00:00:00Z#~' },
    })
  })

  it('the Worker’s wire client sends the same condition in DynamoDB JSON', async () => {
    const bodies: any[] = []
    vi.stubGlobal('fetch', async (_url: string, init: { body: Uint8Array; headers: Record<string, string> }) => {
      bodies.push({ target: init.headers['x-amz-target'], body: JSON.parse(new TextDecoder().decode(init.body)) })
      return new Response('{}', { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' } })
    })
    const wire = new WireDocumentClient({
      endpoint: 'http://127.0.0.1:1',
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    })
    await createStore(wire, 'kms-test').keys.replace(keyRecord({ rev: 2 }), 1)
    expect(bodies).toHaveLength(1)
    expect(bodies[0].target).toBe('DynamoDB_20120810.PutItem')
    expect(bodies[0].body).toMatchObject({
      TableName: 'kms-test',
      Item: { pk: { S: 'KEY#key-1' }, sk: { S: 'META' }, rev: { N: '2' } },
      ConditionExpression: '#c_1 = :c_1',
      ExpressionAttributeNames: { '#c_1': 'rev' },
      ExpressionAttributeValues: { ':c_1': { N: '1' } },
    })
  })
})

describe('alias writes', () => {
  const key = { pk: 'ALIAS#1234567890123456#cn-hangzhou#alias/a', sk: 'META' }

  it('create is a PutItem absent only', async () => {
    const { store, only } = recording()
    await store.aliases.create(aliasRecord())
    expect(only()).toBeInstanceOf(PutCommand)
    expect(only().input).toMatchObject({
      Item: { ...key, keyId: 'key-1', gsi1pk: 'ACCOUNT#1234567890123456#cn-hangzhou#ALIASES', gsi1sk: 'alias/a' },
      ConditionExpression: 'attribute_not_exists(#c_1)',
      ExpressionAttributeNames: { '#c_1': 'aliasName' },
    })
  })

  it('update without an expected target requires the alias to exist', async () => {
    const { store, only } = recording()
    await store.aliases.update(aliasRecord({ keyId: 'key-2' }))
    expect(only().input).toMatchObject({
      Item: { ...key, keyId: 'key-2' },
      ConditionExpression: 'attribute_exists(#c_1)',
      ExpressionAttributeNames: { '#c_1': 'aliasName' },
    })
  })

  it('update with an expected target is conditional on the target that was read', async () => {
    const { store, only } = recording()
    await store.aliases.update(aliasRecord({ keyId: 'key-2' }), 'key-1')
    expect(only().input).toMatchObject({
      Item: { ...key, keyId: 'key-2' },
      ConditionExpression: '#c_1 = :c_1',
      ExpressionAttributeNames: { '#c_1': 'keyId' },
      ExpressionAttributeValues: { ':c_1': 'key-1' },
    })
  })

  it('delete is a DeleteItem on the alias, present only or on its target', async () => {
    const { store, sent } = recording()
    await store.aliases.delete('1234567890123456', 'cn-hangzhou', 'alias/a')
    await store.aliases.delete('1234567890123456', 'cn-hangzhou', 'alias/a', 'key-1')
    expect(sent[0]).toBeInstanceOf(DeleteCommand)
    expect(sent[0]!.input).toMatchObject({
      Key: key,
      ConditionExpression: 'attribute_exists(#c_1)',
      ExpressionAttributeNames: { '#c_1': 'aliasName' },
    })
    expect(sent[1]!.input).toMatchObject({
      Key: key,
      ConditionExpression: '#c_1 = :c_1',
      ExpressionAttributeNames: { '#c_1': 'keyId' },
      ExpressionAttributeValues: { ':c_1': 'key-1' },
    })
  })
})

describe('credential writes', () => {
  it('createAccessKey is absent only; putAccessKey (bootstrap) is unconditional', async () => {
    const { store, sent } = recording()
    await store.credentials.createAccessKey(accessKeyRecord())
    await store.credentials.putAccessKey(accessKeyRecord())
    expect(sent[0]!.input).toMatchObject({
      Item: { pk: 'AK#LTAI0000000000000001', sk: 'META', gsi1pk: 'ACCOUNT#1234567890123456#ACCESSKEYS', gsi1sk: 'LTAI0000000000000001' },
      ConditionExpression: 'attribute_not_exists(#c_1)',
      ExpressionAttributeNames: { '#c_1': 'accessKeyId' },
    })
    expect(sent[1]!.input.Item.pk).toBe('AK#LTAI0000000000000001')
    expect(sent[1]!.input.ConditionExpression).toBeUndefined()
  })

  it('ensureAccount is absent only and takes a failed condition as done', async () => {
    const { store, only } = recording(() => {
      throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' })
    })
    await store.credentials.ensureAccount({ accountId: '1234567890123456', createdAt: '2026-11-01T00:00:00Z' })
    expect(only().input).toMatchObject({
      Item: { pk: 'ACCOUNT#1234567890123456', sk: 'META' },
      ConditionExpression: 'attribute_not_exists(#c_1)',
      ExpressionAttributeNames: { '#c_1': 'accountId' },
    })
  })
})

describe('store failures', () => {
  it('a failed condition is ConditionFailed; any other failure is store.unavailable', async () => {
    const failing = recording(() => {
      throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' })
    })
    await expect(failing.store.keys.replace(keyRecord({ rev: 2 }), 1)).rejects.toBeInstanceOf(ConditionFailed)
    const down = recording(() => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error' })
    })
    const err = await down.store.keys.create(keyRecord()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(KmsError)
    expect((err as KmsError).code).toBe('store.unavailable')
  })
})
