/**
 * HMAC in the bridge against a real SoftHSMv2 token (bridge as a child process, through
 * HsmBridgeClient): generic-secret key generation for HMAC_SHA_224/256/384/512, the objects'
 * attributes, GenerateMac/VerifyMac, refusals, and known answers: Wycheproof HMAC vectors whose
 * key has the hash's length, imported into the token with pkcs11js (a second process), must give
 * the vector's tag through the bridge and verify exactly when the vector is valid.
 */

import { createHash, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

import pkcs11js from 'pkcs11js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { HsmBridgeClient, type HsmMacAlgorithm } from '../../core/hsm-client/client'
import { KmsError } from '../../core/errors'
import { bridgeEnv, makeToken, newSecret, NO_SOFTHSM, REPO_ROOT, spawnBridge, type RunningBridge, type TokenFixture } from './helpers'

const P = pkcs11js
const SPECS = ['HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512'] as const
const BYTES: Record<HsmMacAlgorithm, number> = { HMAC_SHA_224: 28, HMAC_SHA_256: 32, HMAC_SHA_384: 48, HMAC_SHA_512: 64 }
const FILES: Record<HsmMacAlgorithm, [string, string]> = {
  HMAC_SHA_224: ['hmac_sha224_test.json', '9b3a2470fe5bc8aa2d3e55f19772dc1f88fda897863ed4eaa4d8536c244c320b'],
  HMAC_SHA_256: ['hmac_sha256_test.json', '2d201cfa61d1bf95e6f5d07d96634b4a348b31e8eaa277ad7c8d09677b7a743f'],
  HMAC_SHA_384: ['hmac_sha384_test.json', '28b9776e979dd755d852ca471043ea6cedce8b15f7a28abdf6ea9efd982b43c0'],
  HMAC_SHA_512: ['hmac_sha512_test.json', 'b6c90477bdb4a6fc8ee3d1f7b2c0b69a8dfffab34718abaa6cabd71cc2ba1207'],
}
/** Vectors imported per file (each needs its own token object). */
const VECTORS_PER_FILE = 24

async function kmsCode(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(KmsError)
  return (err as KmsError).code
}

interface Vector {
  tcId: number
  key: string
  msg: string
  tag: string
  result: string
}

function vectors(alg: HsmMacAlgorithm): Vector[] {
  const [name, sha256] = FILES[alg]
  const raw = readFileSync(resolve(REPO_ROOT, 'test/vectors/wycheproof', name))
  expect(createHash('sha256').update(raw).digest('hex')).toBe(sha256)
  const file = JSON.parse(raw.toString('utf8')) as { testGroups: Array<{ keySize: number; tagSize: number; tests: Vector[] }> }
  const full = file.testGroups.find((g) => g.keySize === BYTES[alg] * 8 && g.tagSize === BYTES[alg] * 8)!
  // Non-empty messages only (GenerateMac takes 1–4096 bytes); half valid, half invalid.
  const usable = full.tests.filter((t) => t.msg.length > 0)
  const half = VECTORS_PER_FILE / 2
  return [...usable.filter((t) => t.result === 'valid').slice(0, half), ...usable.filter((t) => t.result === 'invalid').slice(0, half)]
}

describe.skipIf(NO_SOFTHSM)('hsm-bridge HMAC (SoftHSMv2)', () => {
  let token: TokenFixture
  let bridge: RunningBridge
  let client: HsmBridgeClient
  const run = randomBytes(4).toString('hex')
  const id = (spec: string) => `${spec.toLowerCase().replaceAll('_', '-')}-${run}`

  /** Runs `fn` in a logged-in pkcs11js session of this test process (not the bridge's). */
  function withSession<T>(fn: (m: pkcs11js.PKCS11, session: Buffer) => T): T {
    process.env.SOFTHSM2_CONF = token.setup.conf
    const m = new P.PKCS11()
    m.load(token.setup.modulePath)
    m.C_Initialize({ flags: P.CKF_OS_LOCKING_OK })
    try {
      const slot = m.C_GetSlotList(true).find((s) => m.C_GetTokenInfo(s).label.trimEnd() === token.setup.tokenLabel)!
      const session = m.C_OpenSession(slot, P.CKF_SERIAL_SESSION | P.CKF_RW_SESSION)
      m.C_Login(session, P.CKU_USER, token.setup.pin)
      return fn(m, session)
    } finally {
      m.C_Finalize()
    }
  }

  beforeAll(async () => {
    token = await makeToken()
    const secret = newSecret()
    bridge = await spawnBridge(bridgeEnv(token.setup, secret))
    client = new HsmBridgeClient({ baseUrl: bridge.url, secret })
    for (const spec of SPECS) expect(await client.generateKey(id(spec), spec)).toEqual({ id: id(spec), spec })
    await client.generateKey(`aes-${run}`, 'AES_256')
  })

  afterAll(async () => {
    await bridge?.stop()
    await token?.cleanup()
  })

  it('generates sensitive, non-extractable generic secrets of the hash length that only sign and verify', () => {
    withSession((m, session) => {
      for (const spec of SPECS) {
        m.C_FindObjectsInit(session, [{ type: P.CKA_ID, value: Buffer.from(id(spec)) }])
        const handles = m.C_FindObjects(session, 10)
        m.C_FindObjectsFinal(session)
        expect(handles).toHaveLength(1)
        const h = handles[0]!
        const attr = (type: number) => m.C_GetAttributeValue(session, h, [{ type }])[0]!.value as Buffer
        expect(attr(P.CKA_CLASS).readUInt32LE(0)).toBe(P.CKO_SECRET_KEY)
        expect(attr(P.CKA_KEY_TYPE).readUInt32LE(0)).toBe(P.CKK_GENERIC_SECRET)
        expect(attr(P.CKA_VALUE_LEN).readUInt32LE(0)).toBe(BYTES[spec])
        for (const [type, value] of [
          [P.CKA_TOKEN, 1],
          [P.CKA_SENSITIVE, 1],
          [P.CKA_EXTRACTABLE, 0],
          [P.CKA_NEVER_EXTRACTABLE, 1],
          [P.CKA_SIGN, 1],
          [P.CKA_VERIFY, 1],
          [P.CKA_ENCRYPT, 0],
          [P.CKA_DECRYPT, 0],
          [P.CKA_WRAP, 0],
          [P.CKA_DERIVE, 0],
        ] as const) {
          expect(attr(type)[0], `${spec} attribute ${type}`).toBe(value)
        }
        const code = (() => {
          try {
            m.C_GetAttributeValue(session, h, [{ type: P.CKA_VALUE }])
            return undefined
          } catch (err) {
            return (err as pkcs11js.Pkcs11Error).code
          }
        })()
        expect(code).toBe(P.CKR_ATTRIBUTE_SENSITIVE)
      }
    })
  })

  it('is idempotent per spec; the same id with another HMAC spec is refused', async () => {
    expect(await client.generateKey(id('HMAC_SHA_256'), 'HMAC_SHA_256')).toEqual({ id: id('HMAC_SHA_256'), spec: 'HMAC_SHA_256' })
    expect(await kmsCode(client.generateKey(id('HMAC_SHA_256'), 'HMAC_SHA_512'))).toBe('internal')
    expect(await client.listKeys()).toEqual(expect.arrayContaining(SPECS.map(id)))
  })

  it('computes full-length tags that verify; other tags, messages and keys do not', async () => {
    const message = randomBytes(100)
    for (const spec of SPECS) {
      const mac = await client.generateMac(id(spec), spec, message)
      expect(mac.length).toBe(BYTES[spec])
      expect(await client.generateMac(id(spec), spec, message)).toEqual(mac)
      expect(await client.verifyMac(id(spec), spec, message, mac)).toBe(true)
      const flipped = Uint8Array.from(mac)
      flipped[5]! ^= 1
      expect(await client.verifyMac(id(spec), spec, message, flipped)).toBe(false)
      expect(await client.verifyMac(id(spec), spec, randomBytes(100), mac)).toBe(false)
      // Wrong length: refused by the bridge as malformed (the domain turns it into `false`).
      expect(await kmsCode(client.verifyMac(id(spec), spec, message, mac.subarray(0, 16)))).toBe('validation.invalidParameter')
    }
    const other = `other-${run}`
    await client.generateKey(other, 'HMAC_SHA_256')
    const mac = await client.generateMac(id('HMAC_SHA_256'), 'HMAC_SHA_256', message)
    expect(await client.verifyMac(other, 'HMAC_SHA_256', message, mac)).toBe(false)
    expect(await client.destroyKey(other)).toBe(true)
  })

  it('refuses another algorithm than the key length, non-HMAC keys, unknown ids and bad messages', async () => {
    const k = id('HMAC_SHA_256')
    expect(await kmsCode(client.generateMac(k, 'HMAC_SHA_512', new Uint8Array([1])))).toBe('validation.invalidParameter')
    expect(await kmsCode(client.generateMac(`aes-${run}`, 'HMAC_SHA_256', new Uint8Array([1])))).toBe('validation.invalidParameter')
    expect(await kmsCode(client.generateMac(`none-${run}`, 'HMAC_SHA_256', new Uint8Array([1])))).toBe('key.notFound')
    expect(await kmsCode(client.generateMac(k, 'HMAC_SHA_256', new Uint8Array(0)))).toBe('validation.invalidParameter')
    expect(await kmsCode(client.generateMac(k, 'HMAC_SHA_256', new Uint8Array(4097)))).toBe('validation.invalidParameter')
    expect((await client.generateMac(k, 'HMAC_SHA_256', new Uint8Array(4096))).length).toBe(32)
    expect(await kmsCode(client.generateMac(k, 'HMAC_SM3' as HsmMacAlgorithm, new Uint8Array([1])))).toBe('validation.invalidParameter')
    // The session pool is still healthy after the refusals.
    expect(await client.health()).toEqual({ status: 'ok' })
  })

  it('gives the Wycheproof tags for imported keys of the hash length', async () => {
    const imported: Array<{ alg: HsmMacAlgorithm; oid: string; v: Vector }> = []
    withSession((m, session) => {
      for (const alg of SPECS) {
        for (const v of vectors(alg)) {
          const oid = `wp-${alg.slice(9)}-${v.tcId}-${run}`
          m.C_CreateObject(session, [
            { type: P.CKA_CLASS, value: P.CKO_SECRET_KEY },
            { type: P.CKA_KEY_TYPE, value: P.CKK_GENERIC_SECRET },
            { type: P.CKA_TOKEN, value: true },
            { type: P.CKA_PRIVATE, value: true },
            { type: P.CKA_SENSITIVE, value: true },
            { type: P.CKA_ID, value: Buffer.from(oid) },
            { type: P.CKA_VALUE, value: Buffer.from(v.key, 'hex') },
            { type: P.CKA_SIGN, value: true },
            { type: P.CKA_VERIFY, value: true },
          ])
          imported.push({ alg, oid, v })
        }
      }
    })
    const counts = { valid: 0, invalid: 0 }
    for (const { alg, oid, v } of imported) {
      const msg = Buffer.from(v.msg, 'hex')
      const tag = Buffer.from(v.tag, 'hex')
      const mac = Buffer.from(await client.generateMac(oid, alg, msg))
      expect(mac.equals(tag), `${alg} tcId ${v.tcId}`).toBe(v.result === 'valid')
      expect(await client.verifyMac(oid, alg, msg, tag), `${alg} tcId ${v.tcId}`).toBe(v.result === 'valid')
      counts[v.result === 'valid' ? 'valid' : 'invalid']++
      await client.destroyKey(oid)
    }
    console.info(`hsm-bridge HMAC Wycheproof: ${counts.valid} valid, ${counts.invalid} invalid`)
    expect(counts.valid).toBeGreaterThan(0)
    expect(counts.invalid).toBeGreaterThan(0)
  })
})
