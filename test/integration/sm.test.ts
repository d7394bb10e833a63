/**
 * SM2 and SM4 keys end to end through the official SDKs against the real stack (the Worker in
 * workerd, so the SM code runs where it ships): Aliyun_SM4 Encrypt/Decrypt/GenerateDataKey and a
 * secret under an SM4 CMK; EC_SM2 GetPublicKey (PEM OpenSSL reads as SM2), SM2DSA signatures the
 * openssl CLI verifies (and OpenSSL's the service verifies), SM2PKE ciphertexts of the openssl
 * CLI the service decrypts (and the reverse); ProtectionLevel=HSM refused with
 * Unsupported.ProtectionLevel.
 */
import { execFileSync } from 'node:child_process'
import { createPublicKey } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { fromPem } from '../../core/crypto/asymmetric/der'
import { sm2Z } from '../../core/crypto/sm/sm2'
import { sm3 } from '../../core/crypto/sm/sm3'
import { b64, Kms, kmsClient, openApiCaller, sdkError } from './clients'

const dir = mkdtempSync(join(tmpdir(), 'kms-sm-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
function file(data: Uint8Array | string): string {
  const path = join(dir, `f${n++}`)
  writeFileSync(path, data)
  return path
}
const ID = '1234567812345678'

describe('Aliyun_SM4 keys', () => {
  it('Encrypt / Decrypt / GenerateDataKey with the 1.x SDK, context bound', async () => {
    const client = kmsClient()
    const { keyMetadata } = await client.createKey(new Kms.CreateKeyRequest({ keySpec: 'Aliyun_SM4' }))
    expect(keyMetadata).toMatchObject({ keySpec: 'Aliyun_SM4', keyUsage: 'ENCRYPT/DECRYPT', protectionLevel: 'SOFTWARE' })
    const enc = await client.encrypt(
      new Kms.EncryptRequest({
        keyId: keyMetadata!.keyId,
        plaintext: b64('国密 SM4'),
        encryptionContext: { app: 'sm' },
      }),
    )
    const blob = Buffer.from(enc.ciphertextBlob!, 'base64')
    expect([blob[0], blob[1]]).toEqual([1, 3])
    const dec = await client.decrypt(new Kms.DecryptRequest({ ciphertextBlob: enc.ciphertextBlob, encryptionContext: { app: 'sm' } }))
    expect(Buffer.from(dec.plaintext!, 'base64').toString()).toBe('国密 SM4')
    expect(dec.keyId).toBe(keyMetadata!.keyId)
    const wrong = await sdkError(
      client.decrypt(new Kms.DecryptRequest({ ciphertextBlob: enc.ciphertextBlob, encryptionContext: { app: 'x' } })),
    )
    expect(wrong.code).toBe('InvalidCiphertext')
    const dk = await client.generateDataKey(new Kms.GenerateDataKeyRequest({ keyId: keyMetadata!.keyId }))
    const back = await client.decrypt(new Kms.DecryptRequest({ ciphertextBlob: dk.ciphertextBlob }))
    expect(back.plaintext).toBe(dk.plaintext)
  })

  it('a secret under an SM4 CMK stores and returns its value', async () => {
    const call = openApiCaller()
    const { KeyMetadata } = await call('CreateKey', { KeySpec: 'Aliyun_SM4' })
    const name = `sm4-secret-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`
    await call('CreateSecret', { SecretName: name, SecretData: 'sm4-value', VersionId: 'v1', EncryptionKeyId: KeyMetadata.KeyId })
    const got = await call('GetSecretValue', { SecretName: name })
    expect(got.SecretData).toBe('sm4-value')
  })

  it('ProtectionLevel=HSM is Unsupported.ProtectionLevel for SM specs', async () => {
    const client = kmsClient()
    for (const req of [
      { keySpec: 'Aliyun_SM4', protectionLevel: 'HSM' },
      { keySpec: 'EC_SM2', keyUsage: 'SIGN/VERIFY', protectionLevel: 'HSM' },
    ]) {
      const err = await sdkError(client.createKey(new Kms.CreateKeyRequest(req)))
      expect(err.code).toBe('Unsupported.ProtectionLevel')
    }
  })
})

describe('EC_SM2 keys', () => {
  async function sm2Key(keyUsage: string) {
    const client = kmsClient()
    const { keyMetadata } = await client.createKey(new Kms.CreateKeyRequest({ keySpec: 'EC_SM2', keyUsage }))
    const keyId = keyMetadata!.keyId!
    const versionId = keyMetadata!.primaryKeyVersion!
    const pem = (await client.getPublicKey(new Kms.GetPublicKeyRequest({ keyId, keyVersionId: versionId }))).publicKey!
    return { client, keyId, versionId, pem }
  }

  it('SM2DSA over SM3(Z_A ‖ M): the openssl CLI verifies the service, the service rejects a changed message', async () => {
    const { client, keyId, versionId, pem } = await sm2Key('SIGN/VERIFY')
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n?$/)
    const spki = fromPem(pem, 'PUBLIC KEY')!
    expect(new Uint8Array(createPublicKey(pem).export({ format: 'der', type: 'spki' }))).toEqual(spki)
    const message = Buffer.from('signed with SM2 in workerd')
    const digest = sm3(Buffer.concat([sm2Z(spki), message]))
    const { value } = await client.asymmetricSign(
      new Kms.AsymmetricSignRequest({ keyId, keyVersionId: versionId, algorithm: 'SM2DSA', digest: b64(digest) }),
    )
    const sig = file(Buffer.from(value!, 'base64'))
    const out = execFileSync('openssl', ['dgst', '-sm3', '-sigopt', `distid:${ID}`, '-verify', file(pem), '-signature', sig, file(message)])
    expect(out.toString()).toContain('Verified OK')
    const verify = async (d: Uint8Array) =>
      (
        await client.asymmetricVerify(
          new Kms.AsymmetricVerifyRequest({ keyId, keyVersionId: versionId, algorithm: 'SM2DSA', digest: b64(d), value }),
        )
      ).value
    expect(await verify(digest)).toBe(true)
    expect(await verify(sm3(Buffer.concat([sm2Z(spki), message, Buffer.of(0)])))).toBe(false)
    const bad = await sdkError(
      client.asymmetricSign(
        new Kms.AsymmetricSignRequest({ keyId, keyVersionId: versionId, algorithm: 'ECDSA_SHA_256', digest: b64(digest) }),
      ),
    )
    expect(bad.code).toBe('InvalidParameter')
  })

  it('SM2PKE: OpenSSL ciphertexts decrypt in the service; the service encrypts what the key holder can read', async () => {
    const { client, keyId, versionId, pem } = await sm2Key('ENCRYPT/DECRYPT')
    const plain = Buffer.from('SM2PKE across implementations')
    const ct = file(new Uint8Array(0))
    execFileSync('openssl', ['pkeyutl', '-encrypt', '-pubin', '-inkey', file(pem), '-in', file(plain), '-out', ct])
    const dec = await client.asymmetricDecrypt(
      new Kms.AsymmetricDecryptRequest({
        keyId,
        keyVersionId: versionId,
        algorithm: 'SM2PKE',
        ciphertextBlob: readFileSync(ct).toString('base64'),
      }),
    )
    expect(Buffer.from(dec.plaintext!, 'base64').toString()).toBe(plain.toString())
    const enc = await client.asymmetricEncrypt(
      new Kms.AsymmetricEncryptRequest({ keyId, keyVersionId: versionId, algorithm: 'SM2PKE', plaintext: b64(plain) }),
    )
    const round = await client.asymmetricDecrypt(
      new Kms.AsymmetricDecryptRequest({ keyId, keyVersionId: versionId, algorithm: 'SM2PKE', ciphertextBlob: enc.ciphertextBlob }),
    )
    expect(Buffer.from(round.plaintext!, 'base64').toString()).toBe(plain.toString())
    const tampered = Buffer.from(enc.ciphertextBlob!, 'base64')
    tampered[tampered.length - 1]! ^= 1
    const err = await sdkError(
      client.asymmetricDecrypt(
        new Kms.AsymmetricDecryptRequest({
          keyId,
          keyVersionId: versionId,
          algorithm: 'SM2PKE',
          ciphertextBlob: tampered.toString('base64'),
        }),
      ),
    )
    expect(err.code).toBe('InvalidCiphertext')
    const big = await sdkError(
      client.asymmetricEncrypt(
        new Kms.AsymmetricEncryptRequest({ keyId, keyVersionId: versionId, algorithm: 'SM2PKE', plaintext: b64(Buffer.alloc(6048)) }),
      ),
    )
    expect(big.code).toBe('InvalidParameter')
  })
})
