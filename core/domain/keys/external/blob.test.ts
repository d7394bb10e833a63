/**
 * Suite-0x05 blobs (./blob.ts) with an in-memory AES-GCM "EKM": layout, both layers bound to the
 * header and the encryption context, tampering anywhere → the uniform invalid ciphertext, an
 * unavailable EKM passes through as hsm.unavailable (never as a bad ciphertext), and the
 * envelope's header parser names the key and version.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

import { describe, expect, it } from 'vitest'

import { parseBlobHeader } from '../../../crypto/envelope'
import { randomBytes as csprng } from '../../../crypto/random'
import { invalidCiphertext, KmsError } from '../../../errors'
import { openXksBlob, parseXksBlob, sealXksBlob, type XksLayer } from './blob'

const ekmKey = randomBytes(32)
const ekm: XksLayer = {
  async encrypt(plaintext, aad) {
    const iv = randomBytes(12)
    const c = createCipheriv('aes-256-gcm', ekmKey, iv)
    // As the spec requires of a proxy: its metadata is bound too.
    c.setAAD(Buffer.concat([aad, Buffer.from('v=1')]))
    const ciphertext = Buffer.concat([c.update(plaintext), c.final()])
    return { ciphertext, iv, tag: c.getAuthTag(), metadata: Buffer.from('v=1') }
  },
  async decrypt(x, aad) {
    const d = createDecipheriv('aes-256-gcm', ekmKey, x.iv)
    d.setAAD(Buffer.concat([aad, x.metadata]))
    d.setAuthTag(x.tag)
    try {
      return Buffer.concat([d.update(x.ciphertext), d.final()])
    } catch (err) {
      throw invalidCiphertext(err)
    }
  },
}
const ids = { keyId: '1b4e28ba-2fa1-41d2-883f-0016d3cca427', versionId: '6f9619ff-8b86-4011-b42d-00c04fc964ff' }
const layer = randomBytes(32)

async function code(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(KmsError)
  return (err as KmsError).code
}

describe('suite 0x05 (external key) blobs', () => {
  it('round-trips; the envelope parser reads key and version; the layout is as documented', async () => {
    const blob = await sealXksBlob(ids, layer, ekm, Buffer.from('hello'), { a: '1' }, csprng)
    expect([blob[0], blob[1], blob[78]]).toEqual([1, 5, 3])
    // 79 + metadata(3) + iv(12) + tag(16) + (5 + 16)
    expect(blob.length).toBe(79 + 3 + 12 + 16 + 21)
    expect(parseBlobHeader(blob)).toMatchObject({ suite: 5, ...ids })
    const out = await openXksBlob(parseXksBlob(blob), layer, ekm, { a: '1' })
    expect(Buffer.from(out).toString()).toBe('hello')
  })

  it('a changed context, header byte, metadata, EKM ciphertext or layer key is the uniform invalid ciphertext', async () => {
    const blob = await sealXksBlob(ids, layer, ekm, Buffer.from('hello'), { a: '1' }, csprng)
    expect(await code(openXksBlob(parseXksBlob(blob), layer, ekm, { a: '2' }))).toBe('crypto.invalidCiphertext')
    for (const at of [20, 40, 70, 80, 90, 100, blob.length - 1]) {
      const t = Buffer.from(blob)
      t[at]! ^= 1
      expect(await code((async () => openXksBlob(parseXksBlob(t), layer, ekm, { a: '1' }))()), `byte ${at}`).toBe(
        'crypto.invalidCiphertext',
      )
    }
    expect(await code(openXksBlob(parseXksBlob(blob), randomBytes(32), ekm, { a: '1' }))).toBe('crypto.invalidCiphertext')
    expect(() => parseXksBlob(blob.subarray(0, 100))).toThrow(KmsError)
  })

  it('an unavailable EKM is hsm.unavailable on both paths', async () => {
    const down: XksLayer = {
      encrypt: async () => {
        throw new KmsError('hsm.unavailable', 'down')
      },
      decrypt: async () => {
        throw new KmsError('hsm.unavailable', 'down')
      },
    }
    expect(await code(sealXksBlob(ids, layer, down, Buffer.from('x'), {}, csprng))).toBe('hsm.unavailable')
    const blob = await sealXksBlob(ids, layer, ekm, Buffer.from('x'), {}, csprng)
    expect(await code(openXksBlob(parseXksBlob(blob), layer, down, {}))).toBe('hsm.unavailable')
  })
})
