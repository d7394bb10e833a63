/**
 * Cross-implementation checks of the asymmetric primitives: signatures made here verify with
 * WebCrypto and node:crypto and the other way round (DER↔P1363 for ECDSA), key import accepts
 * what OpenSSL (node:crypto) exports and refuses inconsistent keys, and the PKCS#1 v1.5
 * decryption gives one outcome for every failure.
 */
import * as nodeCrypto from 'node:crypto'
import { p256 } from '@noble/curves/nist.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { concatBytes, toArrayBuffer, utf8 } from '../bytes'
import { randomBytes } from '../random'
import { decodeOne, DerError, fromPem, toPem } from './der'
import { ecdsaSignDigest, ecdsaVerifyDigest, encodeEcPkcs8, generateEcKeyPair, importEcPkcs8, type EcCurveName } from './ec'
import {
  emsaPssEncode,
  generateRsaKeyPair,
  importRsaPkcs8,
  oaepMaxPlaintext,
  rsaOaepDecrypt,
  rsaOaepEncrypt,
  rsaPkcs1DecryptExact,
  rsaPkcs1Encrypt,
  rsaPublicInfo,
  rsaSignPkcs1Digest,
  rsaSignPssDigest,
  rsaVerifyPkcs1Digest,
  rsaVerifyPssDigest,
} from './rsa'
import { nodeRsaEngine as engine } from '../../platform/node-rsa-engine'

const buf = (b: Uint8Array) => Buffer.from(b)
const NODE_CURVE: Record<EcCurveName, string> = { 'P-256': 'prime256v1', secp256k1: 'secp256k1' }

describe('ECDSA over a digest', () => {
  for (const curve of ['P-256', 'secp256k1'] as const) {
    it(`${curve}: signatures verify with node:crypto (DER), and node:crypto signatures verify here`, async () => {
      const pair = await generateEcKeyPair(curve, randomBytes)
      const publicKey = nodeCrypto.createPublicKey({ key: buf(pair.spki), format: 'der', type: 'spki' })
      const privateKey = nodeCrypto.createPrivateKey({ key: buf(pair.pkcs8), format: 'der', type: 'pkcs8' })
      for (let i = 0; i < 20; i++) {
        const message = randomBytes(40)
        const sig = ecdsaSignDigest(curve, pair.pkcs8, sha256(message), randomBytes)
        expect(nodeCrypto.verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, sig)).toBe(true)
        const theirs = nodeCrypto.sign('sha256', message, { key: privateKey, dsaEncoding: 'der' })
        expect(ecdsaVerifyDigest(curve, pair.spki, sha256(message), theirs)).toBe(true)
        expect(ecdsaVerifyDigest(curve, pair.spki, sha256(utf8('other')), theirs)).toBe(false)
      }
    })
  }

  it('P-256: signatures verify with WebCrypto after DER→P1363, and WebCrypto signatures (high-S half the time) verify here', async () => {
    const pair = await generateEcKeyPair('P-256', randomBytes)
    const pub = await crypto.subtle.importKey('spki', toArrayBuffer(pair.spki), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify'])
    const priv = await crypto.subtle.importKey('pkcs8', toArrayBuffer(pair.pkcs8), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign'])
    let highS = 0
    for (let i = 0; i < 40; i++) {
      const message = randomBytes(33)
      const der = ecdsaSignDigest('P-256', pair.pkcs8, sha256(message), randomBytes)
      const p1363 = p256.Signature.fromBytes(der, 'der').toBytes('compact')
      expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, pub, toArrayBuffer(p1363), toArrayBuffer(message))).toBe(true)
      const theirs = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, priv, toArrayBuffer(message)))
      if (p256.Signature.fromBytes(theirs, 'compact').hasHighS()) highS++
      expect(ecdsaVerifyDigest('P-256', pair.spki, sha256(message), theirs, 'compact')).toBe(true)
      expect(ecdsaVerifyDigest('P-256', pair.spki, sha256(message), p256.Signature.fromBytes(theirs, 'compact').toBytes('der'))).toBe(true)
    }
    expect(highS).toBeGreaterThan(0)
  })

  it('produces low-S, hedged signatures (two signatures of one digest differ)', async () => {
    const pair = await generateEcKeyPair('secp256k1', randomBytes)
    const digest = sha256(utf8('x'))
    const a = ecdsaSignDigest('secp256k1', pair.pkcs8, digest, randomBytes)
    const b = ecdsaSignDigest('secp256k1', pair.pkcs8, digest, randomBytes)
    expect(a).not.toEqual(b)
    expect(secp256k1.Signature.fromBytes(a, 'der').hasHighS()).toBe(false)
  })

  it('rejects digests that are not 32 bytes and never throws on garbage signatures', async () => {
    const pair = await generateEcKeyPair('P-256', randomBytes)
    expect(() => ecdsaSignDigest('P-256', pair.pkcs8, new Uint8Array(31), randomBytes)).toThrow(RangeError)
    for (const junk of [new Uint8Array(0), new Uint8Array(72), randomBytes(70), Uint8Array.of(0x30, 0x00)]) {
      expect(ecdsaVerifyDigest('P-256', pair.spki, sha256(utf8('m')), junk)).toBe(false)
    }
  })
})

