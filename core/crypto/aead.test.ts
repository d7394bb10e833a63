import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { KmsError } from '../errors'
import { aesGcmOpen, aesGcmSeal } from './aead'
import { concatBytes, fromHex, toHex } from './bytes'

const VECTOR_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../../test/vectors/wycheproof/aes_gcm_test.json')
// From /work/shared/vectors/wycheproof/MANIFEST.tsv (see test/vectors/README.md).
const VECTOR_SHA256 = '985e5ecc172e181eaf49e89508b9470dcf478002eb7e8559c707eb42dc97dfe7'

interface AeadTest {
  tcId: number
  comment: string
  key: string
  iv: string
  aad: string
  msg: string
  ct: string
  tag: string
  result: 'valid' | 'invalid' | 'acceptable'
}
interface AeadGroup {
  keySize: number
  ivSize: number
  tagSize: number
  tests: AeadTest[]
}

const hex = (s: string): Uint8Array => {
  const b = fromHex(s)
  if (b === undefined) throw new Error('bad hex in vector file')
  return b
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p
  } catch (err) {
    return err
  }
  return undefined
}

describe('Wycheproof aes_gcm_test.json', () => {
  const raw = readFileSync(VECTOR_FILE)
  const file = JSON.parse(raw.toString('utf8')) as { algorithm: string; testGroups: AeadGroup[] }

  it('is the pinned, unmodified upstream file', () => {
    expect(createHash('sha256').update(raw).digest('hex')).toBe(VECTOR_SHA256)
    expect(file.algorithm).toBe('AES-GCM')
  })

  it('passes every 96-bit-IV vector (all key sizes)', async () => {
    const counts = { valid: 0, invalid: 0, byKeySize: {} as Record<number, number> }
    for (const group of file.testGroups) {
      if (group.ivSize !== 96) continue
      expect(group.tagSize).toBe(128)
      for (const t of group.tests) {
        const key = hex(t.key)
        const iv = hex(t.iv)
        const aad = hex(t.aad)
        const msg = hex(t.msg)
        const sealed = concatBytes(hex(t.ct), hex(t.tag))
        const label = `tcId ${t.tcId} (${t.comment})`
        if (t.result === 'valid') {
          expect(toHex(await aesGcmSeal(key, iv, msg, aad)), label).toBe(toHex(sealed))
          expect(toHex(await aesGcmOpen(key, iv, sealed, aad)), label).toBe(t.msg)
          counts.valid++
        } else if (t.result === 'invalid') {
          const err = await rejection(aesGcmOpen(key, iv, sealed, aad))
          expect(err, label).toBeInstanceOf(KmsError)
          expect((err as KmsError).code, label).toBe('crypto.invalidCiphertext')
          counts.invalid++
        } else {
          throw new Error(`unexpected result "${t.result}" in ${label}`)
        }
        counts.byKeySize[group.keySize] = (counts.byKeySize[group.keySize] ?? 0) + 1
      }
    }
    console.log(`Wycheproof AES-GCM (ivSize 96): ${counts.valid} valid, ${counts.invalid} invalid;`, 'by key size', counts.byKeySize)
    expect(counts.valid).toBeGreaterThan(0)
    expect(counts.invalid).toBeGreaterThan(0)
    expect(Object.keys(counts.byKeySize).sort()).toEqual(['128', '192', '256'])
  })
})

describe('aesGcmSeal / aesGcmOpen', () => {
  const key = new Uint8Array(32).fill(7)
  const iv = new Uint8Array(12).fill(9)

  it('round-trips and does not modify its inputs', async () => {
    const pt = Uint8Array.from({ length: 100 }, (_, i) => i)
    const aad = Uint8Array.of(1, 2, 3)
    const sealed = await aesGcmSeal(key, iv, pt, aad)
    expect(sealed.length).toBe(116)
    expect(await aesGcmOpen(key, iv, sealed, aad)).toEqual(pt)
    expect(pt[99]).toBe(99)
    expect(key.every((b) => b === 7)).toBe(true)
  })

  it('accepts subarray views (non-zero byteOffset)', async () => {
    const backing = new Uint8Array(200).fill(3)
    const viewKey = backing.subarray(5, 37)
    const viewIv = backing.subarray(40, 52)
    const empty = backing.subarray(0, 0)
    const sealed = await aesGcmSeal(viewKey, viewIv, backing.subarray(60, 70), empty)
    const three = (n: number): Uint8Array => new Uint8Array(n).fill(3)
    expect(sealed).toEqual(await aesGcmSeal(three(32), three(12), three(10), new Uint8Array(0)))
    const big = new Uint8Array(sealed.length + 8)
    big.set(sealed, 4)
    const opened = await aesGcmOpen(viewKey, viewIv, big.subarray(4, 4 + sealed.length), empty)
    expect(opened).toEqual(three(10))
  })

  it('throws RangeError for IVs other than 12 bytes and keys not 16/24/32 bytes', async () => {
    const none = new Uint8Array(0)
    for (const n of [0, 8, 11, 13, 16]) {
      const badIv = new Uint8Array(n)
      await expect(aesGcmSeal(key, badIv, new Uint8Array(1), none)).rejects.toThrow(RangeError)
      await expect(aesGcmOpen(key, badIv, new Uint8Array(16), none)).rejects.toThrow(RangeError)
    }
    for (const n of [0, 15, 31, 33, 64]) {
      const badKey = new Uint8Array(n)
      await expect(aesGcmSeal(badKey, iv, new Uint8Array(1), none)).rejects.toThrow(RangeError)
      await expect(aesGcmOpen(badKey, iv, new Uint8Array(16), none)).rejects.toThrow(RangeError)
    }
  })

  it('rejects short input, wrong aad/key/iv and flipped bits with invalidCiphertext', async () => {
    const sealed = await aesGcmSeal(key, iv, new Uint8Array(5), Uint8Array.of(1))
    const attempts: (() => Promise<Uint8Array>)[] = [
      () => aesGcmOpen(key, iv, new Uint8Array(0), Uint8Array.of(1)),
      () => aesGcmOpen(key, iv, sealed.subarray(0, 15), Uint8Array.of(1)),
      () => aesGcmOpen(key, iv, sealed, Uint8Array.of(2)),
      () => aesGcmOpen(key, iv, sealed, new Uint8Array(0)),
      () => aesGcmOpen(new Uint8Array(32).fill(8), iv, sealed, Uint8Array.of(1)),
      () => aesGcmOpen(key, new Uint8Array(12), sealed, Uint8Array.of(1)),
    ]
    for (let i = 0; i < sealed.length * 8; i++) {
      const bad = sealed.slice()
      bad[i >> 3]! ^= 1 << (i & 7)
      attempts.push(() => aesGcmOpen(key, iv, bad, Uint8Array.of(1)))
    }
    for (const attempt of attempts) {
      const err = await rejection(attempt())
      expect(err).toBeInstanceOf(KmsError)
      expect((err as KmsError).code).toBe('crypto.invalidCiphertext')
    }
  })
})
