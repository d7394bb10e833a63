/**
 * The three official SDKs drive the same flow end to end: create a key, encrypt, decrypt, alias,
 * tag, disable, schedule deletion — with the results and error codes Alibaba documents.
 */
import { describe, expect, it } from 'vitest'
import { b64, Kms, kmsClient, openApiCaller, popCaller, sdkError, stackInfo, unb64 } from './clients'

describe('kms20160120 (V1 HMAC-SHA1, POST query)', () => {
  it('creates a key, encrypts, decrypts, aliases, tags, disables and schedules deletion', async () => {
    const client = kmsClient()
    const created = await client.createKey(new Kms.CreateKeyRequest({ description: 'smoke' }))
    const meta = created.keyMetadata
    expect(meta.keyState).toBe('Enabled')
    expect(meta.keySpec).toBe('Aliyun_AES_256')
    expect(meta.keyUsage).toBe('ENCRYPT/DECRYPT')
    expect(meta.protectionLevel).toBe('SOFTWARE')
    expect(meta.arn).toBe(`acs:kms:${meta.arn.split(':')[2]}:${meta.creator}:key/${meta.keyId}`)

    const enc = await client.encrypt(
      new Kms.EncryptRequest({ keyId: meta.keyId, plaintext: b64('hello world'), encryptionContext: { purpose: 'test', app: 'x' } }),
    )
    expect(enc.keyId).toBe(meta.keyId)
    expect(enc.keyVersionId).toBe(meta.primaryKeyVersion)
    const dec = await client.decrypt(
      new Kms.DecryptRequest({ ciphertextBlob: enc.ciphertextBlob, encryptionContext: { app: 'x', purpose: 'test' } }),
    )
    expect(unb64(dec.plaintext)).toBe('hello world')
    expect(dec.keyId).toBe(meta.keyId)

    const alias = `alias/smoke-${meta.keyId.slice(0, 8)}`
    await client.createAlias(new Kms.CreateAliasRequest({ aliasName: alias, keyId: meta.keyId }))
    const viaAlias = await client.encrypt(new Kms.EncryptRequest({ keyId: alias, plaintext: b64('x') }))
    expect(viaAlias.keyId).toBe(meta.keyId)
    const byKey = await client.listAliasesByKeyId(new Kms.ListAliasesByKeyIdRequest({ keyId: meta.keyId }))
    expect(byKey.aliases.alias.map((a) => a.aliasName)).toEqual([alias])

    await client.tagResource(new Kms.TagResourceRequest({ keyId: meta.keyId, tags: JSON.stringify([{ TagKey: 'env', TagValue: 'dev' }]) }))
    const tags = await client.listResourceTags(new Kms.ListResourceTagsRequest({ keyId: meta.keyId }))
    expect(tags.tags.tag).toEqual([expect.objectContaining({ keyId: meta.keyId, tagKey: 'env', tagValue: 'dev' })])

    await client.disableKey(new Kms.DisableKeyRequest({ keyId: meta.keyId }))
    const disabled = await sdkError(client.encrypt(new Kms.EncryptRequest({ keyId: meta.keyId, plaintext: b64('x') })))
    expect(disabled.code).toBe('Rejected.Disabled')

    await client.scheduleKeyDeletion(new Kms.ScheduleKeyDeletionRequest({ keyId: meta.keyId, pendingWindowInDays: 7 }))
    const described = await client.describeKey(new Kms.DescribeKeyRequest({ keyId: meta.arn }))
    expect(described.keyMetadata.keyState).toBe('PendingDeletion')
    expect(Date.parse(described.keyMetadata.deleteDate) - Date.now()).toBeGreaterThan(6.9 * 86_400_000)
    const pending = await sdkError(
      client.decrypt(new Kms.DecryptRequest({ ciphertextBlob: enc.ciphertextBlob, encryptionContext: { app: 'x', purpose: 'test' } })),
    )
    expect(pending.code).toBe('Rejected.PendingDeletion')
  })
})

