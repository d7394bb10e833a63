/**
 * Asymmetric keys through the domain with the in-memory store: every spec signs or encrypts with
 * its algorithms, results check out with node:crypto, bad input is refused before anything is
 * written, and CreateKeyVersion follows Alibaba's limits (Enabled, 7 days, 50 versions).
 */
import * as nodeCrypto from 'node:crypto'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { CALLER, memoryKeyDeps } from '../../../../test/fakes/memory-store'
import { fromBase64, toBase64, utf8 } from '../../../crypto/bytes'
import { randomBytes } from '../../../crypto/random'
import { KmsError } from '../../../errors'
import { createKey } from '../create-key'
import { disableKey } from '../key-lifecycle'
import { updateRotationPolicy } from '../key-versions'
import { decrypt, encrypt } from '../symmetric-crypto'
import { asymmetricDecrypt } from './asymmetric-decrypt'
import { asymmetricEncrypt } from './asymmetric-encrypt'
import { asymmetricSign } from './asymmetric-sign'
import { asymmetricVerify } from './asymmetric-verify'
import { createKeyVersion } from './create-key-version'
import { exportDataKey, generateAndExportDataKey } from './export-data-key'
import { getPublicKey } from './get-public-key'
import { reEncryptFromAsymmetric } from './re-encrypt'

type Deps = ReturnType<typeof memoryKeyDeps>

async function refusal(p: Promise<unknown>): Promise<KmsError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(KmsError)
  return err as KmsError
}

/** Runs `call` and asserts it fails with `code` and leaves the store untouched. */
async function refusedWithoutWrite(deps: Deps, code: string, call: () => Promise<unknown>): Promise<void> {
  const before = structuredClone([...deps.keys.items.entries()])
  expect((await refusal(call())).code).toBe(code)
  expect([...deps.keys.items.entries()]).toEqual(before)
}

const SIGNING: Array<[string, string[]]> = [
  ['RSA_2048', ['RSA_PSS_SHA_256', 'RSA_PKCS1_SHA_256']],
  ['RSA_3072', ['RSA_PSS_SHA_256', 'RSA_PKCS1_SHA_256']],
  ['EC_P256', ['ECDSA_SHA_256']],
  ['EC_P256K', ['ECDSA_SHA_256']],
]

