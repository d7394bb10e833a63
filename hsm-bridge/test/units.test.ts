/**
 * Pure parts of the bridge, no HSM needed: DER encoders and the ECDSA DER ⇄ raw conversion
 * (against node:crypto and @noble/curves), the constant-time OAEP decoder (against node:crypto
 * with RSA_NO_PADDING as the raw RSA operation), configuration parsing, the nonce store and
 * request authentication.
 */

import {
  constants,
  createHash,
  createHmac,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  sign as nodeSign,
} from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { p256 } from '@noble/curves/nist.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { authenticate, NonceStore } from '../src/auth'
import { ConfigError, loadConfig } from '../src/config'
import { bitLength, ecdsaDerToRaw, ecdsaRawToDer, ecPointFromAttribute, p256Spki, rsaSpki } from '../src/der'
import { oaepDecode } from '../src/oaep'

describe('der', () => {
  it('rsaSpki equals node:crypto SPKI export (RFC 8017 A.1.1 inside RFC 5280 §4.1)', () => {
    for (const modulusLength of [1024, 2048]) {
      const { publicKey } = generateKeyPairSync('rsa', { modulusLength })
      const jwk = publicKey.export({ format: 'jwk' })
      const der = rsaSpki(Buffer.from(jwk.n!, 'base64url'), Buffer.from(jwk.e!, 'base64url'))
      expect(der).toEqual(publicKey.export({ format: 'der', type: 'spki' }))
    }
  })

  it('p256Spki equals node:crypto SPKI export (RFC 5480 §2)', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const spki = publicKey.export({ format: 'der', type: 'spki' })
    const point = spki.subarray(-65)
    expect(p256Spki(point)).toEqual(spki)
    const wrapped = Buffer.concat([Buffer.from([0x04, 0x41]), point])
    expect(p256Spki(ecPointFromAttribute(wrapped))).toEqual(spki)
    expect(() => p256Spki(point.subarray(1))).toThrow(RangeError)
    expect(() => ecPointFromAttribute(Buffer.alloc(66, 4))).toThrow(RangeError)
  })

  it('ECDSA DER from node:crypto converts to its IEEE P1363 form and back', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    for (let i = 0; i < 200; i++) {
      const msg = randomBytes(16)
      const der = nodeSign('sha256', msg, { key: privateKey, dsaEncoding: 'der' })
      const raw = ecdsaDerToRaw(der)!
      expect(raw).toHaveLength(64)
      expect(ecdsaRawToDer(raw)).toEqual(der)
      expect(p256.Signature.fromBytes(raw, 'compact').toBytes('der')).toEqual(new Uint8Array(der))
    }
  })

  it('raw → DER → raw is the identity for every r, s in [1, 2^256)', () => {
    const scalar = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((b) => b.some((x) => x !== 0))
    fc.assert(
      fc.property(scalar, scalar, (r, s) => {
        const raw = Buffer.concat([r, s])
        expect(ecdsaDerToRaw(ecdsaRawToDer(raw))).toEqual(raw)
      }),
      { numRuns: 500 },
    )
  })

  it('ecdsaDerToRaw rejects non-minimal, negative, zero, long, truncated and trailing DER', () => {
    const good = ecdsaRawToDer(Buffer.concat([Buffer.alloc(32, 0x11), Buffer.alloc(32, 0x22)]))
    const bad = [
      Buffer.alloc(0),
      Buffer.concat([good, Buffer.from([0])]),
      good.subarray(0, good.length - 1),
      Buffer.from('3006020100020101', 'hex'), // r = 0
      Buffer.from('30060201ff020101', 'hex'), // r negative
      Buffer.from('300702020001020101', 'hex'), // non-minimal r
      Buffer.from('30080202000102020001', 'hex'), // non-minimal r and s
      // r of 33 significant bytes
      Buffer.from(`3026022102${'01'.repeat(32)}020101`, 'hex'),
      Buffer.from('3106020101020101', 'hex'), // not a SEQUENCE
    ]
    for (const b of bad) expect(ecdsaDerToRaw(b)).toBeUndefined()
  })

  it('bitLength counts significant bits', () => {
    expect(bitLength(Buffer.from([0, 0]))).toBe(0)
    expect(bitLength(Buffer.from([0, 1]))).toBe(1)
    expect(bitLength(Buffer.from([0x80, 0]))).toBe(16)
    expect(bitLength(Buffer.from([0, 0x7f, 0]))).toBe(15)
  })
})