describe('EC key import', () => {
  for (const curve of ['P-256', 'secp256k1'] as const) {
    it(`${curve}: accepts OpenSSL PKCS#8 and derives the same SPKI`, () => {
      const { privateKey, publicKey } = nodeCrypto.generateKeyPairSync('ec', { namedCurve: NODE_CURVE[curve] })
      const pkcs8 = new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }))
      const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }))
      const imported = importEcPkcs8(curve, pkcs8)
      expect(Buffer.from(imported.spki).equals(Buffer.from(spki))).toBe(true)
      // SEC1 "BEGIN EC PRIVATE KEY" bodies are not PKCS#8.
      const sec1 = new Uint8Array(privateKey.export({ type: 'sec1', format: 'der' }))
      expect(() => importEcPkcs8(curve, sec1)).toThrow(DerError)
    })
  }

  it('refuses the other curve, a mismatched embedded public key, trailing bytes and an out-of-range scalar', () => {
    const { privateKey } = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    const pkcs8 = new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }))
    expect(() => importEcPkcs8('secp256k1', pkcs8)).toThrow(DerError)
    expect(() => importEcPkcs8('P-256', concatBytes(pkcs8, Uint8Array.of(0)))).toThrow(DerError)
    const d = p256.utils.randomSecretKey()
    const otherPoint = p256.getPublicKey(p256.utils.randomSecretKey(), false)
    expect(() => importEcPkcs8('P-256', encodeEcPkcs8('P-256', d, otherPoint))).toThrow(/does not match/)
    const n = new Uint8Array(Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex'))
    expect(() => importEcPkcs8('P-256', encodeEcPkcs8('P-256', n, p256.getPublicKey(d, false)))).toThrow(DerError)
    expect(() => importEcPkcs8('P-256', new Uint8Array(0))).toThrow(DerError)
  })

  it('refuses an RSA key where an EC key is expected', async () => {
    const rsa = await generateRsaKeyPair(2048)
    expect(() => importEcPkcs8('P-256', rsa.pkcs8)).toThrow(DerError)
  })
})