function nodeVerify(pem: string, algorithm: string, message: Uint8Array, signature: Uint8Array): boolean {
  const key = nodeCrypto.createPublicKey(pem)
  if (algorithm === 'RSA_PSS_SHA_256') {
    return nodeCrypto.verify('sha256', message, { key, padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature)
  }
  return nodeCrypto.verify('sha256', message, { key, dsaEncoding: 'der' }, signature)
}

describe('AsymmetricSign / AsymmetricVerify', () => {
  for (const [keySpec, algorithms] of SIGNING) {
    it(`${keySpec}: signs digests that node:crypto verifies, and verifies its own and node's signatures`, async () => {
      const deps = memoryKeyDeps()
      const key = await createKey(deps, CALLER, { keySpec, keyUsage: 'SIGN/VERIFY' })
      expect(key.keyState).toBe('Enabled')
      const versionId = key.primaryVersionId!
      const { pem } = await getPublicKey(deps, CALLER, { keyId: key.keyId, versionId })
      for (const algorithm of algorithms) {
        const message = utf8(`message for ${algorithm}`)
        const digest = sha256(message)
        const { signature, versionId: used } = await asymmetricSign(deps, CALLER, { keyId: key.keyId, versionId, algorithm, digest })
        expect(used).toBe(versionId)
        expect(nodeVerify(pem, algorithm, message, signature)).toBe(true)
        const ok = await asymmetricVerify(deps, CALLER, { keyId: key.keyId, versionId, algorithm, digest, signature })
        expect(ok.valid).toBe(true)
        const tampered = signature.slice()
        tampered[tampered.length - 1]! ^= 1
        expect((await asymmetricVerify(deps, CALLER, { keyId: key.keyId, versionId, algorithm, digest, signature: tampered })).valid).toBe(
          false,
        )
        expect(
          (await asymmetricVerify(deps, CALLER, { keyId: key.keyId, versionId, algorithm, digest: sha256(utf8('x')), signature })).valid,
        ).toBe(false)
        expect(
          (await asymmetricVerify(deps, CALLER, { keyId: key.keyId, versionId, algorithm, digest, signature: new Uint8Array(3) })).valid,
        ).toBe(false)
      }
      // The private key is stored only wrapped, the public key in clear.
      const stored = deps.keys.items.get(key.keyId)!.versions[0]!
      expect(stored.wrappedMaterial).toMatch(/^rk1\./)
      expect(fromBase64(stored.publicKeySpki!)).toBeDefined()
    })
  }

  it('refuses bad input with 4xx codes and writes nothing', async () => {
    const deps = memoryKeyDeps()
    const rsa = await createKey(deps, CALLER, { keySpec: 'RSA_2048', keyUsage: 'SIGN/VERIFY' })
    const enc = await createKey(deps, CALLER, { keySpec: 'RSA_2048', keyUsage: 'ENCRYPT/DECRYPT' })
    const sym = await createKey(deps, CALLER, {})
    const versionId = rsa.primaryVersionId!
    const digest = new Uint8Array(32)
    const sign = (over: Partial<Parameters<typeof asymmetricSign>[2]>) =>
      asymmetricSign(deps, CALLER, { keyId: rsa.keyId, versionId, algorithm: 'RSA_PSS_SHA_256', digest, ...over })
    await refusedWithoutWrite(deps, 'validation.invalidParameter', () => sign({ algorithm: 'ECDSA_SHA_256' }))
    await refusedWithoutWrite(deps, 'validation.invalidParameter', () => sign({ algorithm: 'RSAES_OAEP_SHA_256' }))
    await refusedWithoutWrite(deps, 'validation.invalidParameter', () => sign({ digest: new Uint8Array(31) }))
    await refusedWithoutWrite(deps, 'validation.invalidParameter', () => sign({ digest: new Uint8Array(48) }))
    await refusedWithoutWrite(deps, 'key.versionNotFound', () => sign({ versionId: enc.primaryVersionId! }))
    await refusedWithoutWrite(deps, 'key.versionNotFound', () => sign({ versionId: 'not-a-version' }))
    await refusedWithoutWrite(deps, 'key.invalidUsage', () => sign({ keyId: enc.keyId, versionId: enc.primaryVersionId! }))
    await refusedWithoutWrite(deps, 'key.invalidUsage', () => sign({ keyId: sym.keyId, versionId: sym.primaryVersionId! }))
    await refusedWithoutWrite(deps, 'key.notFound', () => sign({ keyId: '00000000-0000-4000-8000-000000000000' }))
    await refusedWithoutWrite(deps, 'dryRun.wouldSucceed', () => sign({ dryRun: true }))
    await refusedWithoutWrite(deps, 'key.invalidUsage', () =>
      getPublicKey(deps, CALLER, { keyId: sym.keyId, versionId: sym.primaryVersionId! }),
    )
    await disableKey(deps, CALLER, rsa.keyId)
    await refusedWithoutWrite(deps, 'key.disabled', () => sign({}))
  })
})

describe('AsymmetricEncrypt / AsymmetricDecrypt', () => {
  it("round-trips with both OAEP hashes up to Alibaba's plaintext limits, and node:crypto decrypts the same ciphertext", async () => {
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, { keySpec: 'RSA_2048', keyUsage: 'ENCRYPT/DECRYPT' })
    const versionId = key.primaryVersionId!
    for (const [algorithm, max, hash] of [
      ['RSAES_OAEP_SHA_256', 190, 'sha256'],
      ['RSAES_OAEP_SHA_1', 214, 'sha1'],
    ] as const) {
      const plaintext = randomBytes(max)
      const { ciphertext } = await asymmetricEncrypt(deps, CALLER, { keyId: key.keyId, versionId, algorithm, plaintext })
      expect(ciphertext).toHaveLength(256)
      const out = await asymmetricDecrypt(deps, CALLER, { keyId: key.keyId, versionId, algorithm, ciphertext })
      expect(out.plaintext).toEqual(plaintext)
      const { pem } = await getPublicKey(deps, CALLER, { keyId: key.keyId, versionId })
      // Public-key encryption by a third party decrypts in the service.
      const theirs = nodeCrypto.publicEncrypt({ key: pem, padding: nodeCrypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, plaintext)
      expect((await asymmetricDecrypt(deps, CALLER, { keyId: key.keyId, versionId, algorithm, ciphertext: theirs })).plaintext).toEqual(
        plaintext,
      )
      await refusedWithoutWrite(deps, 'validation.invalidParameter', () =>
        asymmetricEncrypt(deps, CALLER, { keyId: key.keyId, versionId, algorithm, plaintext: randomBytes(max + 1) }),
      )
    }
    const { ciphertext } = await asymmetricEncrypt(deps, CALLER, {
      keyId: key.keyId,
      versionId,
      algorithm: 'RSAES_OAEP_SHA_1',
      plaintext: utf8('x'),
    })
    const decrypt256 = (c: Uint8Array) =>
      asymmetricDecrypt(deps, CALLER, { keyId: key.keyId, versionId, algorithm: 'RSAES_OAEP_SHA_256', ciphertext: c })
    await refusedWithoutWrite(deps, 'crypto.invalidCiphertext', () => decrypt256(ciphertext))
    await refusedWithoutWrite(deps, 'crypto.invalidCiphertext', () => decrypt256(ciphertext.subarray(1)))
    await refusedWithoutWrite(deps, 'crypto.invalidCiphertext', () => decrypt256(new Uint8Array(256)))
  })

  it('gives the limits of RSA_3072 and refuses EC keys and sign keys', async () => {
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, { keySpec: 'RSA_3072', keyUsage: 'ENCRYPT/DECRYPT' })
    const versionId = key.primaryVersionId!
    await asymmetricEncrypt(deps, CALLER, { keyId: key.keyId, versionId, algorithm: 'RSAES_OAEP_SHA_256', plaintext: randomBytes(318) })
    await asymmetricEncrypt(deps, CALLER, { keyId: key.keyId, versionId, algorithm: 'RSAES_OAEP_SHA_1', plaintext: randomBytes(342) })
    await refusedWithoutWrite(deps, 'validation.invalidParameter', () =>
      asymmetricEncrypt(deps, CALLER, { keyId: key.keyId, versionId, algorithm: 'RSAES_OAEP_SHA_256', plaintext: randomBytes(319) }),
    )
    await refusedWithoutWrite(deps, 'validation.invalidParameter', () =>
      asymmetricEncrypt(deps, CALLER, { keyId: key.keyId, versionId, algorithm: 'RSA_PSS_SHA_256', plaintext: randomBytes(1) }),
    )
    const signer = await createKey(deps, CALLER, { keySpec: 'RSA_2048', keyUsage: 'SIGN/VERIFY' })
    await refusedWithoutWrite(deps, 'key.invalidUsage', () =>
      asymmetricEncrypt(deps, CALLER, {
        keyId: signer.keyId,
        versionId: signer.primaryVersionId!,
        algorithm: 'RSAES_OAEP_SHA_256',
        plaintext: randomBytes(1),
      }),
    )
  })

  it('refuses to open a forged symmetric blob naming an RSA key with the uniform error', async () => {
    const deps = memoryKeyDeps()
    const rsa = await createKey(deps, CALLER, { keySpec: 'RSA_2048', keyUsage: 'ENCRYPT/DECRYPT' })
    const sym = await createKey(deps, CALLER, {})
    const blob = fromBase64((await encrypt(deps, CALLER, { keyId: sym.keyId, plaintext: utf8('x'), context: {} })).ciphertextBlob)!
    const forged = blob.slice()
    forged.set(Buffer.from(rsa.keyId.replaceAll('-', ''), 'hex'), 2)
    forged.set(Buffer.from(rsa.primaryVersionId!.replaceAll('-', ''), 'hex'), 18)
    expect((await refusal(decrypt(deps, CALLER, { ciphertextBlob: forged, context: {} }))).code).toBe('crypto.invalidCiphertext')
  })

  it('ReEncrypt from an asymmetric source seals the plaintext under a symmetric key', async () => {
    const deps = memoryKeyDeps()
    const rsa = await createKey(deps, CALLER, { keySpec: 'RSA_2048', keyUsage: 'ENCRYPT/DECRYPT' })
    const sym = await createKey(deps, CALLER, {})
    const versionId = rsa.primaryVersionId!
    const { ciphertext } = await asymmetricEncrypt(deps, CALLER, {
      keyId: rsa.keyId,
      versionId,
      algorithm: 'RSAES_OAEP_SHA_256',
      plaintext: utf8('moved'),
    })
    const input = {
      ciphertext,
      sourceKeyId: rsa.keyId,
      sourceVersionId: versionId,
      sourceAlgorithm: 'RSAES_OAEP_SHA_256',
      destinationKeyId: sym.keyId,
      destinationContext: { a: 'b' },
    }
    expect((await refusal(reEncryptFromAsymmetric(deps, CALLER, { ...input, dryRun: true }))).code).toBe('dryRun.wouldSucceed')
    const out = await reEncryptFromAsymmetric(deps, CALLER, input)
    expect(out.source).toEqual({ keyId: rsa.keyId, versionId })
    const opened = await decrypt(deps, CALLER, { ciphertextBlob: fromBase64(out.ciphertextBlob)!, context: { a: 'b' } })
    expect(Buffer.from(opened.plaintext).toString()).toBe('moved')
    expect((await refusal(reEncryptFromAsymmetric(deps, CALLER, { ...input, destinationKeyId: rsa.keyId }))).code).toBe('key.invalidUsage')
  })
})

