/**
 * SM keys through the domain with the in-memory store: Aliyun_SM4 (suite-0x03 blobs, 16-byte
 * material, rotation) and EC_SM2 (SM2DSA over SM3(Z‖M), SM2PKE), checked with core/crypto/sm and
 * node:crypto's PEM reader; HSM protection refused; blobs of one suite never open under the other.
 */
import { createPublicKey } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { CALLER, memoryKeyDeps } from '../../../test/fakes/memory-store'
import { concatBytes, fromBase64, utf8 } from '../../crypto/bytes'
import { parseBlobHeader, SUITE_SOFTWARE_HKDF_SM4GCM } from '../../crypto/envelope'
import { unwrapUnderRoot } from '../../crypto/root-key'
import { fromPem } from '../../crypto/asymmetric/der'
import { sm3 } from '../../crypto/sm/sm3'
import { sm2Encrypt, sm2VerifyDigest, sm2Z } from '../../crypto/sm/sm2'
import { KmsError } from '../../errors'
import { asymmetricDecrypt } from './asymmetric/asymmetric-decrypt'
import { asymmetricEncrypt } from './asymmetric/asymmetric-encrypt'
import { asymmetricSign } from './asymmetric/asymmetric-sign'
import { asymmetricVerify } from './asymmetric/asymmetric-verify'
import { getPublicKey } from './asymmetric/get-public-key'
import { createKey } from './create-key'
import { rotateIfDue, updateRotationPolicy } from './key-versions'
import { decrypt, encrypt, generateDataKey } from './symmetric-crypto'

async function code(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(KmsError)
  return (err as KmsError).code
}

describe('Aliyun_SM4 keys', () => {
  it('encrypt/decrypt with suite-0x03 blobs over 16-byte material; context bound; rotation keeps SM4', async () => {
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, { keySpec: 'Aliyun_SM4' })
    expect([key.keySpec, key.keyUsage, key.protectionLevel]).toEqual(['Aliyun_SM4', 'ENCRYPT/DECRYPT', 'SOFTWARE'])
    const stored = deps.keys.items.get(key.keyId)!.versions[0]!
    const material = await unwrapUnderRoot(deps.rootKeys, stored.wrappedMaterial!, `keymaterial:${key.keyId}:${stored.versionId}`)
    expect(material.length).toBe(16)
    const ctx = { app: 'sm' }
    const { ciphertextBlob } = await encrypt(deps, CALLER, { keyId: key.keyId, plaintext: utf8('国密'), context: ctx })
    const blob = fromBase64(ciphertextBlob)!
    expect(parseBlobHeader(blob).suite).toBe(SUITE_SOFTWARE_HKDF_SM4GCM)
    expect((await decrypt(deps, CALLER, { ciphertextBlob: blob, context: ctx })).plaintext).toEqual(utf8('国密'))
    expect(await code(decrypt(deps, CALLER, { ciphertextBlob: blob, context: {} }))).toBe('crypto.invalidCiphertext')
    // The suite byte is authenticated: relabelled as an AES blob, it opens under nothing.
    const relabelled = blob.slice()
    relabelled[1] = 0x01
    expect(await code(decrypt(deps, CALLER, { ciphertextBlob: relabelled, context: ctx }))).toBe('crypto.invalidCiphertext')
    const dk = await generateDataKey(deps, CALLER, { keyId: key.keyId, context: {} })
    expect((await decrypt(deps, CALLER, { ciphertextBlob: fromBase64(dk.ciphertextBlob)!, context: {} })).plaintext).toEqual(dk.plaintext)

    const rotating = await updateRotationPolicy(deps, CALLER, key.keyId, true, '7d')
    deps.clock.advanceDays(8)
    const rotated = await rotateIfDue(deps, rotating, deps.clock.now())
    expect(rotated?.versions.length).toBe(2)
    const v2 = rotated!.versions[1]!
    const m2 = await unwrapUnderRoot(deps.rootKeys, v2.wrappedMaterial!, `keymaterial:${key.keyId}:${v2.versionId}`)
    expect(m2.length).toBe(16)
  })

  it('an AES blob relabelled as SM4 does not open, and HSM protection is refused for SM specs', async () => {
    const deps = memoryKeyDeps()
    const aes = await createKey(deps, CALLER, {})
    const blob = fromBase64((await encrypt(deps, CALLER, { keyId: aes.keyId, plaintext: utf8('x'), context: {} })).ciphertextBlob)!
    blob[1] = SUITE_SOFTWARE_HKDF_SM4GCM
    expect(await code(decrypt(deps, CALLER, { ciphertextBlob: blob, context: {} }))).toBe('crypto.invalidCiphertext')
    const hsmDeps = { ...deps, hsm: {} as never }
    for (const input of [
      { keySpec: 'Aliyun_SM4', protectionLevel: 'HSM' },
      { keySpec: 'EC_SM2', keyUsage: 'SIGN/VERIFY', protectionLevel: 'HSM' },
      { keySpec: 'EC_SM2', keyUsage: 'ENCRYPT/DECRYPT', protectionLevel: 'HSM' },
    ]) {
      expect(await code(createKey(hsmDeps, CALLER, input))).toBe('key.unsupportedProtectionLevel')
    }
  })
})