describe('RSA signatures over a digest', () => {
  it('PSS and PKCS#1 v1.5 signatures verify with WebCrypto and node:crypto, and theirs verify here', async () => {
    const pair = await generateRsaKeyPair(2048)
    const pssPub = await crypto.subtle.importKey('spki', toArrayBuffer(pair.spki), { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['verify'])
    const pkcsPub = await crypto.subtle.importKey('spki', toArrayBuffer(pair.spki), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, [
      'verify',
    ])
    const nodePriv = nodeCrypto.createPrivateKey({ key: buf(pair.pkcs8), format: 'der', type: 'pkcs8' })
    const nodePub = nodeCrypto.createPublicKey({ key: buf(pair.spki), format: 'der', type: 'spki' })
    const PSS = { key: nodePub, padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
    for (let i = 0; i < 5; i++) {
      const message = randomBytes(100)
      const digest = sha256(message)
      const pss = rsaSignPssDigest(engine, pair.pkcs8, 2048, digest, 'SHA-256', 32, randomBytes)
      expect(await crypto.subtle.verify({ name: 'RSA-PSS', saltLength: 32 }, pssPub, toArrayBuffer(pss), toArrayBuffer(message))).toBe(true)
      expect(nodeCrypto.verify('sha256', message, PSS, pss)).toBe(true)
      expect(rsaVerifyPssDigest(engine, pair.spki, 2048, digest, pss, 'SHA-256', 32)).toBe(true)
      const pkcs1 = rsaSignPkcs1Digest(engine, pair.pkcs8, digest, 'SHA-256')
      expect(await crypto.subtle.verify('RSASSA-PKCS1-v1_5', pkcsPub, toArrayBuffer(pkcs1), toArrayBuffer(message))).toBe(true)
      expect(nodeCrypto.verify('sha256', message, nodePub, pkcs1)).toBe(true)

      const theirPss = nodeCrypto.sign('sha256', message, {
        key: nodePriv,
        padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      })
      expect(rsaVerifyPssDigest(engine, pair.spki, 2048, digest, theirPss, 'SHA-256', 32)).toBe(true)
      const theirPkcs1 = nodeCrypto.sign('sha256', message, nodePriv)
      expect(rsaVerifyPkcs1Digest(engine, pair.spki, 2048, digest, theirPkcs1, 'SHA-256')).toBe(true)
      // Cross-scheme and tampered signatures fail.
      expect(rsaVerifyPkcs1Digest(engine, pair.spki, 2048, digest, pss, 'SHA-256')).toBe(false)
      expect(rsaVerifyPssDigest(engine, pair.spki, 2048, digest, pkcs1, 'SHA-256', 32)).toBe(false)
      const tampered = pss.slice()
      tampered[10]! ^= 1
      expect(rsaVerifyPssDigest(engine, pair.spki, 2048, digest, tampered, 'SHA-256', 32)).toBe(false)
      expect(rsaVerifyPssDigest(engine, pair.spki, 2048, sha256(utf8('other')), pss, 'SHA-256', 32)).toBe(false)
    }
  })

  it('PSS verification is strict about the salt length', async () => {
    const pair = await generateRsaKeyPair(2048)
    const nodePriv = nodeCrypto.createPrivateKey({ key: buf(pair.pkcs8), format: 'der', type: 'pkcs8' })
    const message = utf8('salt')
    const maxSalt = nodeCrypto.sign('sha256', message, { key: nodePriv, padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING })
    expect(rsaVerifyPssDigest(engine, pair.spki, 2048, sha256(message), maxSalt, 'SHA-256', 32)).toBe(false)
    expect(rsaVerifyPssDigest(engine, pair.spki, 2048, sha256(message), maxSalt, 'SHA-256', 256 - 32 - 2)).toBe(true)
  })

  it('encodes EMSA-PSS as RFC 8017 §9.1.1 describes (top bit cleared, 0xbc trailer)', () => {
    const em = emsaPssEncode(new Uint8Array(32).fill(1), 2047, 'SHA-256', new Uint8Array(32).fill(2))
    expect(em).toHaveLength(256)
    expect(em[255]).toBe(0xbc)
    expect(em[0]! & 0x80).toBe(0)
    expect(() => emsaPssEncode(new Uint8Array(31), 2047, 'SHA-256', new Uint8Array(32))).toThrow(RangeError)
  })

  it('never throws on garbage signatures', async () => {
    const pair = await generateRsaKeyPair(2048)
    const n = nodeCrypto.createPublicKey({ key: buf(pair.spki), format: 'der', type: 'spki' }).export({ format: 'jwk' }).n!
    const modulus = new Uint8Array(Buffer.from(n, 'base64url'))
    for (const junk of [new Uint8Array(0), new Uint8Array(255), new Uint8Array(256), new Uint8Array(256).fill(0xff), modulus]) {
      expect(rsaVerifyPssDigest(engine, pair.spki, 2048, new Uint8Array(32), junk, 'SHA-256', 32)).toBe(false)
      expect(rsaVerifyPkcs1Digest(engine, pair.spki, 2048, new Uint8Array(32), junk, 'SHA-256')).toBe(false)
    }
  })
})

describe('RSA encryption', () => {
  it('OAEP (SHA-1 and SHA-256): WebCrypto encryption decrypts with node:crypto and here, up to the documented limits', async () => {
    const pair = await generateRsaKeyPair(2048)
    expect(oaepMaxPlaintext(2048, 'SHA-256')).toBe(190)
    expect(oaepMaxPlaintext(2048, 'SHA-1')).toBe(214)
    expect(oaepMaxPlaintext(3072, 'SHA-256')).toBe(318)
    expect(oaepMaxPlaintext(3072, 'SHA-1')).toBe(342)
    for (const [hash, nodeHash, max] of [
      ['SHA-256', 'sha256', 190],
      ['SHA-1', 'sha1', 214],
    ] as const) {
      const pt = randomBytes(max)
      const ct = await rsaOaepEncrypt(pair.spki, pt, hash)
      expect(rsaOaepDecrypt(engine, pair.pkcs8, ct, hash)).toEqual(pt)
      const viaNode = nodeCrypto.privateDecrypt(
        { key: buf(pair.pkcs8), format: 'der', type: 'pkcs8', padding: nodeCrypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: nodeHash },
        ct,
      )
      expect(new Uint8Array(viaNode)).toEqual(pt)
      await expect(rsaOaepEncrypt(pair.spki, randomBytes(max + 1), hash)).rejects.toThrow(RangeError)
    }
    const ct = await rsaOaepEncrypt(pair.spki, utf8('x'), 'SHA-1')
    expect(() => rsaOaepDecrypt(engine, pair.pkcs8, ct, 'SHA-256')).toThrow('decryption failed')
  })

  it('PKCS#1 v1.5 decryption of an exact length gives one outcome for bad padding, wrong length and garbage', async () => {
    const pair = await generateRsaKeyPair(2048)
    const material = randomBytes(32)
    const ct = rsaPkcs1Encrypt(engine, pair.spki, 2048, material)
    expect(rsaPkcs1DecryptExact(engine, pair.pkcs8, 2048, ct, 32)).toEqual(material)
    const viaNode = nodeCrypto.publicEncrypt(
      { key: buf(pair.spki), format: 'der', type: 'spki', padding: nodeCrypto.constants.RSA_PKCS1_PADDING },
      material,
    )
    expect(rsaPkcs1DecryptExact(engine, pair.pkcs8, 2048, new Uint8Array(viaNode), 32)).toEqual(material)
    expect(rsaPkcs1DecryptExact(engine, pair.pkcs8, 2048, ct, 31)).toBeUndefined()
    expect(rsaPkcs1DecryptExact(engine, pair.pkcs8, 2048, rsaPkcs1Encrypt(engine, pair.spki, 2048, randomBytes(33)), 32)).toBeUndefined()
    expect(rsaPkcs1DecryptExact(engine, pair.pkcs8, 2048, randomBytes(256).fill(0, 0, 1), 32)).toBeUndefined()
    expect(rsaPkcs1DecryptExact(engine, pair.pkcs8, 2048, new Uint8Array(255), 32)).toBeUndefined()
    // A ciphertext whose plaintext has fewer than 8 padding bytes is refused.
    const nodePub = { key: buf(pair.spki), format: 'der' as const, type: 'spki' as const, padding: nodeCrypto.constants.RSA_NO_PADDING }
    const shortPad = new Uint8Array(256).fill(7)
    shortPad[0] = 0
    shortPad[1] = 2
    shortPad[256 - 32 - 1] = 0
    shortPad[5] = 0
    expect(rsaPkcs1DecryptExact(engine, pair.pkcs8, 2048, new Uint8Array(nodeCrypto.publicEncrypt(nodePub, shortPad)), 32)).toBeUndefined()
    expect(() => rsaPkcs1Encrypt(engine, pair.spki, 2048, new Uint8Array(246))).toThrow(RangeError)
  })
})

describe('RSA key import and public keys', () => {
  it('accepts an OpenSSL PKCS#8 key, canonicalises it and derives the OpenSSL SPKI', async () => {
    const { privateKey, publicKey } = nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
    const imported = await importRsaPkcs8(engine, new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' })), 2048, randomBytes)
    expect(Buffer.from(imported.spki).equals(publicKey.export({ type: 'spki', format: 'der' }))).toBe(true)
    const info = await rsaPublicInfo(imported.spki)
    expect(info.bits).toBe(2048)
  })

  it('refuses a key of another size, another exponent, an EC key and garbage', async () => {
    const { privateKey } = nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
    const pkcs8 = new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }))
    await expect(importRsaPkcs8(engine, pkcs8, 3072, randomBytes)).rejects.toThrow()
    const e3 = nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 }).privateKey
    await expect(importRsaPkcs8(engine, new Uint8Array(e3.export({ type: 'pkcs8', format: 'der' })), 2048, randomBytes)).rejects.toThrow(
      /65537/,
    )
    const ec = await generateEcKeyPair('P-256', randomBytes)
    await expect(importRsaPkcs8(engine, ec.pkcs8, 2048, randomBytes)).rejects.toThrow()
    await expect(importRsaPkcs8(engine, randomBytes(100), 2048, randomBytes)).rejects.toThrow()
    await expect(rsaPublicInfo(ec.spki)).rejects.toThrow()
  })

  it('round-trips PEM and refuses anything but one strict block', async () => {
    const pair = await generateRsaKeyPair(2048)
    const pem = toPem(pair.spki, 'PUBLIC KEY')
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n([A-Za-z0-9+/=]{64}\n)+[A-Za-z0-9+/=]{1,64}\n-----END PUBLIC KEY-----\n$/)
    expect(fromPem(pem, 'PUBLIC KEY')).toEqual(pair.spki)
    expect(nodeCrypto.createPublicKey(pem).asymmetricKeyType).toBe('rsa')
    expect(fromPem(pem.replace('PUBLIC', 'PRIVATE'), 'PUBLIC KEY')).toBeUndefined()
    expect(fromPem(pem + pem, 'PUBLIC KEY')).toBeUndefined()
  })

  it('DER reader refuses non-minimal lengths and truncation', () => {
    expect(() => decodeOne(Uint8Array.of(0x04, 0x81, 0x01, 0x00))).toThrow(DerError)
    expect(() => decodeOne(Uint8Array.of(0x04, 0x02, 0x00))).toThrow(DerError)
    expect(() => decodeOne(Uint8Array.of(0x04, 0x80))).toThrow(DerError)
    expect(decodeOne(Uint8Array.of(0x04, 0x01, 0x07)).value).toEqual(Uint8Array.of(7))
  })
})
