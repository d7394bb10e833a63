/**
 * The AWS dialect on fakes: the official @aws-sdk/client-kms, unmodified, signs its requests
 * (SigV4) and sends them through a request handler that hands them to `app.request` — the whole
 * pipeline (parse, authenticate, authorise, audit, dispatch) with in-memory deps, no process.
 */
import { CreateKeyCommand, DecryptCommand, EncryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms'
import { describe, expect, it } from 'vitest'
import { inProcessHandler } from './aws-harness'
import { fake } from './harness'

function client(secret = fake.root.accessKeySecret): KMSClient {
  return new KMSClient({
    region: fake.deps.region,
    endpoint: 'http://kms.test',
    credentials: { accessKeyId: fake.root.accessKeyId, secretAccessKey: secret },
    requestHandler: inProcessHandler() as never,
    maxAttempts: 1,
  })
}

describe('AWS KMS dialect (TrentService) on fakes', () => {
  it('Encrypt / Decrypt / GenerateDataKey round trip with AWS ARNs, Decrypt without a KeyId', async () => {
    const kms = client()
    const created = await kms.send(new CreateKeyCommand({}))
    const keyId = created.KeyMetadata!.KeyId!
    const arn = `arn:aws:kms:${fake.deps.region}:${fake.root.accountId}:key/${keyId}`
    const enc = await kms.send(
      new EncryptCommand({ KeyId: arn, Plaintext: new TextEncoder().encode('hello aws'), EncryptionContext: { purpose: 'test' } }),
    )
    expect(enc.KeyId).toBe(arn)
    expect(enc.EncryptionAlgorithm).toBe('SYMMETRIC_DEFAULT')
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { purpose: 'test' } }))
    expect(new TextDecoder().decode(dec.Plaintext)).toBe('hello aws')
    expect(dec.KeyId).toBe(arn)
    const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 32 }))
    expect(dk.Plaintext?.length).toBe(32)
    const back = await kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob, KeyId: arn }))
    expect(Buffer.from(back.Plaintext!).equals(Buffer.from(dk.Plaintext!))).toBe(true)
  })

  it('answers errors in AWS’s shape: wrong context, wrong KeyId on Decrypt, bad secret', async () => {
    const kms = client()
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}))
    const { KeyMetadata: other } = await kms.send(new CreateKeyCommand({}))
    const enc = await kms.send(
      new EncryptCommand({ KeyId: KeyMetadata!.KeyId, Plaintext: new Uint8Array([1, 2, 3]), EncryptionContext: { a: 'b' } }),
    )
    await expect(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
      $metadata: { httpStatusCode: 400 },
    })
    await expect(
      kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { a: 'b' }, KeyId: other!.KeyId })),
    ).rejects.toMatchObject({ name: 'IncorrectKeyException' })
    await expect(
      client('wrong-secret').send(new EncryptCommand({ KeyId: KeyMetadata!.KeyId, Plaintext: new Uint8Array([1]) })),
    ).rejects.toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 403 } })
  })
})
