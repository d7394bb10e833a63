/**
 * Every bridge operation through HsmBridgeClient against a real SoftHSMv2 token, with the bridge
 * as a child process. Cryptographic results are checked with node:crypto and @noble/curves, and
 * the created objects are inspected directly with pkcs11js (a second process on the same token).
 */

import {
  constants,
  createHash,
  createPublicKey,
  generateKeyPairSync,
  publicEncrypt,
  randomBytes,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto'

import { p256 } from '@noble/curves/nist.js'
import pkcs11js from 'pkcs11js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { HsmBridgeClient, type HsmSigningAlgorithm } from '../../core/hsm-client/client'
import { KmsError } from '../../core/errors'
import {
  bridgeEnv,
  makeToken,
  newSecret,
  NO_SOFTHSM,
  send,
  signedRequest,
  spawnBridge,
  type RunningBridge,
  type TokenFixture,
} from './helpers'

const P = pkcs11js

async function expectKmsError(p: Promise<unknown>, code: string): Promise<KmsError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(KmsError)
  expect((err as KmsError).code).toBe(code)
  return err as KmsError
}

function oaepEncrypt(key: KeyObject, oaepHash: string, plaintext: Buffer): Buffer {
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, plaintext)
}

function digestOf(message: Buffer): Buffer {
  return createHash('sha256').update(message).digest()
}

function spkiKey(der: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' })
}

const INVALID = 'validation.invalidParameter'
const BAD_CIPHERTEXT = 'crypto.invalidCiphertext'
const NONE = new Uint8Array(0)

/** The P-256 curve order (FIPS 186-5 D.1.2.3). */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n