describe('oaep', () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const rawRsa = (c: Buffer): Buffer => privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, c)
  const encrypt = (plaintext: Buffer, oaepHash: string): Buffer =>
    publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, plaintext)

  it('decodes what node:crypto encodes, for SHA-1 and SHA-256 (RFC 8017 §7.1.2)', () => {
    for (const [hash, hLen] of [
      ['sha1', 20],
      ['sha256', 32],
    ] as const) {
      for (const size of [0, 1, 17, 256 - 2 * hLen - 2]) {
        const plaintext = randomBytes(size)
        const c = encrypt(plaintext, hash)
        expect(oaepDecode(rawRsa(c), hash, 256)).toEqual(plaintext)
      }
    }
  })

  it('rejects the other hash, flipped ciphertext bits, a wrong length, a non-zero first byte', () => {
    const plaintext = randomBytes(20)
    const c = encrypt(plaintext, 'sha256')
    const em = rawRsa(c)
    expect(oaepDecode(em, 'sha1', 256)).toBeUndefined()
    expect(oaepDecode(em.subarray(1), 'sha256', 256)).toBeUndefined()
    const first = Buffer.from(em)
    first[0] = 1
    expect(oaepDecode(first, 'sha256', 256)).toBeUndefined()
    // A flip that makes the ciphertext ≥ the modulus is not an RSA input at all (the raw
    // operation refuses it before OAEP is reached), so those draws are skipped, not counted.
    const modulus = BigInt(`0x${Buffer.from(publicKey.export({ format: 'jwk' }).n!, 'base64url').toString('hex')}`)
    let checked = 0
    for (let i = 0; checked < 64 && i < 1000; i++) {
      const bad = Buffer.from(c)
      bad[Math.floor(Math.random() * 256)]! ^= 1 << (i % 8)
      if (BigInt(`0x${bad.toString('hex')}`) >= modulus) continue
      expect(oaepDecode(rawRsa(bad), 'sha256', 256)).toBeUndefined()
      checked++
    }
    expect(checked).toBe(64)
  })

  it('rejects a DB without the 0x01 separator or with a non-zero byte in PS', () => {
    // Build EM by hand: EM = 0x00 ‖ maskedSeed ‖ maskedDB with a chosen DB.
    const k = 256
    const hLen = 32
    const mgf1 = (seed: Buffer, len: number): Buffer => {
      const out: Buffer[] = []
      for (let i = 0; out.length * hLen < len; i++) {
        const c = Buffer.alloc(4)
        c.writeUInt32BE(i)
        out.push(createHash('sha256').update(seed).update(c).digest())
      }
      return Buffer.concat(out).subarray(0, len)
    }
    const encode = (db: Buffer): Buffer => {
      const seed = randomBytes(hLen)
      const maskedDb = Buffer.from(db.map((b, i) => b ^ mgf1(seed, db.length)[i]!))
      const maskedSeed = Buffer.from(seed.map((b, i) => b ^ mgf1(maskedDb, hLen)[i]!))
      return Buffer.concat([Buffer.from([0]), maskedSeed, maskedDb])
    }
    const lHash = createHash('sha256').digest()
    const dbLen = k - hLen - 1
    const ps = Buffer.alloc(dbLen - hLen - 3)
    const valid = Buffer.concat([lHash, ps, Buffer.from([1, 0xaa, 0xbb])])
    expect(oaepDecode(encode(valid), 'sha256', k)).toEqual(Buffer.from([0xaa, 0xbb]))
    const noSeparator = Buffer.concat([lHash, Buffer.alloc(dbLen - hLen)])
    expect(oaepDecode(encode(noSeparator), 'sha256', k)).toBeUndefined()
    const dirtyPs = Buffer.from(valid)
    dirtyPs[hLen + 5] = 7
    expect(oaepDecode(encode(dirtyPs), 'sha256', k)).toBeUndefined()
  })
})

describe('config', () => {
  const base = {
    HSM_MODULE: '/usr/lib/softhsm/libsofthsm2.so',
    HSM_PIN: '1234',
    HSM_BRIDGE_SECRET: 's'.repeat(32),
  }

  it('applies the documented defaults', () => {
    expect(loadConfig(base)).toMatchObject({
      host: '127.0.0.1',
      port: 8790,
      tokenLabel: 'edge-kms',
      slot: undefined,
      poolSize: 4,
      opTimeoutMs: 5000,
    })
  })

  it('reads secrets from files and selects by slot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hsm-config-'))
    try {
      await writeFile(join(dir, 'pin'), '9999\n')
      await writeFile(join(dir, 'secret'), 'x'.repeat(40))
      const config = loadConfig({
        HSM_MODULE: '/m.so',
        HSM_PIN_FILE: join(dir, 'pin'),
        HSM_BRIDGE_SECRET_FILE: join(dir, 'secret'),
        HSM_SLOT: '1855330699',
      })
      expect(config).toMatchObject({
        pin: '9999',
        secret: 'x'.repeat(40),
        slot: 1855330699n,
        tokenLabel: undefined,
      })
    } finally {
      await rm(dir, { recursive: true })
    }
  })

  it.each([
    [{ HSM_MODULE: '' }],
    [{ HSM_BRIDGE_SECRET: 's'.repeat(31) }],
    [{ HSM_PIN: undefined }],
    [{ HSM_PIN_FILE: '/nonexistent/pin' }],
    [{ HSM_BRIDGE_PORT: '65536' }],
    [{ HSM_BRIDGE_PORT: '-1' }],
    [{ HSM_POOL_SIZE: '0' }],
    [{ HSM_SLOT: 'abc' }],
    [{ HSM_BRIDGE_LOG_LEVEL: 'loud' }],
  ])('rejects %o without echoing values', (override) => {
    const env = { ...base, ...override }
    let error: unknown
    try {
      loadConfig(env)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).not.toContain('1234')
    expect((error as Error).message).not.toContain('sss')
  })
})

