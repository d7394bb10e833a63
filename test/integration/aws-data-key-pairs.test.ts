/**
 * GenerateDataKeyPair / GenerateDataKeyPairWithoutPlaintext end to end on the shared stack (the
 * Worker in workerd, DynamoDB behind it) with the official @aws-sdk/client-kms: the pair works
 * outside KMS (node:crypto signs with the private key and verifies with the public key), Decrypt
 * of the private ciphertext gives the PKCS#8 bytes back with the same context only; the specs
 * WebCrypto generates in workerd (P-384, P-521, Ed25519) work there too.
 */
import {
  CreateKeyCommand,
  DecryptCommand,
  DisableKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  KMSClient,
  type DataKeyPairSpec,
} from '@aws-sdk/client-kms'
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { stackInfo } from './clients'

const stack = stackInfo()
const arnOf = (keyId: string) => `arn:aws:kms:${stack.regionId}:${stack.accountId}:key/${keyId}`
const kms = new KMSClient({
  region: stack.regionId,
  endpoint: stack.endpoint,
  credentials: { accessKeyId: stack.accessKeyId, secretAccessKey: stack.accessKeySecret },
  maxAttempts: 1,
})

async function newKey(): Promise<string> {
  return (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!
}

function pairMatches(spec: DataKeyPairSpec, pkcs8: Uint8Array, spki: Uint8Array): boolean {
  const hash = spec === 'ECC_NIST_EDWARDS25519' ? null : 'sha256'
  const privateKey = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' })
  const publicKey = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' })
  const signature = sign(hash, Buffer.from('message'), privateKey)
  return verify(hash, Buffer.from('message'), publicKey, signature) && !verify(hash, Buffer.from('other'), publicKey, signature)
}

describe('AWS data key pairs (@aws-sdk/client-kms)', () => {
  it('GenerateDataKeyPair ECC_NIST_P256: a working pair; Decrypt of the private ciphertext returns the PKCS#8 bytes', async () => {
    const k = await newKey()
    const context = { app: 'dkp', run: String(Date.now()) }
    const out = await kms.send(new GenerateDataKeyPairCommand({ KeyId: k, KeyPairSpec: 'ECC_NIST_P256', EncryptionContext: context }))
    expect(out.KeyId).toBe(arnOf(k))
    expect(out.KeyPairSpec).toBe('ECC_NIST_P256')
    expect(createPublicKey({ key: Buffer.from(out.PublicKey!), format: 'der', type: 'spki' }).asymmetricKeyDetails).toMatchObject({
      namedCurve: 'prime256v1',
    })
    expect(pairMatches('ECC_NIST_P256', out.PrivateKeyPlaintext!, out.PublicKey!)).toBe(true)
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: out.PrivateKeyCiphertextBlob, EncryptionContext: context }))
    expect(dec.KeyId).toBe(arnOf(k))
    expect(Buffer.from(dec.Plaintext!).equals(Buffer.from(out.PrivateKeyPlaintext!))).toBe(true)
    await expect(
      kms.send(new DecryptCommand({ CiphertextBlob: out.PrivateKeyCiphertextBlob, EncryptionContext: { app: 'other' } })),
    ).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
    })
  })

  it('GenerateDataKeyPairWithoutPlaintext RSA_2048: no private key; the ciphertext opens to the public key’s pair', async () => {
    const k = await newKey()
    const out = await kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: k, KeyPairSpec: 'RSA_2048' }))
    expect(out.KeyId).toBe(arnOf(k))
    expect(out.KeyPairSpec).toBe('RSA_2048')
    expect(out).not.toHaveProperty('PrivateKeyPlaintext')
    expect(createPublicKey({ key: Buffer.from(out.PublicKey!), format: 'der', type: 'spki' }).asymmetricKeyDetails).toMatchObject({
      modulusLength: 2048,
    })
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: out.PrivateKeyCiphertextBlob }))
    expect(pairMatches('RSA_2048', dec.Plaintext!, out.PublicKey!)).toBe(true)
  })

  it('RSA_4096 in workerd (the slowest spec: its generation time is logged)', async () => {
    const k = await newKey()
    const started = performance.now()
    const out = await kms.send(new GenerateDataKeyPairCommand({ KeyId: k, KeyPairSpec: 'RSA_4096' }))
    console.info(`GenerateDataKeyPair RSA_4096 through the stack: ${(performance.now() - started).toFixed(0)} ms`)
    expect(createPublicKey({ key: Buffer.from(out.PublicKey!), format: 'der', type: 'spki' }).asymmetricKeyDetails).toMatchObject({
      modulusLength: 4096,
    })
    expect(pairMatches('RSA_4096', out.PrivateKeyPlaintext!, out.PublicKey!)).toBe(true)
  })

  it('ECC_NIST_P384, ECC_NIST_P521 and ECC_NIST_EDWARDS25519 (WebCrypto in workerd); a disabled key is DisabledException', async () => {
    const k = await newKey()
    for (const spec of ['ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_NIST_EDWARDS25519'] as const) {
      const out = await kms.send(new GenerateDataKeyPairCommand({ KeyId: k, KeyPairSpec: spec }))
      expect(out.KeyPairSpec).toBe(spec)
      expect(pairMatches(spec, out.PrivateKeyPlaintext!, out.PublicKey!)).toBe(true)
    }
    await kms.send(new DisableKeyCommand({ KeyId: k }))
    await expect(kms.send(new GenerateDataKeyPairCommand({ KeyId: k, KeyPairSpec: 'ECC_NIST_P256' }))).rejects.toMatchObject({
      name: 'DisabledException',
      $metadata: { httpStatusCode: 400 },
    })
  })
})
