/**
 * GenerateDataKeyPair(WithoutPlaintext) through the domain on the in-memory store: every spec's
 * pair is a real pair (a signature by the private key verifies under the public key, checked with
 * node:crypto, or core/crypto/sm for SM2), its private key comes back from `decrypt` of the
 * ciphertext with the same context (and only with it), and the CMK checks match GenerateDataKey.
 */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { CALLER, memoryKeyDeps } from '../../../test/fakes/memory-store'
import { fromBase64 } from '../../crypto/bytes'
import { sm2SignDigest, sm2VerifyDigest } from '../../crypto/sm/sm2'
import { KmsError } from '../../errors'
import { createKey } from './create-key'
import { DATA_KEY_PAIR_SPECS, generateDataKeyPair, type DataKeyPairSpec } from './data-key-pair'
import { disableKey, scheduleKeyDeletion } from './key-lifecycle'
import { decrypt } from './symmetric-crypto'

async function code(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(KmsError)
  return (err as KmsError).code
}

/** Whether a signature made with `pkcs8` verifies under `spki` (and a tampered message does not). */
function pairMatches(spec: DataKeyPairSpec, pkcs8: Uint8Array, spki: Uint8Array, random: (n: number) => Uint8Array): boolean {
  const message = Buffer.from('data key pair')
  if (spec === 'SM2') {
    const digest = new Uint8Array(32).fill(7)
    const signature = sm2SignDigest(pkcs8, digest, random)
    return sm2VerifyDigest(spki, digest, signature) && !sm2VerifyDigest(spki, new Uint8Array(32).fill(8), signature)
  }
  const privateKey = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' })
  const publicKey = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' })
  const hash = spec === 'ECC_NIST_EDWARDS25519' ? null : 'sha256'
  const signature = sign(hash, message, privateKey)
  return verify(hash, message, publicKey, signature) && !verify(hash, Buffer.from('other'), publicKey, signature)
}

const EXPECTED_KEY_TYPE: Record<DataKeyPairSpec, [string, Record<string, unknown>]> = {
  RSA_2048: ['rsa', { modulusLength: 2048 }],
  RSA_3072: ['rsa', { modulusLength: 3072 }],
  RSA_4096: ['rsa', { modulusLength: 4096 }],
  ECC_NIST_P256: ['ec', { namedCurve: 'prime256v1' }],
  ECC_NIST_P384: ['ec', { namedCurve: 'secp384r1' }],
  ECC_NIST_P521: ['ec', { namedCurve: 'secp521r1' }],
  ECC_SECG_P256K1: ['ec', { namedCurve: 'secp256k1' }],
  SM2: ['', {}],
  ECC_NIST_EDWARDS25519: ['ed25519', {}],
}

