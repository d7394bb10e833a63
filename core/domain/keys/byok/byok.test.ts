/**
 * BYOK through the domain with the in-memory store and a fixed clock: the import token (bound,
 * authenticated, expiring, single-use), every wrapping algorithm (material wrapped by
 * node:crypto as a customer would), same-material-only re-import, DeleteKeyMaterial, the expiry
 * job, and asymmetric private-key import (RSA-OAEP + AES-KWP envelope).
 */
import * as nodeCrypto from 'node:crypto'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { CALLER, memoryKeyDeps } from '../../../../test/fakes/memory-store'
import { fromBase64, utf8 } from '../../../crypto/bytes'
import { randomBytes } from '../../../crypto/random'
import { KmsError } from '../../../errors'
import { runJobs } from '../../jobs/job'
import { createKey } from '../create-key'
import { disableKey, scheduleKeyDeletion } from '../key-lifecycle'
import { updateRotationPolicy } from '../key-versions'
import { decrypt, encrypt } from '../symmetric-crypto'
import { asymmetricSign } from '../asymmetric/asymmetric-sign'
import { asymmetricVerify } from '../asymmetric/asymmetric-verify'
import { getPublicKey } from '../asymmetric/get-public-key'
import { deleteKeyMaterial } from './delete-key-material'
import { expireImportedMaterial } from './expire-material-job'
import { getParametersForImport, IMPORT_TOKEN_VALIDITY_MS } from './get-parameters-for-import'
import { importKeyMaterial } from './import-key-material'

type Deps = ReturnType<typeof memoryKeyDeps>
const { RSA_PKCS1_OAEP_PADDING, RSA_PKCS1_PADDING } = nodeCrypto.constants

async function refusal(p: Promise<unknown>): Promise<KmsError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(KmsError)
  return err as KmsError
}

async function refusedWithoutWrite(deps: Deps, code: string, call: () => Promise<unknown>): Promise<void> {
  const before = structuredClone([...deps.keys.items.entries()])
  expect((await refusal(call())).code).toBe(code)
  expect([...deps.keys.items.entries()]).toEqual(before)
}

const pub = (publicKey: string) => ({ key: Buffer.from(publicKey, 'base64'), format: 'der' as const, type: 'spki' as const })

/** What a customer does with the returned public key (node:crypto = OpenSSL). */
function wrap(publicKey: string, algorithm: string, material: Uint8Array): Uint8Array {
  if (algorithm === 'RSAES_PKCS1_V1_5')
    return new Uint8Array(nodeCrypto.publicEncrypt({ ...pub(publicKey), padding: RSA_PKCS1_PADDING }, material))
  const oaepHash = algorithm.endsWith('SHA_1') ? 'sha1' : 'sha256'
  if (algorithm.startsWith('RSAES_OAEP'))
    return new Uint8Array(nodeCrypto.publicEncrypt({ ...pub(publicKey), padding: RSA_PKCS1_OAEP_PADDING, oaepHash }, material))
  return envelope(publicKey, material, oaepHash)
}

/** RSA-OAEP(ephemeral AES-256 key) ‖ AES-KWP (OpenSSL's id-aes256-wrap-pad) of the material. */
function envelope(publicKey: string, material: Uint8Array, oaepHash: 'sha1' | 'sha256' = 'sha256'): Uint8Array {
  const aesKey = nodeCrypto.randomBytes(32)
  const wrappedKey = nodeCrypto.publicEncrypt({ ...pub(publicKey), padding: RSA_PKCS1_OAEP_PADDING, oaepHash }, aesKey)
  const kwp = nodeCrypto.createCipheriv('id-aes256-wrap-pad', aesKey, Buffer.from('a65959a6', 'hex'))
  return new Uint8Array(Buffer.concat([wrappedKey, kwp.update(material), kwp.final()]))
}

async function externalKey(deps: Deps, over: Parameters<typeof createKey>[2] = {}) {
  return createKey(deps, CALLER, { origin: 'EXTERNAL', ...over })
}

async function params(deps: Deps, keyId: string, wrappingAlgorithm = 'RSAES_OAEP_SHA_256') {
  return getParametersForImport(deps, CALLER, { keyId, wrappingAlgorithm, wrappingKeySpec: 'RSA_2048' })
}