describe('openapi-client callApi (ACS3-HMAC-SHA256, every parameter in the query)', () => {
  it('runs the key lifecycle and crypto with JSON-string encryption contexts', async () => {
    const call = openApiCaller()
    const { KeyMetadata } = await call('CreateKey', { Description: 'acs3', Tags: JSON.stringify([{ TagKey: 'team', TagValue: 'a' }]) })
    const keyId = KeyMetadata.KeyId as string
    const enc = await call('Encrypt', {
      KeyId: KeyMetadata.Arn,
      Plaintext: b64('acs3 data'),
      EncryptionContext: JSON.stringify({ k: 'v' }),
    })
    const dec = await call('Decrypt', { CiphertextBlob: enc.CiphertextBlob, EncryptionContext: JSON.stringify({ k: 'v' }) })
    expect(unb64(dec.Plaintext)).toBe('acs3 data')
    const gdk = await call('GenerateDataKey', { KeyId: keyId, NumberOfBytes: '24' })
    expect(Buffer.from(gdk.Plaintext, 'base64')).toHaveLength(24)
    const opened = await call('Decrypt', { CiphertextBlob: gdk.CiphertextBlob })
    expect(opened.Plaintext).toBe(gdk.Plaintext)
    const alias = `alias/acs3-${keyId.slice(0, 8)}`
    await call('CreateAlias', { AliasName: alias, KeyId: keyId })
    await call('DisableKey', { KeyId: alias })
    const err = await sdkError(call('Encrypt', { KeyId: alias, Plaintext: b64('x') }))
    expect(err.code).toBe('Rejected.Disabled')
    expect(err.statusCode).toBe(409)
    await call('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: '30' })
    const { KeyMetadata: after } = await call('DescribeKey', { KeyId: keyId })
    expect(after.KeyState).toBe('PendingDeletion')
  })

  it('accepts a chunked form body (parameters split between query and body)', async () => {
    const call = openApiCaller()
    const { KeyMetadata } = await call('CreateKey', {})
    const enc = await call('Encrypt', { KeyId: KeyMetadata.KeyId }, { Plaintext: b64('in the body') })
    const dec = await call('Decrypt', {}, { CiphertextBlob: enc.CiphertextBlob })
    expect(unb64(dec.Plaintext)).toBe('in the body')
  })

  it('works with signatureAlgorithm v2 (V1 signing through openapi-client)', async () => {
    const call = openApiCaller({ signatureAlgorithm: 'v2' })
    const { KeyMetadata } = await call('CreateKey', { Description: 'v2' })
    const enc = await call('Encrypt', { KeyId: KeyMetadata.KeyId, Plaintext: b64('v2') })
    expect(unb64((await call('Decrypt', { CiphertextBlob: enc.CiphertextBlob })).Plaintext)).toBe('v2')
  })
})

describe('pop-core RPCClient (V1 GET query and POST form)', () => {
  for (const method of ['GET', 'POST'] as const) {
    it(`runs create, encrypt, decrypt, alias, tag, disable and deletion over ${method}`, async () => {
      const call = popCaller(method)
      const { KeyMetadata } = await call('CreateKey', { Description: `pop ${method}` })
      const keyId = KeyMetadata.KeyId
      const enc = await call('Encrypt', { KeyId: keyId, Plaintext: b64(`pop ${method}`), EncryptionContext: JSON.stringify({ a: 'b' }) })
      const dec = await call('Decrypt', { CiphertextBlob: enc.CiphertextBlob, EncryptionContext: JSON.stringify({ a: 'b' }) })
      expect(unb64(dec.Plaintext)).toBe(`pop ${method}`)
      await call('CreateAlias', { AliasName: `alias/pop-${method}-${keyId.slice(0, 8)}`, KeyId: keyId })
      await call('TagResource', { KeyId: keyId, Tags: JSON.stringify([{ TagKey: 'm', TagValue: method }]) })
      const tags = await call('ListResourceTags', { KeyId: keyId })
      expect(tags.Tags.Tag).toEqual([{ KeyId: keyId, TagKey: 'm', TagValue: method }])
      await call('DisableKey', { KeyId: keyId })
      const err = await sdkError(call('Encrypt', { KeyId: keyId, Plaintext: b64('x') }))
      expect(err.code).toBe('Rejected.Disabled')
      await call('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 })
      const missing = await sdkError(call('DescribeKey', { KeyId: '5f0c1e0b-0000-4000-8000-000000000000' }))
      expect(missing.code).toBe('Forbidden.KeyNotFound')
    })
  }
})

describe('pop-core RPCClient: the actions added for Alibaba fidelity', () => {
  for (const method of ['GET', 'POST'] as const) {
    it(`batch-tags keys with numbered parameters and opens the service over ${method}`, async () => {
      const call = popCaller(method)
      const a = (await call('CreateKey', { KeySpec: 'EC_P256' })).KeyMetadata
      const b = (await call('CreateKey', {})).KeyMetadata
      expect([a.KeyUsage, b.KeyUsage]).toEqual(['SIGN/VERIFY', 'ENCRYPT/DECRYPT'])
      await call('TagResources', {
        RegionId: stackInfo().regionId,
        ResourceType: 'key',
        'ResourceId.1': a.KeyId,
        'ResourceId.2': b.KeyId,
        'Tag.1.Key': 'via',
        'Tag.1.Value': method,
      })
      const listed = await call('ListTagResources', { ResourceType: 'key', 'ResourceId.1': a.KeyId, 'ResourceId.2': b.KeyId })
      expect(listed.TagResources.TagResource).toEqual([
        { ResourceId: a.KeyId, ResourceType: 'key', TagKey: 'via', TagValue: method },
        { ResourceId: b.KeyId, ResourceType: 'key', TagKey: 'via', TagValue: method },
      ])
      await call('UntagResources', { ResourceType: 'key', 'ResourceId.1': a.KeyId, 'TagKey.1': 'via' })
      expect((await call('ListResourceTags', { KeyId: a.KeyId })).Tags.Tag).toEqual([])
      expect(await call('OpenKmsService', {})).toEqual({ RequestId: expect.any(String) })
      expect((await call('DescribeAccountKmsStatus', {})).AccountStatus).toBe('Enabled')
    })
  }
})