describe.skipIf(NO_SOFTHSM)('hsm-bridge operations (SoftHSMv2)', () => {
  let token: TokenFixture
  let bridge: RunningBridge
  let secret: string
  let client: HsmBridgeClient
  const run = randomBytes(4).toString('hex')
  const ids = {
    aes: `aes-${run}`,
    aes2: `aes2-${run}`,
    rsa: `rsa-${run}`,
    ec: `ec-${run}`,
  }
  const spki = new Map<string, KeyObject>()

  beforeAll(async () => {
    token = await makeToken()
    secret = newSecret()
    bridge = await spawnBridge(bridgeEnv(token.setup, secret))
    client = new HsmBridgeClient({ baseUrl: bridge.url, secret })
    await client.generateKey(ids.aes, 'AES_256')
    await client.generateKey(ids.aes2, 'AES_256')
    for (const [id, spec] of [
      [ids.rsa, 'RSA_2048'],
      [ids.ec, 'EC_P256'],
    ] as const) {
      const key = await client.generateKey(id, spec)
      spki.set(id, spkiKey(key.publicKeySpkiDer!))
    }
  })

  afterAll(async () => {
    await bridge?.stop()
    await token?.cleanup()
  })

  describe('health', () => {
    it('reports ok and nothing else (no token label)', async () => {
      expect(await client.health()).toEqual({ status: 'ok' })
    })
  })

  describe('generate', () => {
    it('returns SPKI DER that node:crypto parses, with the requested size or curve', async () => {
      expect(spki.get(ids.rsa)!.asymmetricKeyDetails).toMatchObject({
        modulusLength: 2048,
        publicExponent: 65537n,
      })
      expect(spki.get(ids.ec)!.asymmetricKeyDetails).toMatchObject({ namedCurve: 'prime256v1' })
    })

    it('creates RSA-3072 and RSA-4096 keys', async () => {
      for (const [spec, bits] of [
        ['RSA_3072', 3072],
        ['RSA_4096', 4096],
      ] as const) {
        const key = await client.generateKey(`big-${bits}-${run}`, spec)
        expect(spkiKey(key.publicKeySpkiDer!).asymmetricKeyDetails?.modulusLength).toBe(bits)
        expect(await client.destroyKey(`big-${bits}-${run}`)).toBe(true)
      }
    })

    it('is idempotent for the same spec and returns the same public key', async () => {
      const again = await client.generateKey(ids.ec, 'EC_P256')
      const der = spki.get(ids.ec)!.export({ format: 'der', type: 'spki' })
      expect(Buffer.from(again.publicKeySpkiDer!)).toEqual(der)
      expect(await client.generateKey(ids.aes, 'AES_256')).toEqual({ id: ids.aes, spec: 'AES_256' })
    })

    it('answers 409 KeyExists when the id exists with another spec', async () => {
      const res = await send(
        signedRequest(bridge.url, {
          path: '/v1/keys/generate',
          secret,
          body: JSON.stringify({ id: ids.aes, spec: 'EC_P256' }),
        }),
      )
      expect(res.status).toBe(409)
      expect(res.json.error?.code).toBe('KeyExists')
      await expectKmsError(client.generateKey(ids.rsa, 'RSA_3072'), 'internal')
    })

    it('creates exactly one key when the same id is generated concurrently', async () => {
      const id = `race-${run}`
      const results = await Promise.all(Array.from({ length: 6 }, () => client.generateKey(id, 'EC_P256')))
      const ders = new Set(results.map((r) => Buffer.from(r.publicKeySpkiDer!).toString('hex')))
      expect(ders.size).toBe(1)
      expect(await client.destroyKey(id)).toBe(true)
    })

    it('rejects invalid ids and specs', async () => {
      await expectKmsError(client.generateKey('bad id', 'AES_256'), INVALID)
      await expectKmsError(client.generateKey('x'.repeat(65), 'AES_256'), INVALID)
      await expectKmsError(client.generateKey('ok', 'AES_128' as never), INVALID)
    })
  })

  describe('token objects', () => {
    it('are token, private, sensitive and non-extractable, and their secret values cannot be read', () => {
      process.env.SOFTHSM2_CONF = token.setup.conf
      const m = new P.PKCS11()
      m.load(token.setup.modulePath)
      m.C_Initialize({ flags: P.CKF_OS_LOCKING_OK })
      try {
        const slot = m.C_GetSlotList(true).find((s) => m.C_GetTokenInfo(s).label.trimEnd() === 'edge-kms')!
        const session = m.C_OpenSession(slot, P.CKF_SERIAL_SESSION)
        m.C_Login(session, P.CKU_USER, token.setup.pin)
        const find = (id: string, cls: number): Buffer[] => {
          m.C_FindObjectsInit(session, [
            { type: P.CKA_ID, value: Buffer.from(id) },
            { type: P.CKA_CLASS, value: cls },
          ])
          const found = m.C_FindObjects(session, 10)
          m.C_FindObjectsFinal(session)
          return found
        }
        const flag = (h: Buffer, type: number): boolean => m.C_GetAttributeValue(session, h, [{ type }])[0]!.value[0] === 1
        const secretCode = (h: Buffer, type: number): number | undefined => {
          try {
            m.C_GetAttributeValue(session, h, [{ type }])
            return undefined
          } catch (err) {
            return (err as pkcs11js.Pkcs11Error).code
          }
        }
        const checked: Array<[string, number, number]> = [
          [ids.aes, P.CKO_SECRET_KEY, P.CKA_VALUE],
          [ids.rsa, P.CKO_PRIVATE_KEY, P.CKA_PRIVATE_EXPONENT],
          [ids.ec, P.CKO_PRIVATE_KEY, P.CKA_VALUE],
        ]
        for (const [id, cls, valueAttr] of checked) {
          const handles = find(id, cls)
          expect(handles).toHaveLength(1)
          const h = handles[0]!
          expect(flag(h, P.CKA_TOKEN)).toBe(true)
          expect(flag(h, P.CKA_PRIVATE)).toBe(true)
          expect(flag(h, P.CKA_SENSITIVE)).toBe(true)
          expect(flag(h, P.CKA_EXTRACTABLE)).toBe(false)
          expect(flag(h, P.CKA_NEVER_EXTRACTABLE)).toBe(true)
          expect(flag(h, P.CKA_ALWAYS_SENSITIVE)).toBe(true)
          const [label] = m.C_GetAttributeValue(session, h, [{ type: P.CKA_LABEL }])
          expect(label!.value.toString()).toBe(id)
          expect(secretCode(h, valueAttr)).toBe(P.CKR_ATTRIBUTE_SENSITIVE)
        }
        const aes = find(ids.aes, P.CKO_SECRET_KEY)[0]!
        expect(flag(aes, P.CKA_ENCRYPT) && flag(aes, P.CKA_DECRYPT)).toBe(true)
        expect(flag(aes, P.CKA_SIGN) || flag(aes, P.CKA_WRAP)).toBe(false)
        const rsaPriv = find(ids.rsa, P.CKO_PRIVATE_KEY)[0]!
        expect(flag(rsaPriv, P.CKA_SIGN) && flag(rsaPriv, P.CKA_DECRYPT)).toBe(true)
        const rsaPub = find(ids.rsa, P.CKO_PUBLIC_KEY)[0]!
        expect(flag(rsaPub, P.CKA_VERIFY) && flag(rsaPub, P.CKA_ENCRYPT)).toBe(true)
        const ecPriv = find(ids.ec, P.CKO_PRIVATE_KEY)[0]!
        expect(flag(ecPriv, P.CKA_SIGN)).toBe(true)
        expect(flag(ecPriv, P.CKA_DECRYPT)).toBe(false)
      } finally {
        m.C_Finalize()
      }
    })
  })

  describe('encrypt / decrypt (AES-256-GCM)', () => {
    it('round-trips plaintexts of 1, 4096 and 65536 bytes with and without AAD', async () => {
      for (const size of [1, 4096, 65536]) {
        for (const aad of [new Uint8Array(0), randomBytes(40)]) {
          const plaintext = randomBytes(size)
          const { iv, ciphertext } = await client.encrypt(ids.aes, plaintext, aad)
          expect(iv).toHaveLength(12)
          expect(ciphertext).toHaveLength(size + 16)
          expect(Buffer.from(await client.decrypt(ids.aes, iv, ciphertext, aad))).toEqual(plaintext)
        }
      }
    })

    it('uses a fresh IV for every encryption of the same plaintext', async () => {
      const plaintext = Buffer.from('same plaintext')
      const results = await Promise.all(Array.from({ length: 200 }, () => client.encrypt(ids.aes, plaintext, new Uint8Array(0))))
      expect(new Set(results.map((r) => Buffer.from(r.iv).toString('hex'))).size).toBe(200)
      expect(new Set(results.map((r) => Buffer.from(r.ciphertext).toString('hex'))).size).toBe(200)
    })

    it('answers InvalidCiphertext for every tampering: tag, body, IV, AAD, key, truncation', async () => {
      const plaintext = randomBytes(64)
      const aad = Buffer.from('context')
      const { iv, ciphertext } = await client.encrypt(ids.aes, plaintext, aad)
      const flip = (b: Uint8Array, i: number): Uint8Array => {
        const c = Uint8Array.from(b)
        c[i]! ^= 0x01
        return c
      }
      // Thunks: each call starts only when awaited, so no rejection is ever left unhandled.
      const cases: Array<() => Promise<unknown>> = [
        () => client.decrypt(ids.aes, iv, flip(ciphertext, 0), aad),
        () => client.decrypt(ids.aes, iv, flip(ciphertext, 63), aad),
        () => client.decrypt(ids.aes, iv, flip(ciphertext, 64), aad),
        () => client.decrypt(ids.aes, iv, flip(ciphertext, 79), aad),
        () => client.decrypt(ids.aes, flip(iv, 5), ciphertext, aad),
        () => client.decrypt(ids.aes, iv, ciphertext, Buffer.from('Context')),
        () => client.decrypt(ids.aes, iv, ciphertext, new Uint8Array(0)),
        () => client.decrypt(ids.aes2, iv, ciphertext, aad),
        () => client.decrypt(ids.aes, iv, ciphertext.subarray(0, 70), aad),
        () => client.decrypt(ids.aes, iv, Buffer.concat([ciphertext, Buffer.from([0])]), aad),
      ]
      for (const c of cases) await expectKmsError(c(), BAD_CIPHERTEXT)
      // The sessions that saw CKR_GENERAL_ERROR were replaced; the key still works.
      expect(Buffer.from(await client.decrypt(ids.aes, iv, ciphertext, aad))).toEqual(plaintext)
    })

    it('rejects empty or oversize plaintext, short IVs and short ciphertexts as invalid parameters', async () => {
      const bytes = (n: number): Uint8Array => new Uint8Array(n)
      await expectKmsError(client.encrypt(ids.aes, bytes(0), NONE), INVALID)
      await expectKmsError(client.encrypt(ids.aes, bytes(65537), NONE), INVALID)
      await expectKmsError(client.decrypt(ids.aes, bytes(16), bytes(32), NONE), INVALID)
      await expectKmsError(client.decrypt(ids.aes, bytes(12), bytes(16), NONE), INVALID)
    })

    it('refuses asymmetric keys and unknown ids', async () => {
      await expectKmsError(client.encrypt(ids.rsa, new Uint8Array(1), NONE), INVALID)
      const missing = client.encrypt(`missing-${run}`, new Uint8Array(1), NONE)
      await expectKmsError(missing, 'key.notFound')
    })
  })

  describe('sign / verify', () => {
    const message = Buffer.from('the quick brown fox')
    const digest = digestOf(message)

    it('RSA-PSS and PKCS#1 v1.5 signatures verify with node:crypto and through the bridge', async () => {
      const key = spki.get(ids.rsa)!
      for (const algorithm of ['RSA_PSS_SHA_256', 'RSA_PKCS1_SHA_256'] as const) {
        const signature = await client.sign(ids.rsa, algorithm, digest)
        expect(signature).toHaveLength(256)
        const padding =
          algorithm === 'RSA_PSS_SHA_256'
            ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
            : { padding: constants.RSA_PKCS1_PADDING }
        expect(nodeVerify('sha256', message, { key, ...padding }, signature)).toBe(true)
        expect(await client.verify(ids.rsa, algorithm, digest, signature)).toBe(true)
        const bad = Uint8Array.from(signature)
        bad[10]! ^= 1
        expect(await client.verify(ids.rsa, algorithm, digest, bad)).toBe(false)
        const otherDigest = digestOf(Buffer.from('other'))
        expect(await client.verify(ids.rsa, algorithm, otherDigest, signature)).toBe(false)
        expect(await client.verify(ids.rsa, algorithm, digest, signature.subarray(1))).toBe(false)
      }
      // PKCS#1 v1.5 is deterministic (RFC 8017 §8.2): signing one digest twice gives one value.
      const pkcs1 = await client.sign(ids.rsa, 'RSA_PKCS1_SHA_256', digest)
      expect(await client.sign(ids.rsa, 'RSA_PKCS1_SHA_256', digest)).toEqual(pkcs1)
    })

    it('ECDSA signatures are DER and verify with node:crypto and noble (lowS: false)', async () => {
      const key = spki.get(ids.ec)!
      const publicPoint = key.export({ format: 'der', type: 'spki' }).subarray(-65)
      for (let i = 0; i < 20; i++) {
        const msg = randomBytes(32)
        const d = digestOf(msg)
        const der = await client.sign(ids.ec, 'ECDSA_SHA_256', d)
        expect(der[0]).toBe(0x30)
        expect(nodeVerify('sha256', msg, { key, dsaEncoding: 'der' }, der)).toBe(true)
        const nobleOptions = { prehash: false, lowS: false, format: 'der' } as const
        expect(p256.verify(der, d, publicPoint, nobleOptions)).toBe(true)
        expect(await client.verify(ids.ec, 'ECDSA_SHA_256', d, der)).toBe(true)
      }
    })

    it('accepts high-S ECDSA signatures and rejects malformed or foreign ones', async () => {
      const key = spki.get(ids.ec)!
      const der = await client.sign(ids.ec, 'ECDSA_SHA_256', digest)
      const raw = p256.Signature.fromBytes(der, 'der')
      // (r, n − s) is the other valid signature for the same digest (ECDSA malleability).
      const flipped = new p256.Signature(raw.r, P256_N - raw.s).toBytes('der')
      expect(nodeVerify('sha256', message, { key, dsaEncoding: 'der' }, flipped)).toBe(true)
      expect(await client.verify(ids.ec, 'ECDSA_SHA_256', digest, flipped)).toBe(true)
      // A node:crypto signature by another P-256 key, and non-DER / truncated encodings.
      const other = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      const foreign = nodeSign('sha256', message, { key: other.privateKey, dsaEncoding: 'der' })
      expect(await client.verify(ids.ec, 'ECDSA_SHA_256', digest, foreign)).toBe(false)
      const p1363 = nodeSign('sha256', message, {
        key: other.privateKey,
        dsaEncoding: 'ieee-p1363',
      })
      expect(await client.verify(ids.ec, 'ECDSA_SHA_256', digest, p1363)).toBe(false)
      const truncated = der.subarray(0, der.length - 1)
      expect(await client.verify(ids.ec, 'ECDSA_SHA_256', digest, truncated)).toBe(false)
      const trailing = Buffer.concat([der, Buffer.from([0])])
      expect(await client.verify(ids.ec, 'ECDSA_SHA_256', digest, trailing)).toBe(false)
    })

    it('refuses mismatched key and algorithm, bad digests and unknown ids', async () => {
      const cases: Array<[string, HsmSigningAlgorithm]> = [
        [ids.aes, 'ECDSA_SHA_256'],
        [ids.rsa, 'ECDSA_SHA_256'],
        [ids.ec, 'RSA_PSS_SHA_256'],
      ]
      for (const [id, alg] of cases) {
        await expectKmsError(client.sign(id, alg, digest), INVALID)
      }
      await expectKmsError(client.sign(ids.ec, 'ECDSA_SHA_256', digest.subarray(1)), INVALID)
      await expectKmsError(client.sign(`missing-${run}`, 'ECDSA_SHA_256', digest), 'key.notFound')
      // The sessions survive the refusals.
      expect(await client.sign(ids.ec, 'ECDSA_SHA_256', digest)).toBeInstanceOf(Uint8Array)
    })
  })

  describe('asymmetric decrypt (RSAES-OAEP)', () => {
    it('decrypts node:crypto OAEP ciphertexts with SHA-1 and SHA-256, up to the maximum length', async () => {
      const key = spki.get(ids.rsa)!
      for (const [algorithm, oaepHash, hLen] of [
        ['RSAES_OAEP_SHA_1', 'sha1', 20],
        ['RSAES_OAEP_SHA_256', 'sha256', 32],
      ] as const) {
        for (const size of [0, 1, 32, 256 - 2 * hLen - 2]) {
          const plaintext = randomBytes(size)
          const ciphertext = oaepEncrypt(key, oaepHash, plaintext)
          const back = await client.asymmetricDecrypt(ids.rsa, algorithm, ciphertext)
          expect(Buffer.from(back)).toEqual(plaintext)
        }
      }
    })

    it('answers InvalidCiphertext for tampered, wrong-hash and wrong-length ciphertexts', async () => {
      const key = spki.get(ids.rsa)!
      const plaintext = randomBytes(16)
      for (const [algorithm, oaepHash, other] of [
        ['RSAES_OAEP_SHA_1', 'sha1', 'RSAES_OAEP_SHA_256'],
        ['RSAES_OAEP_SHA_256', 'sha256', 'RSAES_OAEP_SHA_1'],
      ] as const) {
        const ciphertext = oaepEncrypt(key, oaepHash, plaintext)
        for (const i of [0, 100, 255]) {
          const bad = Buffer.from(ciphertext)
          bad[i]! ^= 0x10
          await expectKmsError(client.asymmetricDecrypt(ids.rsa, algorithm, bad), BAD_CIPHERTEXT)
        }
        const decrypt = (c: Uint8Array): Promise<Uint8Array> => client.asymmetricDecrypt(ids.rsa, algorithm, c)
        await expectKmsError(client.asymmetricDecrypt(ids.rsa, other, ciphertext), BAD_CIPHERTEXT)
        await expectKmsError(decrypt(ciphertext.subarray(1)), BAD_CIPHERTEXT)
        // Not below the modulus: the raw RSA operation itself fails.
        await expectKmsError(decrypt(Buffer.alloc(256, 0xff)), BAD_CIPHERTEXT)
        expect(Buffer.from(await decrypt(ciphertext))).toEqual(plaintext)
      }
    })

    it('refuses EC and AES keys', async () => {
      for (const id of [ids.ec, ids.aes]) {
        const attempt = client.asymmetricDecrypt(id, 'RSAES_OAEP_SHA_1', new Uint8Array(256))
        await expectKmsError(attempt, INVALID)
      }
    })
  })

  describe('public key', () => {
    it('returns the same SPKI as generate', async () => {
      for (const id of [ids.rsa, ids.ec]) {
        const der = await client.getPublicKey(id)
        expect(Buffer.from(der)).toEqual(spki.get(id)!.export({ format: 'der', type: 'spki' }))
      }
    })

    it('refuses symmetric keys and unknown ids', async () => {
      await expectKmsError(client.getPublicKey(ids.aes), INVALID)
      await expectKmsError(client.getPublicKey(`missing-${run}`), 'key.notFound')
    })
  })

  describe('list / destroy', () => {
    it('lists the bridge keys, destroys every object of an id, and is idempotent', async () => {
      const id = `gone-${run}`
      await client.generateKey(id, 'RSA_2048')
      const listed = await client.listKeys()
      for (const k of [ids.aes, ids.aes2, ids.rsa, ids.ec, id]) expect(listed).toContain(k)
      expect(listed).toEqual([...listed].sort())
      expect(await client.destroyKey(id)).toBe(true)
      expect(await client.destroyKey(id)).toBe(false)
      expect(await client.listKeys()).not.toContain(id)
      await expectKmsError(client.getPublicKey(id), 'key.notFound')
      await expectKmsError(client.sign(id, 'RSA_PSS_SHA_256', new Uint8Array(32)), 'key.notFound')
      await expectKmsError(client.destroyKey('not valid'), INVALID)
    })
  })

  describe('concurrency', () => {
    it('serves 64 concurrent mixed operations correctly on a pool of 4 sessions', async () => {
      const jobs = Array.from({ length: 64 }, async (_, i) => {
        if (i % 2 === 0) {
          const plaintext = randomBytes(100 + i)
          const aad = Buffer.from(`aad-${i}`)
          const { iv, ciphertext } = await client.encrypt(ids.aes, plaintext, aad)
          expect(Buffer.from(await client.decrypt(ids.aes, iv, ciphertext, aad))).toEqual(plaintext)
        } else {
          const d = digestOf(Buffer.from(`msg-${i}`))
          const sig = await client.sign(ids.ec, 'ECDSA_SHA_256', d)
          expect(await client.verify(ids.ec, 'ECDSA_SHA_256', d, sig)).toBe(true)
        }
      })
      await Promise.all(jobs)
    })
  })
})