describe('CreateKey with Origin=EXTERNAL', () => {
  it('creates a PendingImport key with no version that refuses crypto and automatic rotation', async () => {
    const deps = memoryKeyDeps()
    const key = await externalKey(deps)
    expect(key).toMatchObject({ origin: 'EXTERNAL', keyState: 'PendingImport', versions: [], primaryVersionId: undefined })
    expect((await refusal(encrypt(deps, CALLER, { keyId: key.keyId, plaintext: utf8('x'), context: {} }))).code).toBe('key.pendingImport')
    expect((await refusal(externalKey(deps, { enableAutomaticRotation: true }))).code).toBe('key.unsupportedOrigin')
    expect((await refusal(updateRotationPolicy(deps, CALLER, key.keyId, true, '30d'))).code).toBe('key.pendingImport')
    const p = await params(deps, key.keyId)
    await importKeyMaterial(deps, CALLER, {
      keyId: key.keyId,
      importToken: p.importToken,
      encryptedKeyMaterial: wrap(p.publicKey, 'RSAES_OAEP_SHA_256', randomBytes(32)),
    })
    expect((await refusal(updateRotationPolicy(deps, CALLER, key.keyId, true, '30d'))).code).toBe('key.unsupportedOrigin')
  })
})

describe('GetParametersForImport', () => {
  it('returns an RSA_2048 public key and a token valid 24 hours, and stores the wrapping key only wrapped', async () => {
    const deps = memoryKeyDeps()
    const key = await externalKey(deps)
    const out = await params(deps, key.keyId)
    const publicKey = nodeCrypto.createPublicKey(pub(out.publicKey))
    expect(publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048)
    expect(Date.parse(out.tokenExpireTime) - deps.clock.now()).toBe(IMPORT_TOKEN_VALIDITY_MS)
    const stored = deps.keys.items.get(key.keyId)!.importParameters!
    expect(stored.wrappedPrivateKey).toMatch(/^rk1\./)
    expect(stored.expiresAt).toBe(out.tokenExpireTime)
    expect(out.importToken).not.toContain(stored.tokenId)
  })

  it('refuses keys that are not EXTERNAL, unknown algorithms and specs, and PKCS#1 v1.5 for private keys', async () => {
    const deps = memoryKeyDeps()
    const normal = await createKey(deps, CALLER, {})
    const sym = await externalKey(deps)
    const rsa = await externalKey(deps, { keySpec: 'RSA_2048', keyUsage: 'SIGN/VERIFY' })
    await refusedWithoutWrite(deps, 'key.unsupportedOrigin', () => params(deps, normal.keyId))
    await refusedWithoutWrite(deps, 'validation.invalidParameter', () => params(deps, sym.keyId, 'RSA_OAEP'))
    await refusedWithoutWrite(deps, 'validation.invalidParameter', () =>
      getParametersForImport(deps, CALLER, { keyId: sym.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_256', wrappingKeySpec: 'RSA_4096' }),
    )
    await refusedWithoutWrite(deps, 'validation.invalidParameter', () => params(deps, rsa.keyId, 'RSAES_PKCS1_V1_5'))
    await scheduleKeyDeletion(deps, CALLER, sym.keyId, 7)
    await refusedWithoutWrite(deps, 'key.pendingDeletion', () => params(deps, sym.keyId))
  })
})

describe('ImportKeyMaterial (symmetric)', () => {
  for (const algorithm of [
    'RSAES_OAEP_SHA_256',
    'RSAES_OAEP_SHA_1',
    'RSAES_PKCS1_V1_5',
    'RSA_AES_KEY_WRAP_SHA_256',
    'RSA_AES_KEY_WRAP_SHA_1',
  ]) {
    it(`${algorithm}: imports 32 bytes, enables the key, and the key encrypts with that material`, async () => {
      const deps = memoryKeyDeps()
      const key = await externalKey(deps)
      const p = await params(deps, key.keyId, algorithm)
      const material = randomBytes(32)
      const imported = await importKeyMaterial(deps, CALLER, {
        keyId: key.keyId,
        importToken: p.importToken,
        encryptedKeyMaterial: wrap(p.publicKey, algorithm, material),
      })
      expect(imported.keyState).toBe('Enabled')
      expect(imported.versions).toHaveLength(1)
      expect(imported.importParameters).toBeUndefined()
      expect(imported.materialFingerprint).toMatch(/^hm1\.rk-test\./)
      const { ciphertextBlob } = await encrypt(deps, CALLER, { keyId: key.keyId, plaintext: utf8('byok'), context: {} })
      expect(
        Buffer.from((await decrypt(deps, CALLER, { ciphertextBlob: fromBase64(ciphertextBlob)!, context: {} })).plaintext).toString(),
      ).toBe('byok')
    })
  }

  it('refuses wrong, edited, foreign, superseded, reused and expired tokens, bad material and past expiry times', async () => {
    const deps = memoryKeyDeps()
    const key = await externalKey(deps)
    const other = await externalKey(deps)
    const otherParams = await params(deps, other.keyId)
    const old = await params(deps, key.keyId)
    const p = await params(deps, key.keyId)
    const material = randomBytes(32)
    const good = wrap(p.publicKey, 'RSAES_OAEP_SHA_256', material)
    const imp = (over: Partial<Parameters<typeof importKeyMaterial>[2]>) =>
      importKeyMaterial(deps, CALLER, { keyId: key.keyId, importToken: p.importToken, encryptedKeyMaterial: good, ...over })
    const flipped = p.importToken.slice(0, -6) + (p.importToken.at(-6) === 'A' ? 'B' : 'A') + p.importToken.slice(-5)
    await refusedWithoutWrite(deps, 'import.invalidToken', () => imp({ importToken: flipped }))
    await refusedWithoutWrite(deps, 'import.invalidToken', () => imp({ importToken: 'not a token' }))
    await refusedWithoutWrite(deps, 'import.invalidToken', () => imp({ importToken: otherParams.importToken }))
    await refusedWithoutWrite(deps, 'import.invalidToken', () => imp({ importToken: old.importToken }))
    await refusedWithoutWrite(deps, 'import.invalidMaterial', () =>
      imp({ encryptedKeyMaterial: wrap(p.publicKey, 'RSAES_OAEP_SHA_256', randomBytes(16)) }),
    )
    await refusedWithoutWrite(deps, 'import.invalidMaterial', () =>
      imp({ encryptedKeyMaterial: wrap(p.publicKey, 'RSAES_OAEP_SHA_1', material) }),
    )
    await refusedWithoutWrite(deps, 'import.invalidMaterial', () =>
      imp({ encryptedKeyMaterial: wrap(otherParams.publicKey, 'RSAES_OAEP_SHA_256', material) }),
    )
    await refusedWithoutWrite(deps, 'import.invalidMaterial', () => imp({ encryptedKeyMaterial: good.subarray(1) }))
    await refusedWithoutWrite(deps, 'validation.invalidParameter', () =>
      imp({ keyMaterialExpireUnix: Math.floor(deps.clock.now() / 1000) }),
    )
    await refusedWithoutWrite(deps, 'validation.invalidParameter', () => imp({ keyMaterialExpireUnix: -1 }))
    deps.clock.ms += IMPORT_TOKEN_VALIDITY_MS + 1000
    await refusedWithoutWrite(deps, 'import.expiredToken', () => imp({}))
    deps.clock.ms -= 2000
    await imp({})
    // A token imports once.
    await refusedWithoutWrite(deps, 'import.invalidToken', () => imp({}))
  })

  it('PKCS#1 v1.5: a wrong length and a bad padding are the same InvalidKeyMaterial', async () => {
    const deps = memoryKeyDeps()
    const key = await externalKey(deps)
    const p = await params(deps, key.keyId, 'RSAES_PKCS1_V1_5')
    const a = await refusal(
      importKeyMaterial(deps, CALLER, {
        keyId: key.keyId,
        importToken: p.importToken,
        encryptedKeyMaterial: wrap(p.publicKey, 'RSAES_PKCS1_V1_5', randomBytes(31)),
      }),
    )
    const b = await refusal(
      importKeyMaterial(deps, CALLER, { keyId: key.keyId, importToken: p.importToken, encryptedKeyMaterial: randomBytes(256) }),
    )
    expect([a.code, a.message]).toEqual([b.code, b.message])
  })

  it('deletes material (PendingImport, old blobs refused), accepts only the same material again, then old blobs decrypt', async () => {
    const deps = memoryKeyDeps()
    const key = await externalKey(deps)
    const material = randomBytes(32)
    let p = await params(deps, key.keyId)
    await importKeyMaterial(deps, CALLER, {
      keyId: key.keyId,
      importToken: p.importToken,
      encryptedKeyMaterial: wrap(p.publicKey, 'RSAES_OAEP_SHA_256', material),
    })
    const { ciphertextBlob } = await encrypt(deps, CALLER, { keyId: key.keyId, plaintext: utf8('kept'), context: {} })
    const deleted = await deleteKeyMaterial(deps, CALLER, key.keyId)
    expect(deleted.keyState).toBe('PendingImport')
    expect(deleted.versions.every((v) => v.wrappedMaterial === undefined)).toBe(true)
    const rev = deps.keys.items.get(key.keyId)!.rev
    await deleteKeyMaterial(deps, CALLER, key.keyId)
    expect(deps.keys.items.get(key.keyId)!.rev).toBe(rev)
    expect((await refusal(encrypt(deps, CALLER, { keyId: key.keyId, plaintext: utf8('x'), context: {} }))).code).toBe('key.pendingImport')
    expect((await refusal(decrypt(deps, CALLER, { ciphertextBlob: fromBase64(ciphertextBlob)!, context: {} }))).code).toBe(
      'crypto.invalidCiphertext',
    )

    p = await params(deps, key.keyId)
    await refusedWithoutWrite(deps, 'import.invalidMaterial', () =>
      importKeyMaterial(deps, CALLER, {
        keyId: key.keyId,
        importToken: p.importToken,
        encryptedKeyMaterial: wrap(p.publicKey, 'RSAES_OAEP_SHA_256', randomBytes(32)),
      }),
    )
    await importKeyMaterial(deps, CALLER, {
      keyId: key.keyId,
      importToken: p.importToken,
      encryptedKeyMaterial: wrap(p.publicKey, 'RSAES_OAEP_SHA_256', material),
    })
    const opened = await decrypt(deps, CALLER, { ciphertextBlob: fromBase64(ciphertextBlob)!, context: {} })
    expect(Buffer.from(opened.plaintext).toString()).toBe('kept')
    expect(deps.keys.items.get(key.keyId)!.versions).toHaveLength(1)

    const normal = await createKey(deps, CALLER, {})
    await refusedWithoutWrite(deps, 'key.unsupportedOrigin', () => deleteKeyMaterial(deps, CALLER, normal.keyId))
  })

  it('re-import into an Enabled or Disabled key renews the expiry and keeps the state', async () => {
    const deps = memoryKeyDeps()
    const key = await externalKey(deps)
    const material = randomBytes(32)
    const nowS = Math.floor(deps.clock.now() / 1000)
    let p = await params(deps, key.keyId)
    await importKeyMaterial(deps, CALLER, {
      keyId: key.keyId,
      importToken: p.importToken,
      encryptedKeyMaterial: wrap(p.publicKey, 'RSAES_OAEP_SHA_256', material),
      keyMaterialExpireUnix: nowS + 3600,
    })
    await disableKey(deps, CALLER, key.keyId)
    p = await params(deps, key.keyId)
    const renewed = await importKeyMaterial(deps, CALLER, {
      keyId: key.keyId,
      importToken: p.importToken,
      encryptedKeyMaterial: wrap(p.publicKey, 'RSAES_OAEP_SHA_256', material),
      keyMaterialExpireUnix: nowS + 7200,
    })
    expect(renewed.keyState).toBe('Disabled')
    expect(Date.parse(renewed.materialExpireTime!)).toBe((nowS + 7200) * 1000)
  })
})

describe('expire-imported-material job', () => {
  it('returns keys to PendingImport once their material expires, exactly once under overlapping runs', async () => {
    const deps = memoryKeyDeps()
    const nowS = Math.floor(deps.clock.now() / 1000)
    const keys = []
    for (const expire of [3600, 7200, 0]) {
      const key = await externalKey(deps)
      const p = await params(deps, key.keyId)
      await importKeyMaterial(deps, CALLER, {
        keyId: key.keyId,
        importToken: p.importToken,
        encryptedKeyMaterial: wrap(p.publicKey, 'RSAES_OAEP_SHA_256', randomBytes(32)),
        keyMaterialExpireUnix: expire && nowS + expire,
      })
      keys.push(key.keyId)
    }
    await disableKey(deps, CALLER, keys[1]!)
    expect((await runJobs([expireImportedMaterial], deps, (nowS + 3599) * 1000))[0]).toMatchObject({ processed: 0 })
    const at = (nowS + 3600) * 1000
    const reports = (await Promise.all([runJobs([expireImportedMaterial], deps, at), runJobs([expireImportedMaterial], deps, at)])).flat()
    expect(reports.reduce((n, r) => n + r.processed, 0)).toBe(1)
    expect(deps.keys.items.get(keys[0]!)!.keyState).toBe('PendingImport')
    expect(deps.keys.items.get(keys[0]!)!.versions[0]!.wrappedMaterial).toBeUndefined()
    expect(deps.keys.items.get(keys[1]!)!.keyState).toBe('Disabled')
    expect((await runJobs([expireImportedMaterial], deps, (nowS + 100 * 86_400) * 1000))[0]).toMatchObject({ processed: 1, failed: 0 })
    expect(deps.keys.items.get(keys[1]!)!.keyState).toBe('PendingImport')
    expect(deps.keys.items.get(keys[2]!)!.keyState).toBe('Enabled')
  })
})

describe('ImportKeyMaterial (asymmetric private keys)', () => {
  const cases = [
    ['RSA_2048', () => nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2048 }), 'RSA_PSS_SHA_256'],
    ['EC_P256', () => nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }), 'ECDSA_SHA_256'],
    ['EC_P256K', () => nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'secp256k1' }), 'ECDSA_SHA_256'],
  ] as const
  for (const [keySpec, generate, algorithm] of cases) {
    it(`${keySpec}: imports a PKCS#8 key wrapped with RSA-OAEP-SHA256 + AES-KWP; it signs, and its public key is the customer's`, async () => {
      const deps = memoryKeyDeps()
      const key = await externalKey(deps, { keySpec, keyUsage: 'SIGN/VERIFY' })
      const pair = generate()
      const pkcs8 = new Uint8Array(pair.privateKey.export({ type: 'pkcs8', format: 'der' }))
      const p = await params(deps, key.keyId, 'RSAES_OAEP_SHA_256')
      const imported = await importKeyMaterial(deps, CALLER, {
        keyId: key.keyId,
        importToken: p.importToken,
        encryptedKeyMaterial: envelope(p.publicKey, pkcs8),
      })
      const versionId = imported.primaryVersionId!
      const { pem } = await getPublicKey(deps, CALLER, { keyId: key.keyId, versionId })
      expect(pem).toBe(pair.publicKey.export({ type: 'spki', format: 'pem' }))
      const message = utf8('imported key signs')
      const { signature } = await asymmetricSign(deps, CALLER, { keyId: key.keyId, versionId, algorithm, digest: sha256(message) })
      const opts =
        algorithm === 'RSA_PSS_SHA_256'
          ? { key: pair.publicKey, padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
          : pair.publicKey
      expect(nodeCrypto.verify('sha256', message, opts, signature)).toBe(true)
      const theirs = nodeCrypto.sign(
        'sha256',
        message,
        algorithm === 'RSA_PSS_SHA_256'
          ? { key: pair.privateKey, padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
          : pair.privateKey,
      )
      expect(
        (await asymmetricVerify(deps, CALLER, { keyId: key.keyId, versionId, algorithm, digest: sha256(message), signature: theirs }))
          .valid,
      ).toBe(true)
    })
  }

  it('refuses a key of the wrong spec or size, non-PKCS#8 bytes and a different key on re-import', async () => {
    const deps = memoryKeyDeps()
    const key = await externalKey(deps, { keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY' })
    const attempt = async (material: Uint8Array, algorithm = 'RSA_AES_KEY_WRAP_SHA_256') => {
      const p = await params(deps, key.keyId, algorithm)
      return importKeyMaterial(deps, CALLER, {
        keyId: key.keyId,
        importToken: p.importToken,
        encryptedKeyMaterial: envelope(p.publicKey, material),
      })
    }
    const der = (k: nodeCrypto.KeyObject, type: 'pkcs8' | 'sec1' = 'pkcs8') => new Uint8Array(k.export({ type, format: 'der' } as never))
    const k1 = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey
    const rsa = nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
    const p256a = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey
    const p256b = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey
    for (const bad of [der(k1), der(rsa), der(p256a, 'sec1'), randomBytes(32)]) {
      expect((await refusal(attempt(bad))).code).toBe('import.invalidMaterial')
    }
    expect(deps.keys.items.get(key.keyId)!.keyState).toBe('PendingImport')
    await attempt(der(p256a))
    await deleteKeyMaterial(deps, CALLER, key.keyId)
    expect((await refusal(attempt(der(p256b)))).code).toBe('import.invalidMaterial')
    // The same key, in another valid encoding (without the embedded public key) is the same material.
    const jwk = p256a.export({ format: 'jwk' })
    const bare = nodeCrypto.createPrivateKey({ key: { ...jwk, x: jwk.x, y: jwk.y }, format: 'jwk' })
    expect((await attempt(der(bare), 'RSAES_OAEP_SHA_256')).keyState).toBe('Enabled')

    const rsaKey = await externalKey(deps, { keySpec: 'RSA_3072', keyUsage: 'SIGN/VERIFY' })
    const p = await params(deps, rsaKey.keyId)
    expect(
      (
        await refusal(
          importKeyMaterial(deps, CALLER, {
            keyId: rsaKey.keyId,
            importToken: p.importToken,
            encryptedKeyMaterial: envelope(p.publicKey, der(rsa)),
          }),
        )
      ).code,
    ).toBe('import.invalidMaterial')
  })
})