describe('generateDataKeyPair', () => {
  it.each(DATA_KEY_PAIR_SPECS)(
    '%s: a matching pair; the ciphertext decrypts to the PKCS#8 bytes with the same context only',
    async (spec) => {
      const deps = memoryKeyDeps()
      const cmk = await createKey(deps, CALLER, {})
      const context = { purpose: 'pairs', spec }
      const started = performance.now()
      const out = await generateDataKeyPair(deps, CALLER, { keyId: cmk.keyId, keyPairSpec: spec, context })
      const ms = performance.now() - started
      if (spec === 'RSA_4096') console.info(`GenerateDataKeyPair RSA_4096: ${ms.toFixed(0)} ms`)
      expect(out.keyPairSpec).toBe(spec)
      expect(out.key.keyId).toBe(cmk.keyId)
      expect(out.versionId).toBe(cmk.primaryVersionId)
      const pkcs8 = out.privateKey!
      expect(pkcs8.length).toBeGreaterThan(40)
      expect(pairMatches(spec, pkcs8, out.publicKey, deps.random)).toBe(true)
      const [type, details] = EXPECTED_KEY_TYPE[spec]
      if (type !== '') {
        const pub = createPublicKey({ key: Buffer.from(out.publicKey), format: 'der', type: 'spki' })
        expect(pub.asymmetricKeyType).toBe(type)
        expect(pub.asymmetricKeyDetails).toMatchObject(details)
      }

      const blob = fromBase64(out.privateKeyCiphertextBlob)!
      const opened = await decrypt(deps, CALLER, { ciphertextBlob: blob, context })
      expect(opened.key.keyId).toBe(cmk.keyId)
      expect(Buffer.from(opened.plaintext).equals(Buffer.from(pkcs8))).toBe(true)
      expect(await code(decrypt(deps, CALLER, { ciphertextBlob: blob, context: { purpose: 'other', spec } }))).toBe(
        'crypto.invalidCiphertext',
      )
      expect(await code(decrypt(deps, CALLER, { ciphertextBlob: blob, context: {} }))).toBe('crypto.invalidCiphertext')
    },
  )

  it('every call makes a new pair', async () => {
    const deps = memoryKeyDeps()
    const cmk = await createKey(deps, CALLER, {})
    const a = await generateDataKeyPair(deps, CALLER, { keyId: cmk.keyId, keyPairSpec: 'ECC_NIST_P256', context: {} })
    const b = await generateDataKeyPair(deps, CALLER, { keyId: cmk.keyId, keyPairSpec: 'ECC_NIST_P256', context: {} })
    expect(Buffer.from(a.publicKey).equals(Buffer.from(b.publicKey))).toBe(false)
    expect(Buffer.from(a.privateKey!).equals(Buffer.from(b.privateKey!))).toBe(false)
  })

  it('withoutPlaintext: no private key returned; the ciphertext still opens to a key of the public key', async () => {
    const deps = memoryKeyDeps()
    const cmk = await createKey(deps, CALLER, {})
    const out = await generateDataKeyPair(deps, CALLER, {
      keyId: cmk.keyId,
      keyPairSpec: 'ECC_SECG_P256K1',
      context: {},
      withoutPlaintext: true,
    })
    expect(out.privateKey).toBeUndefined()
    const opened = await decrypt(deps, CALLER, { ciphertextBlob: fromBase64(out.privateKeyCiphertextBlob)!, context: {} })
    expect(pairMatches('ECC_SECG_P256K1', opened.plaintext, out.publicKey, deps.random)).toBe(true)
  })

  it('an SM4 CMK seals the private key too', async () => {
    const deps = memoryKeyDeps()
    const cmk = await createKey(deps, CALLER, { keySpec: 'Aliyun_SM4' })
    const out = await generateDataKeyPair(deps, CALLER, { keyId: cmk.keyId, keyPairSpec: 'SM2', context: { a: 'b' } })
    const opened = await decrypt(deps, CALLER, { ciphertextBlob: fromBase64(out.privateKeyCiphertextBlob)!, context: { a: 'b' } })
    expect(Buffer.from(opened.plaintext).equals(Buffer.from(out.privateKey!))).toBe(true)
  })

  it('refuses a missing or unknown spec, before looking at the key', async () => {
    const deps = memoryKeyDeps()
    const cmk = await createKey(deps, CALLER, {})
    expect(await code(generateDataKeyPair(deps, CALLER, { keyId: cmk.keyId, keyPairSpec: undefined, context: {} }))).toBe(
      'validation.missingParameter',
    )
    for (const bad of ['RSA_1024', 'rsa_2048', 'EC_P256', 'SYMMETRIC_DEFAULT', 'HMAC_256'])
      expect(await code(generateDataKeyPair(deps, CALLER, { keyId: cmk.keyId, keyPairSpec: bad, context: {} }))).toBe(
        'validation.invalidParameter',
      )
    expect(await code(generateDataKeyPair(deps, CALLER, { keyId: 'key-nope', keyPairSpec: 'RSA_9', context: {} }))).toBe(
      'validation.invalidParameter',
    )
  })

  it('the CMK must exist, be symmetric ENCRYPT/DECRYPT and Enabled; DryRun stops after the checks', async () => {
    const deps = memoryKeyDeps()
    const input = { keyPairSpec: 'ECC_NIST_P256', context: {} }
    expect(await code(generateDataKeyPair(deps, CALLER, { ...input, keyId: 'key-00000000-0000-4000-8000-000000000000' }))).toBe(
      'key.notFound',
    )
    const rsa = await createKey(deps, CALLER, { keySpec: 'RSA_2048', keyUsage: 'ENCRYPT/DECRYPT' })
    const ec = await createKey(deps, CALLER, { keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY' })
    const hmac = await createKey(deps, CALLER, { keySpec: 'HMAC_SHA_256' })
    for (const key of [rsa, ec, hmac])
      expect(await code(generateDataKeyPair(deps, CALLER, { ...input, keyId: key.keyId }))).toBe('key.invalidUsage')
    const disabled = await createKey(deps, CALLER, {})
    await disableKey(deps, CALLER, disabled.keyId)
    expect(await code(generateDataKeyPair(deps, CALLER, { ...input, keyId: disabled.keyId }))).toBe('key.disabled')
    expect(await code(generateDataKeyPair(deps, CALLER, { ...input, keyId: disabled.keyId, withoutPlaintext: true }))).toBe('key.disabled')
    const pending = await createKey(deps, CALLER, {})
    await scheduleKeyDeletion(deps, CALLER, pending.keyId, 7)
    expect(await code(generateDataKeyPair(deps, CALLER, { ...input, keyId: pending.keyId }))).toBe('key.pendingDeletion')
    const noMaterial = await createKey(deps, CALLER, { origin: 'EXTERNAL' })
    expect(await code(generateDataKeyPair(deps, CALLER, { ...input, keyId: noMaterial.keyId }))).toBe('key.pendingImport')
    const ok = await createKey(deps, CALLER, {})
    expect(await code(generateDataKeyPair(deps, CALLER, { ...input, keyId: ok.keyId, dryRun: true }))).toBe('dryRun.wouldSucceed')
    expect(await code(generateDataKeyPair(deps, CALLER, { ...input, keyId: disabled.keyId, dryRun: true }))).toBe('key.disabled')
  })
})