describe('EC_SM2 keys', () => {
  it('SM2DSA: signs e = SM3(Z_A ‖ M); GetPublicKey PEM reads in OpenSSL; verify refuses changes', async () => {
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, { keySpec: 'EC_SM2' })
    expect(key.keyUsage).toBe('SIGN/VERIFY')
    const versionId = key.primaryVersionId!
    const { pem } = await getPublicKey(deps, CALLER, { keyId: key.keyId, versionId })
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/)
    const spki = fromPem(pem, 'PUBLIC KEY')!
    // OpenSSL reads the PEM as an SM2 key and writes back the same SPKI.
    expect(new Uint8Array(createPublicKey(pem).export({ format: 'der', type: 'spki' }))).toEqual(spki)
    const digest = sm3(concatBytes(sm2Z(spki), utf8('message')))
    const { signature } = await asymmetricSign(deps, CALLER, { keyId: key.keyId, versionId, algorithm: 'SM2DSA', digest })
    expect(sm2VerifyDigest(spki, digest, signature)).toBe(true)
    const verify = (d: Uint8Array, s: Uint8Array) =>
      asymmetricVerify(deps, CALLER, { keyId: key.keyId, versionId, algorithm: 'SM2DSA', digest: d, signature: s }).then((o) => o.valid)
    expect(await verify(digest, signature)).toBe(true)
    expect(await verify(sm3(utf8('message')), signature)).toBe(false) // a bare SM3 digest is not e
    expect(await verify(digest, new Uint8Array(8))).toBe(false)
    expect(await code(asymmetricSign(deps, CALLER, { keyId: key.keyId, versionId, algorithm: 'ECDSA_SHA_256', digest }))).toBe(
      'validation.invalidParameter',
    )
    expect(await code(asymmetricSign(deps, CALLER, { keyId: key.keyId, versionId, algorithm: 'SM2DSA', digest: new Uint8Array(31) }))).toBe(
      'validation.invalidParameter',
    )
  })

  it('SM2PKE: encrypts and decrypts 1..6047 bytes, refuses 6048, one error for bad ciphertexts', async () => {
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, { keySpec: 'EC_SM2', keyUsage: 'ENCRYPT/DECRYPT' })
    const versionId = key.primaryVersionId!
    const base = { keyId: key.keyId, versionId, algorithm: 'SM2PKE' }
    for (const n of [1, 100, 6047]) {
      const plaintext = new Uint8Array(n).fill(7)
      const { ciphertext } = await asymmetricEncrypt(deps, CALLER, { ...base, plaintext })
      expect((await asymmetricDecrypt(deps, CALLER, { ...base, ciphertext })).plaintext).toEqual(plaintext)
    }
    expect(await code(asymmetricEncrypt(deps, CALLER, { ...base, plaintext: new Uint8Array(6048) }))).toBe('validation.invalidParameter')
    expect(await code(asymmetricEncrypt(deps, CALLER, { ...base, algorithm: 'RSAES_OAEP_SHA_256', plaintext: utf8('x') }))).toBe(
      'validation.invalidParameter',
    )
    // A ciphertext made outside with the published key opens.
    const spki = fromPem((await getPublicKey(deps, CALLER, { keyId: key.keyId, versionId })).pem, 'PUBLIC KEY')!
    const outside = sm2Encrypt(spki, utf8('from outside'))
    expect((await asymmetricDecrypt(deps, CALLER, { ...base, ciphertext: outside })).plaintext).toEqual(utf8('from outside'))
    const tampered = outside.slice()
    tampered[tampered.length - 1]! ^= 1
    for (const ciphertext of [tampered, new Uint8Array(10), outside.subarray(0, 50)]) {
      expect(await code(asymmetricDecrypt(deps, CALLER, { ...base, ciphertext }))).toBe('crypto.invalidCiphertext')
    }
    expect(await code(asymmetricDecrypt(deps, CALLER, { ...base, ciphertext: outside, dryRun: true }))).toBe('dryRun.wouldSucceed')
  })
})

describe('Aliyun_SM4 BYOK', () => {
  it('imports 128-bit material (not 256), and the key encrypts with exactly that material', async () => {
    const nodeCrypto = await import('node:crypto')
    const { getParametersForImport } = await import('./byok/get-parameters-for-import')
    const { importKeyMaterial } = await import('./byok/import-key-material')
    const { openBlob } = await import('../../crypto/envelope')
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, { keySpec: 'Aliyun_SM4', origin: 'EXTERNAL' })
    const wrap = (publicKey: string, material: Uint8Array) =>
      new Uint8Array(
        nodeCrypto.publicEncrypt(
          {
            key: Buffer.from(publicKey, 'base64'),
            format: 'der',
            type: 'spki',
            padding: nodeCrypto.constants.RSA_PKCS1_OAEP_PADDING,
            oaepHash: 'sha256',
          },
          material,
        ),
      )
    const p1 = await getParametersForImport(deps, CALLER, {
      keyId: key.keyId,
      wrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      wrappingKeySpec: 'RSA_2048',
    })
    expect(
      await code(
        importKeyMaterial(deps, CALLER, {
          keyId: key.keyId,
          importToken: p1.importToken,
          encryptedKeyMaterial: wrap(p1.publicKey, nodeCrypto.randomBytes(32)),
        }),
      ),
    ).toBe('import.invalidMaterial')
    const material = new Uint8Array(nodeCrypto.randomBytes(16))
    const p2 = await getParametersForImport(deps, CALLER, {
      keyId: key.keyId,
      wrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      wrappingKeySpec: 'RSA_2048',
    })
    const imported = await importKeyMaterial(deps, CALLER, {
      keyId: key.keyId,
      importToken: p2.importToken,
      encryptedKeyMaterial: wrap(p2.publicKey, material),
    })
    expect(imported.keyState).toBe('Enabled')
    const { ciphertextBlob, versionId } = await encrypt(deps, CALLER, { keyId: key.keyId, plaintext: utf8('byok sm4'), context: {} })
    const opened = await openBlob(
      { keyId: key.keyId, versionId, material, suite: SUITE_SOFTWARE_HKDF_SM4GCM },
      fromBase64(ciphertextBlob)!,
      {},
    )
    expect(opened).toEqual(utf8('byok sm4'))
  })
})