describe('auth', () => {
  const secret = 'k'.repeat(32)
  const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
  const sign = (method: string, path: string, date: string, nonce: string, body: Buffer): string =>
    createHmac('sha256', secret)
      .update(`${method}\n${path}\n${date}\n${nonce}\n${sha256(body)}`)
      .digest('hex')
  const request = (now: number, nonces: NonceStore, override: Record<string, string> = {}) => {
    const body = Buffer.from('{}')
    const date = String(now)
    const nonce = randomBytes(16).toString('hex')
    const headers = {
      'x-bridge-date': date,
      'x-bridge-nonce': nonce,
      'x-bridge-signature': sign('POST', '/v1/keys/list', date, nonce, body),
      ...override,
    }
    const path = '/v1/keys/list'
    return authenticate({ method: 'POST', path, headers, body, secret, nonces, now })
  }

  it('accepts a signed request and refuses its replay', () => {
    const nonces = new NonceStore()
    const now = Date.now()
    const body = Buffer.from('{}')
    const nonce = randomBytes(16).toString('hex')
    const headers = {
      'x-bridge-date': String(now),
      'x-bridge-nonce': nonce,
      'x-bridge-signature': sign('POST', '/v1/keys/list', String(now), nonce, body),
    }
    const input = { method: 'POST', path: '/v1/keys/list', headers, body, secret, nonces, now }
    expect(authenticate(input)).toEqual({ ok: true, nonce })
    expect(authenticate(input)).toEqual({ ok: false, reason: 'replayedNonce' })
  })

  it('names each failure for the log', () => {
    const nonces = new NonceStore()
    const now = Date.now()
    const reason = (override: Record<string, string>): unknown => (request(now, nonces, override) as { reason?: string }).reason
    expect(reason({ 'x-bridge-date': String(now - 60_001) })).toBe('dateOutOfWindow')
    expect(reason({ 'x-bridge-date': '1e12' })).toBe('malformedHeaders')
    expect(reason({ 'x-bridge-signature': '0'.repeat(64) })).toBe('badSignature')
    expect(nonces.size).toBe(0)
  })

  it('refuses a correctly signed request dated before the store began recording (its epoch)', () => {
    const since = Date.now()
    const nonces = new NonceStore(undefined, undefined, since)
    // Within the ±60 s window, but signed before this store existed: a previous process may
    // have seen it, so it must not run again after a restart.
    expect((request(since - 1, nonces) as { reason?: string }).reason).toBe('predatesStart')
    expect((request(since - 30_000, nonces) as { reason?: string }).reason).toBe('predatesStart')
    expect(request(since, nonces).ok).toBe(true)
    // With an older epoch the window's lower edge is what counts: 58 s behind passes.
    const older = new NonceStore(undefined, undefined, since - 120_000)
    const body = Buffer.from('{}')
    const date = String(since - 58_000)
    const nonce = randomBytes(16).toString('hex')
    const headers = {
      'x-bridge-date': date,
      'x-bridge-nonce': nonce,
      'x-bridge-signature': sign('POST', '/v1/keys/list', date, nonce, body),
    }
    expect(authenticate({ method: 'POST', path: '/v1/keys/list', headers, body, secret, nonces: older, now: since })).toEqual({
      ok: true,
      nonce,
    })
    // Unsigned probes cannot learn the epoch: a bad signature reads as badSignature first.
    expect((request(since - 1, nonces, { 'x-bridge-signature': '0'.repeat(64) }) as { reason?: string }).reason).toBe('badSignature')
    expect(nonces.size).toBe(1)
  })

  it('forgets nonces only after twice the window, and fails closed when full', () => {
    const store = new NonceStore(3, 121_000)
    expect(store.add('a', 0)).toBe('ok')
    expect(store.add('b', 1)).toBe('ok')
    expect(store.add('c', 2)).toBe('ok')
    expect(store.add('d', 3)).toBe('full')
    expect(store.add('a', 120_999)).toBe('replayed')
    expect(store.add('a', 121_000)).toBe('ok')
    expect(store.add('b', 121_000)).toBe('replayed')
    expect(store.add('e', 121_000)).toBe('full')
  })
})