describe('CreateKey with asymmetric specs', () => {
  it('refuses EC keys for encryption, unsupported specs, HSM protection and automatic rotation', async () => {
    const deps = memoryKeyDeps()
    const cases: Array<[Parameters<typeof createKey>[2], string]> = [
      [{ keySpec: 'EC_P256', keyUsage: 'ENCRYPT/DECRYPT' }, 'key.invalidUsage'],
      [{ keySpec: 'EC_P256K', keyUsage: 'ENCRYPT/DECRYPT' }, 'key.invalidUsage'],
      [{ keySpec: 'Aliyun_AES_128' }, 'key.unsupportedSpec'],
      [{ keySpec: 'EC_SM2', keyUsage: 'SIGN/VERIFY', enableAutomaticRotation: true }, 'key.invalidUsage'],
      [{ keySpec: 'RSA_2048', keyUsage: 'SIGN/VERIFY', protectionLevel: 'HSM' }, 'key.unsupportedProtectionLevel'],
      [{ keySpec: 'RSA_2048', keyUsage: 'SIGN/VERIFY', enableAutomaticRotation: true }, 'key.invalidUsage'],
      [{ keySpec: 'RSA_1024', keyUsage: 'SIGN/VERIFY' }, 'validation.invalidParameter'],
    ]
    for (const [input, code] of cases) await refusedWithoutWrite(deps, code, () => createKey(deps, CALLER, input))
    expect(deps.keys.items.size).toBe(0)
  })

  it('creates RSA_4096 keys', async () => {
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, { keySpec: 'RSA_4096', keyUsage: 'SIGN/VERIFY' })
    const { pem } = await getPublicKey(deps, CALLER, { keyId: key.keyId, versionId: key.primaryVersionId! })
    expect(nodeCrypto.createPublicKey(pem).asymmetricKeyDetails?.modulusLength).toBe(4096)
    const { signature } = await asymmetricSign(deps, CALLER, {
      keyId: key.keyId,
      versionId: key.primaryVersionId!,
      algorithm: 'RSA_PKCS1_SHA_256',
      digest: sha256(utf8('m')),
    })
    expect(signature).toHaveLength(512)
  })

  it('refuses automatic rotation policies on asymmetric keys', async () => {
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, { keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY' })
    await refusedWithoutWrite(deps, 'key.invalidUsage', () => updateRotationPolicy(deps, CALLER, key.keyId, true, '30d'))
  })
})

