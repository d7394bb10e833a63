import { hkdfSync as nodeHkdf } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gcm } from '@noble/ciphers/aes.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { invalidCiphertext, KmsError } from '../errors'
import { concatBytes, fromHex, toHex, utf8 } from './bytes'
import { canonicalEncryptionContext, parseEncryptionContextJson } from './context'
import {
  bytesToUuid,
  HSM_HEADER_BYTES,
  MAX_BLOB_BYTES,
  openBlob,
  parseBlobHeader,
  sealBlob,
  SOFTWARE_HEADER_BYTES,
  SUITE_SOFTWARE_HKDF_SM4GCM,
  uuidToBytes,
  type BlobKey,
} from './envelope'
import type { RandomSource } from './random'
import { seededSource } from './random.fake'
import { sm4GcmSeal } from './sm/sm4'

const INVALID_MESSAGE = invalidCiphertext().message

const hex = (s: string): Uint8Array => {
  const b = fromHex(s)
  if (b === undefined) throw new Error('bad hex')
  return b
}

/** Deterministic PRNG (mulberry32) for reproducible fuzzing. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

async function openError(p: Promise<unknown>): Promise<KmsError> {
  try {
    await p
  } catch (err) {
    expect(err).toBeInstanceOf(KmsError)
    return err as KmsError
  }
  throw new Error('expected openBlob to reject')
}

async function expectInvalid(p: Promise<unknown>, label?: string): Promise<void> {
  const err = await openError(p)
  expect(err.code, label).toBe('crypto.invalidCiphertext')
  expect(err.message, label).toBe(INVALID_MESSAGE)
}

const KEY: BlobKey = {
  keyId: '2f1d0c3b-4a59-4867-9a76-b5c4d3e2f102',
  versionId: '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d',
  material: Uint8Array.from({ length: 32 }, (_, i) => 0x30 + i),
}

describe('uuidToBytes / bytesToUuid', () => {
  it('round-trips canonical lowercase UUIDs', () => {
    const id = '1b4e28ba-2fa1-41d2-883f-0016d3cca427'
    expect(toHex(uuidToBytes(id))).toBe('1b4e28ba2fa141d2883f0016d3cca427')
    expect(bytesToUuid(uuidToBytes(id))).toBe(id)
    const random = crypto.randomUUID()
    expect(bytesToUuid(uuidToBytes(random))).toBe(random)
  })

  it('rejects anything but the canonical lowercase form', () => {
    for (const bad of [
      '1B4E28BA-2FA1-41D2-883F-0016D3CCA427',
      '{1b4e28ba-2fa1-41d2-883f-0016d3cca427}',
      '1b4e28ba2fa141d2883f0016d3cca427',
      '1b4e28ba-2fa1-41d2-883f-0016d3cca42',
      '1b4e28ba-2fa1-41d2-883f-0016d3cca4270',
      '1b4e28ba-2fa1-41d2-883f-0016d3cca42g',
      ' 1b4e28ba-2fa1-41d2-883f-0016d3cca427',
      '00000000-0000-0000-0000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      '',
    ]) {
      expect(() => uuidToBytes(bad), bad).toThrow(RangeError)
    }
    expect(() => bytesToUuid(new Uint8Array(15))).toThrow(RangeError)
    expect(() => bytesToUuid(new Uint8Array(16))).toThrow(RangeError)
  })
})

interface GoldenVector {
  name: string
  keyId: string
  versionId: string
  material: string
  random: string
  plaintext: string
  context: Record<string, string>
  canonicalContext: string
  blob: string
}

describe('envelope-v1.json golden vectors', () => {
  const here = dirname(fileURLToPath(import.meta.url))
  const path = resolve(here, '../../test/vectors/envelope-v1.json')
  const file = JSON.parse(readFileSync(path, 'utf8')) as {
    formatVersion: number
    suite: number
    vectors: GoldenVector[]
  }

  it('has vectors for format 1, suite 1', () => {
    expect(file.formatVersion).toBe(1)
    expect(file.suite).toBe(1)
    expect(file.vectors.length).toBeGreaterThanOrEqual(4)
  })

  for (const v of file.vectors) {
    const key: BlobKey = { keyId: v.keyId, versionId: v.versionId, material: hex(v.material) }

    it(`re-seals identically: ${v.name}`, async () => {
      expect(toHex(canonicalEncryptionContext(v.context))).toBe(v.canonicalContext)
      const source: RandomSource = (n) => {
        expect(n).toBe(44)
        return hex(v.random)
      }
      expect(toHex(await sealBlob(key, hex(v.plaintext), v.context, source))).toBe(v.blob)
    })

    it(`opens: ${v.name}`, async () => {
      expect(toHex(await openBlob(key, hex(v.blob), v.context))).toBe(v.plaintext)
      const header = parseBlobHeader(hex(v.blob))
      expect(header).toEqual({
        formatVersion: 1,
        suite: 1,
        keyId: v.keyId,
        versionId: v.versionId,
        headerLength: 78,
      })
    })

    it(`matches an independent @noble implementation of the layout: ${v.name}`, () => {
      const keyIdBytes = hex(v.keyId.replaceAll('-', ''))
      const versionIdBytes = hex(v.versionId.replaceAll('-', ''))
      const rnd = hex(v.random)
      const salt = rnd.subarray(0, 32)
      const iv = rnd.subarray(32, 44)
      const header = concatBytes(Uint8Array.of(1, 1), keyIdBytes, versionIdBytes, salt, iv)
      expect(header).toHaveLength(78)
      const info = concatBytes(utf8('edge-kms/blob/v1'), keyIdBytes, versionIdBytes)
      const messageKey = hkdf(sha256, hex(v.material), salt, info, 32)
      const aad = concatBytes(header, hex(v.canonicalContext))
      const sealed = gcm(messageKey, iv, aad).encrypt(hex(v.plaintext))
      expect(toHex(concatBytes(header, sealed))).toBe(v.blob)
    })
  }
})

describe('sealBlob / openBlob', () => {
  it('round-trips arbitrary plaintexts and contexts (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 300 }),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.string({ maxLength: 5 }), {
          maxKeys: 4,
        }),
        async (plaintext, context) => {
          const blob = await sealBlob(KEY, plaintext, context)
          expect(blob).toHaveLength(78 + plaintext.length + 16)
          expect(await openBlob(KEY, blob, context)).toEqual(plaintext)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('writes the documented header', async () => {
    const blob = await sealBlob(KEY, utf8('x'), {}, seededSource('envelope header'))
    expect(blob[0]).toBe(0x01)
    expect(blob[1]).toBe(0x01)
    expect(bytesToUuid(blob.subarray(2, 18))).toBe(KEY.keyId)
    expect(bytesToUuid(blob.subarray(18, 34))).toBe(KEY.versionId)
    expect(blob.subarray(34, 78)).toEqual(seededSource('envelope header')(44))
  })

  it('does not modify its inputs', async () => {
    const material = KEY.material.slice()
    const plaintext = utf8('hello')
    const blob = await sealBlob({ ...KEY, material }, plaintext, { a: 'b' })
    const copy = blob.slice()
    await openBlob({ ...KEY, material }, blob, { a: 'b' })
    expect(material).toEqual(KEY.material)
    expect(plaintext).toEqual(utf8('hello'))
    expect(blob).toEqual(copy)
  })

  it('treats {} and an absent context alike, and is order-insensitive', async () => {
    const blob = await sealBlob(KEY, utf8('p'), {})
    const nullProto = Object.create(null) as Record<string, string>
    expect(await openBlob(KEY, blob, nullProto)).toEqual(utf8('p'))
    const ctx = { tenant: 'acme', purpose: 'backup', region: 'eu' }
    const blob2 = await sealBlob(KEY, utf8('p'), ctx)
    const permuted = [
      { region: 'eu', purpose: 'backup', tenant: 'acme' },
      { purpose: 'backup', region: 'eu', tenant: 'acme' },
      parseEncryptionContextJson('{"region":"eu","tenant":"acme","purpose":"backup"}'),
    ]
    for (const p of permuted) expect(await openBlob(KEY, blob2, p)).toEqual(utf8('p'))
  })

  it('rejects any change to the context with the uniform error', async () => {
    const ctx = { tenant: 'acme', purpose: 'backup' }
    const blob = await sealBlob(KEY, utf8('p'), ctx)
    const others: Record<string, string>[] = [
      {},
      { tenant: 'acme' },
      { tenant: 'acme', purpose: 'backup', extra: 'x' },
      { tenant: 'acme', purpose: 'Backup' },
      { Tenant: 'acme', purpose: 'backup' },
      { tenant: 'acme ', purpose: 'backup' },
      { tenant: 'acme', purpose: 'backup', '': 'x' },
      { tenant: 'acme', purpose: 'backup\ud800' },
    ]
    for (const other of others) {
      await expectInvalid(openBlob(KEY, blob, other), JSON.stringify(other))
    }
    const noContext = await sealBlob(KEY, utf8('p'), {})
    await expectInvalid(openBlob(KEY, noContext, { a: 'b' }))
  })

  it('does not normalise Unicode: NFC and NFD contexts differ', async () => {
    const blob = await sealBlob(KEY, utf8('p'), { name: 'caf\u00e9' })
    await expectInvalid(openBlob(KEY, blob, { name: 'cafe\u0301' }))
    expect(await openBlob(KEY, blob, { name: 'caf\u00e9' })).toEqual(utf8('p'))
  })

  it('rejects wrong key material, another key id or another version id', async () => {
    const blob = await sealBlob(KEY, utf8('p'), {})
    const otherMaterial = KEY.material.slice()
    otherMaterial[31]! ^= 1
    await expectInvalid(openBlob({ ...KEY, material: otherMaterial }, blob, {}))
    const other: BlobKey = { ...KEY, keyId: '2f1d0c3b-4a59-4867-9a76-b5c4d3e2f103' }
    await expectInvalid(openBlob(other, blob, {}))
    await expectInvalid(openBlob({ ...KEY, versionId: crypto.randomUUID() }, blob, {}))
    // Header rewritten to name the other key: the header is authenticated, so still rejected.
    const relabelled = blob.slice()
    relabelled.set(uuidToBytes(other.keyId), 2)
    await expectInvalid(openBlob(other, relabelled, {}))
  })

  it('rejects a malformed key with RangeError (server bug, not client input)', async () => {
    const p = utf8('p')
    const short = { ...KEY, material: new Uint8Array(16) }
    await expect(sealBlob(short, p, {})).rejects.toThrow(RangeError)
    await expect(sealBlob({ ...KEY, keyId: 'alias/foo' }, p, {})).rejects.toThrow(RangeError)
    const blob = await sealBlob(KEY, p, {})
    await expect(openBlob(short, blob, {})).rejects.toThrow(RangeError)
  })

  it('rejects an invalid context when sealing', async () => {
    const err = await openError(sealBlob(KEY, utf8('p'), { '': 'x' }))
    expect(err.code).toBe('validation.invalidParameter')
  })

  it('fails closed on a broken random source', async () => {
    for (const source of [(n: number) => new Uint8Array(n), () => new Uint8Array(12)]) {
      const err = await openError(sealBlob(KEY, utf8('p'), {}, source))
      expect(err.code).toBe('internal')
    }
  })

  it('enforces the 64 KiB blob limit', async () => {
    const max = MAX_BLOB_BYTES - SOFTWARE_HEADER_BYTES - 16
    const blob = await sealBlob(KEY, new Uint8Array(max), {})
    expect(blob).toHaveLength(MAX_BLOB_BYTES)
    expect(await openBlob(KEY, blob, {})).toHaveLength(max)
    await expect(sealBlob(KEY, new Uint8Array(max + 1), {})).rejects.toThrow(RangeError)
    const tooBig = concatBytes(blob, new Uint8Array(1))
    expect(() => parseBlobHeader(tooBig)).toThrow(KmsError)
    await expectInvalid(openBlob(KEY, tooBig, {}))
  })
})

describe('parseBlobHeader', () => {
  const ids = concatBytes(uuidToBytes(KEY.keyId), uuidToBytes(KEY.versionId))

  it('understands the HSM suite 0x02 header (46 bytes)', async () => {
    const iv = new Uint8Array(12).fill(9)
    const hsmBlob = concatBytes(Uint8Array.of(1, 2), ids, iv, new Uint8Array(16))
    expect(parseBlobHeader(hsmBlob)).toEqual({
      formatVersion: 1,
      suite: 2,
      keyId: KEY.keyId,
      versionId: KEY.versionId,
      headerLength: HSM_HEADER_BYTES,
    })
    expect(HSM_HEADER_BYTES).toBe(46)
    expect(() => parseBlobHeader(hsmBlob.subarray(0, 61))).toThrow(KmsError)
    // ...but software opening never accepts it
    await expectInvalid(openBlob(KEY, concatBytes(hsmBlob, new Uint8Array(40)), {}))
  })

  it('rejects malformed input with invalidCiphertext', () => {
    const saltAndIv = new Uint8Array(44).fill(1)
    const good = concatBytes(Uint8Array.of(1, 1), ids, saltAndIv, new Uint8Array(16))
    expect(parseBlobHeader(good).headerLength).toBe(78)
    const bad = [
      new Uint8Array(0),
      Uint8Array.of(1),
      good.subarray(0, 93),
      concatBytes(Uint8Array.of(2), good.subarray(1)),
      concatBytes(Uint8Array.of(0), good.subarray(1)),
      concatBytes(Uint8Array.of(1, 0), good.subarray(2)),
      concatBytes(Uint8Array.of(1, 4), good.subarray(2)),
      concatBytes(Uint8Array.of(1, 1), new Uint8Array(16), good.subarray(18)),
      concatBytes(good.subarray(0, 18), new Uint8Array(16).fill(0xff), good.subarray(34)),
    ]
    for (const b of bad) {
      try {
        parseBlobHeader(b)
        throw new Error(`accepted ${toHex(b.subarray(0, 4))}`)
      } catch (err) {
        expect((err as KmsError).code).toBe('crypto.invalidCiphertext')
        expect((err as KmsError).message).toBe(INVALID_MESSAGE)
      }
    }
  })
})

describe('tampering with a 4 KiB blob', () => {
  const ctx = { purpose: 'tamper-test' }
  const plaintext = Uint8Array.from({ length: 4096 }, (_, i) => (i * 31) & 255)
  let blob: Uint8Array

  it('opens untouched', async () => {
    blob = await sealBlob(KEY, plaintext, ctx)
    expect(blob).toHaveLength(78 + 4096 + 16)
    expect(await openBlob(KEY, blob, ctx)).toEqual(plaintext)
  })

  it('rejects every single-bit flip of every header byte', async () => {
    let n = 0
    for (let bit = 0; bit < SOFTWARE_HEADER_BYTES * 8; bit++) {
      const bad = blob.slice()
      bad[bit >> 3]! ^= 1 << (bit & 7)
      await expectInvalid(openBlob(KEY, bad, ctx), `header bit ${bit}`)
      n++
    }
    expect(n).toBe(624)
  })

  it('rejects 2,500 random single-bit flips in ciphertext and tag, and every tag bit', async () => {
    const rand = prng(0x5eed)
    const bodyBits = (blob.length - SOFTWARE_HEADER_BYTES) * 8
    const bits = new Set<number>()
    for (let i = 0; i < 2500; i++) {
      bits.add(SOFTWARE_HEADER_BYTES * 8 + Math.floor(rand() * bodyBits))
    }
    for (let bit = (blob.length - 16) * 8; bit < blob.length * 8; bit++) bits.add(bit)
    expect(bits.size).toBeGreaterThanOrEqual(2000)
    for (const bit of bits) {
      const bad = blob.slice()
      bad[bit >> 3]! ^= 1 << (bit & 7)
      await expectInvalid(openBlob(KEY, bad, ctx), `body bit ${bit}`)
    }
  })

  it('rejects every truncation (lengths 0..n-1)', async () => {
    for (let len = 0; len < blob.length; len++) {
      await expectInvalid(openBlob(KEY, blob.subarray(0, len), ctx), `truncated to ${len}`)
    }
  })

  it('rejects 1..16 appended bytes', async () => {
    for (let extra = 1; extra <= 16; extra++) {
      await expectInvalid(openBlob(KEY, concatBytes(blob, new Uint8Array(extra).fill(extra)), ctx))
      await expectInvalid(openBlob(KEY, concatBytes(blob, blob.subarray(blob.length - extra)), ctx))
    }
  })
})

describe('nonces', () => {
  it('never repeats salt or iv in 100,000 seals under one key', { timeout: 120_000 }, async () => {
    const total = 100_000
    const batch = 250 // small batches keep the WebCrypto job queue short (fastest in practice)
    const salts = new Set<string>()
    const ivs = new Set<string>()
    const empty = new Uint8Array(0)
    for (let done = 0; done < total; done += batch) {
      const blobs = await Promise.all(Array.from({ length: batch }, () => sealBlob(KEY, empty, {})))
      for (const b of blobs) {
        salts.add(Buffer.from(b.buffer, b.byteOffset + 34, 32).toString('base64'))
        ivs.add(Buffer.from(b.buffer, b.byteOffset + 66, 12).toString('base64'))
      }
    }
    expect(salts.size).toBe(total)
    expect(ivs.size).toBe(total)
  })
})

describe('suite 0x03 (HKDF-SM3 + SM4-GCM)', () => {
  const sm4Key: BlobKey = {
    keyId: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
    versionId: '6fa459ea-ee8a-4ca4-894e-db77e160355e',
    material: new Uint8Array(16).fill(0x42),
    suite: SUITE_SOFTWARE_HKDF_SM4GCM,
  }
  it('matches an independent build of the layout (OpenSSL HKDF-SM3, RFC 8998-checked SM4-GCM)', async () => {
    const fixed = new Uint8Array(44).map((_, i) => i)
    const blob = await sealBlob(sm4Key, utf8('hello sm4'), { a: 'b' }, () => fixed.slice())
    expect(blob[0]).toBe(1)
    expect(blob[1]).toBe(3)
    const header = blob.subarray(0, 78)
    const info = concatBytes(utf8('edge-kms/blob/v1/sm4'), uuidToBytes(sm4Key.keyId), uuidToBytes(sm4Key.versionId))
    const mk = new Uint8Array(nodeHkdf('sm3', sm4Key.material, fixed.subarray(0, 32), info, 16))
    const aad = concatBytes(header, canonicalEncryptionContext({ a: 'b' }))
    expect(toHex(blob.subarray(78))).toBe(toHex(sm4GcmSeal(mk, fixed.subarray(32), utf8('hello sm4'), aad)))
    expect(await openBlob(sm4Key, blob, { a: 'b' })).toEqual(utf8('hello sm4'))
    expect(parseBlobHeader(blob)).toMatchObject({ suite: 3, headerLength: 78 })
  })
  it('binds the suite: an SM4 blob under the AES suite key, or the reverse, is the uniform error', async () => {
    const blob = await sealBlob(sm4Key, utf8('x'), {})
    const asAes = { ...sm4Key, material: new Uint8Array(32), suite: undefined }
    await expect(openBlob(asAes, blob, {})).rejects.toMatchObject({ code: 'crypto.invalidCiphertext' })
    const relabelled = blob.slice()
    relabelled[1] = 1
    await expect(openBlob(sm4Key, relabelled, {})).rejects.toMatchObject({ code: 'crypto.invalidCiphertext' })
    for (let i = 0; i < 78; i++) {
      const b = blob.slice()
      b[i]! ^= 0x80
      await expect(openBlob(sm4Key, b, {})).rejects.toMatchObject({ code: 'crypto.invalidCiphertext' })
    }
    await expect(sealBlob({ ...sm4Key, material: new Uint8Array(32) }, utf8('x'), {})).rejects.toThrow(RangeError)
  })
})