describe('CreateKeyVersion', () => {
  it('adds a primary version after 7 days; old versions keep verifying and decrypting', async () => {
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, { keySpec: 'EC_P256K', keyUsage: 'SIGN/VERIFY' })
    const v1 = key.primaryVersionId!
    const digest = sha256(utf8('old'))
    const { signature } = await asymmetricSign(deps, CALLER, { keyId: key.keyId, versionId: v1, algorithm: 'ECDSA_SHA_256', digest })
    await refusedWithoutWrite(deps, 'limit.exceeded', () => createKeyVersion(deps, CALLER, key.keyId))
    deps.clock.advanceDays(6.9)
    await refusedWithoutWrite(deps, 'limit.exceeded', () => createKeyVersion(deps, CALLER, key.keyId))
    deps.clock.advanceDays(0.1)
    const { key: updated, version } = await createKeyVersion(deps, CALLER, key.keyId)
    expect(updated.primaryVersionId).toBe(version.versionId)
    expect(updated.versions.map((v) => v.versionId)).toEqual([v1, version.versionId])
    expect(version.publicKeySpki).not.toBe(updated.versions[0]!.publicKeySpki)
    expect(
      (await asymmetricVerify(deps, CALLER, { keyId: key.keyId, versionId: v1, algorithm: 'ECDSA_SHA_256', digest, signature })).valid,
    ).toBe(true)
    expect(
      (
        await asymmetricVerify(deps, CALLER, {
          keyId: key.keyId,
          versionId: version.versionId,
          algorithm: 'ECDSA_SHA_256',
          digest,
          signature,
        })
      ).valid,
    ).toBe(false)
  })

  it('stops at 50 versions, refuses symmetric, disabled and imported keys, and adds exactly one version under a race', async () => {
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, { keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY' })
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => {
        deps.clock.advanceDays(0)
        return createKeyVersion(deps, CALLER, key.keyId)
      }),
    )
    expect(results.every((r) => r.status === 'rejected')).toBe(true)
    deps.clock.advanceDays(8)
    const raced = await Promise.allSettled(Array.from({ length: 5 }, () => createKeyVersion(deps, CALLER, key.keyId)))
    expect(raced.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect(deps.keys.items.get(key.keyId)!.versions).toHaveLength(2)
    const full = deps.keys.items.get(key.keyId)!
    full.versions = Array.from({ length: 50 }, (_, i) => ({ ...full.versions[0]!, versionId: `v${i}` }))
    deps.clock.advanceDays(8)
    await refusedWithoutWrite(deps, 'limit.exceeded', () => createKeyVersion(deps, CALLER, key.keyId))

    const sym = await createKey(deps, CALLER, {})
    await refusedWithoutWrite(deps, 'key.invalidUsage', () => createKeyVersion(deps, CALLER, sym.keyId))
    const disabled = await createKey(deps, CALLER, { keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY' })
    await disableKey(deps, CALLER, disabled.keyId)
    deps.clock.advanceDays(8)
    await refusedWithoutWrite(deps, 'key.disabled', () => createKeyVersion(deps, CALLER, disabled.keyId))
  })
})

describe('ExportDataKey / GenerateAndExportDataKey', () => {
  const recipient = nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
  const spki = new Uint8Array(recipient.publicKey.export({ type: 'spki', format: 'der' }))
  const open = (alg: string, data: string) =>
    new Uint8Array(
      nodeCrypto.privateDecrypt(
        alg === 'RSAES_PKCS1_V1_5'
          ? { key: recipient.privateKey, padding: nodeCrypto.constants.RSA_NO_PADDING }
          : {
              key: recipient.privateKey,
              padding: nodeCrypto.constants.RSA_PKCS1_OAEP_PADDING,
              oaepHash: alg === 'RSAES_OAEP_SHA_1' ? 'sha1' : 'sha256',
            },
        Buffer.from(data, 'base64'),
      ),
    )

  it("re-wraps a data key under the caller's public key with each algorithm", async () => {
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, {})
    for (const wrappingAlgorithm of ['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1', 'RSAES_PKCS1_V1_5']) {
      const gen = await generateAndExportDataKey(deps, CALLER, {
        keyId: key.keyId,
        context: { k: 'v' },
        publicKeyBlob: spki,
        wrappingAlgorithm,
        wrappingKeySpec: 'RSA_2048',
      })
      const viaCmk = await decrypt(deps, CALLER, { ciphertextBlob: fromBase64(gen.ciphertextBlob)!, context: { k: 'v' } })
      let exported = open(wrappingAlgorithm, gen.exportedDataKey)
      // PKCS#1 v1.5 is opened raw here (Node refuses PKCS#1 v1.5 decryption): the key is the tail.
      if (wrappingAlgorithm === 'RSAES_PKCS1_V1_5') {
        expect([exported[0], exported[1], exported[256 - 33]]).toEqual([0, 2, 0])
        exported = exported.subarray(256 - 32)
      }
      expect(exported).toEqual(viaCmk.plaintext)
      const again = await exportDataKey(deps, CALLER, {
        ciphertextBlob: fromBase64(gen.ciphertextBlob)!,
        context: { k: 'v' },
        publicKeyBlob: spki,
        wrappingAlgorithm,
        wrappingKeySpec: 'RSA_2048',
      })
      expect(again.versionId).toBe(gen.versionId)
    }
  })

  it('validates the public key, spec, algorithm and size before touching the data key', async () => {
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, {})
    const base = {
      keyId: key.keyId,
      context: {},
      publicKeyBlob: spki as Uint8Array,
      wrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      wrappingKeySpec: 'RSA_2048',
    }
    const ec = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'der' })
    const cases: Array<Partial<Omit<typeof base, 'publicKeyBlob'>> & { publicKeyBlob?: Uint8Array; numberOfBytes?: number }> = [
      { publicKeyBlob: new Uint8Array(ec) },
      { publicKeyBlob: spki.subarray(1) },
      { publicKeyBlob: utf8('-----BEGIN PUBLIC KEY-----') },
      { wrappingKeySpec: 'RSA_3072' },
      { wrappingKeySpec: 'EC_SM2' },
      { wrappingAlgorithm: 'RSA_PSS_SHA_256' },
      { numberOfBytes: 191 },
    ]
    for (const over of cases) {
      await refusedWithoutWrite(deps, 'validation.invalidParameter', () => generateAndExportDataKey(deps, CALLER, { ...base, ...over }))
    }
    const big = await (
      await import('../symmetric-crypto')
    ).generateDataKey(deps, CALLER, { keyId: key.keyId, numberOfBytes: 200, context: {} })
    await refusedWithoutWrite(deps, 'validation.invalidParameter', () =>
      exportDataKey(deps, CALLER, { ...base, ciphertextBlob: fromBase64(big.ciphertextBlob)! }),
    )
    await refusedWithoutWrite(deps, 'crypto.invalidCiphertext', () =>
      exportDataKey(deps, CALLER, { ...base, ciphertextBlob: fromBase64(big.ciphertextBlob)!, context: { wrong: 'ctx' } }),
    )
    expect(toBase64(spki)).toBeTruthy()
  })
})
