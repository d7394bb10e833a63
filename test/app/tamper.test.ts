/**
 * Ciphertext integrity through Decrypt: every byte of the first 94 bytes (header, salt, iv and
 * the start of the body), random bit flips in body and tag, truncations and extensions all give
 * the one uniform 400 InvalidCiphertext and never plaintext. Also: encryption-context binding,
 * key-id swaps, aliases re-pointed between encrypt and decrypt, and ReEncrypt to another key.
 * On the app with fake deps (test/app/harness.ts): a refused Decrypt writes nothing.
 */
import { randomBytes } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { createKey, expectError, expectOk, pool, v1, type AppResponse as RawResponse } from './harness'

const b64 = (data: Uint8Array) => Buffer.from(data).toString('base64')
const uuidBytes = (uuid: string) => Buffer.from(uuid.replace(/-/g, ''), 'hex')
const CONCURRENCY = 16

/** A small seeded PRNG (mulberry32), so a failing flip can be replayed. */
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

let keyA: string
let keyB: string
let plaintext: Uint8Array
let blob: Buffer
let uniformMessage: string

/** The response is the uniform decrypt failure and carries no plaintext. */
function expectRejected(res: RawResponse, what: string): void {
  expect({ what, status: res.status, code: res.json?.Code }).toEqual({
    what,
    status: 400,
    code: 'InvalidCiphertext',
  })
  expectError(res, 400, 'InvalidCiphertext')
  expect(res.json.Message, what).toBe(uniformMessage)
  expect(res.json.Plaintext, what).toBeUndefined()
  expect(res.writes, what).toBe(0)
  const p64 = b64(plaintext)
  expect(res.text.includes(p64.slice(0, 64)) || res.text.includes(p64.slice(-64)), what).toBe(false)
}

async function decryptAll(blobs: Array<[string, Uint8Array]>): Promise<void> {
  await pool(blobs, CONCURRENCY, async ([what, bytes]) => {
    expectRejected(await v1('Decrypt', { CiphertextBlob: b64(bytes) }), what)
  })
}

beforeAll(async () => {
  keyA = await createKey({ Description: 'tamper A' })
  keyB = await createKey({ Description: 'tamper B' })
  plaintext = randomBytes(4096)
  const enc = expectOk(await v1('Encrypt', { KeyId: keyA, Plaintext: b64(plaintext) }))
  expect(enc.KeyId).toBe(keyA)
  blob = Buffer.from(enc.CiphertextBlob, 'base64')
  const extended = Buffer.concat([blob, Buffer.from([0])])
  const wrong = await v1('Decrypt', { CiphertextBlob: b64(extended) })
  uniformMessage = wrong.json.Message
  expect(uniformMessage).toMatch(/CiphertextBlob/)
})

describe('byte and bit tampering', () => {
  it('decrypts the untouched blob (control)', async () => {
    const dec = expectOk(await v1('Decrypt', { CiphertextBlob: b64(blob) }))
    expect(dec).toMatchObject({ KeyId: keyA, Plaintext: b64(plaintext) })
    expect(blob.length).toBe(78 + 4096 + 16)
    expect(uuidBytes(keyA).equals(blob.subarray(2, 18))).toBe(true)
  })

  it('rejects a change of any of the first 94 bytes with one uniform error', async () => {
    const cases: Array<[string, Uint8Array]> = []
    for (let i = 0; i < 94; i++) {
      for (const mask of [0xff, 0x01]) {
        const copy = Buffer.from(blob)
        copy[i]! ^= mask
        cases.push([`byte ${i} ^ ${mask}`, copy])
      }
    }
    await decryptAll(cases)
  })

  it('rejects 400 random single-bit flips in body and tag', async () => {
    const seed = Number(process.env.TAMPER_SEED ?? Date.now() % 2 ** 31)
    console.log(`tamper bit-flip seed: ${seed} (rerun with TAMPER_SEED=${seed})`)
    const rnd = prng(seed)
    const cases: Array<[string, Uint8Array]> = []
    // every bit of the 16-byte tag, then random bits of the body
    for (let bit = 0; bit < 128; bit++) {
      const copy = Buffer.from(blob)
      copy[blob.length - 16 + (bit >> 3)]! ^= 1 << (bit & 7)
      cases.push([`tag bit ${bit}`, copy])
    }
    while (cases.length < 400) {
      const pos = 78 + Math.floor(rnd() * (blob.length - 78))
      const bit = Math.floor(rnd() * 8)
      const copy = Buffer.from(blob)
      copy[pos]! ^= 1 << bit
      cases.push([`seed ${seed}: byte ${pos} bit ${bit}`, copy])
    }
    await decryptAll(cases)
  })

  it('rejects truncations and extensions', async () => {
    const n = blob.length
    const lengths = new Set([1, 2, 3, 17, 18, 33, 34, 65, 66, 77, 78, 79, 93, 94, 95, 100, 4000])
    for (const l of [n - 17, n - 16, n - 15, n - 2, n - 1]) lengths.add(l)
    for (let i = 0; i < 20; i++) lengths.add(1 + Math.floor(Math.random() * (n - 1)))
    const cases: Array<[string, Uint8Array]> = [...lengths].map((l) => [`truncated to ${l}`, blob.subarray(0, l)])
    for (let extra = 1; extra <= 16; extra++) {
      cases.push([`${extra} zero bytes appended`, Buffer.concat([blob, Buffer.alloc(extra)])])
      cases.push([`${extra} random bytes appended`, Buffer.concat([blob, randomBytes(extra)])])
    }
    cases.push(['blob twice', Buffer.concat([blob, blob])])
    cases.push(['header only', blob.subarray(0, 78)])
    cases.push(['body and tag without header', blob.subarray(78)])
    await decryptAll(cases)
  })

  it('rejects garbage blobs and blobs that are not base64 with the same error', async () => {
    const cases: Array<[string, string]> = [
      ['random bytes', b64(randomBytes(blob.length))],
      ['one byte', 'AA=='],
      ['url-safe base64', b64(blob).replace(/\+/g, '-').replace(/\//g, '_')],
      ['unpadded', b64(blob.subarray(0, 100)).replace(/=+$/, '')],
      ['not base64', 'this is not a ciphertext!'],
      ['base64 with a newline', `${b64(blob).slice(0, 76)}\n${b64(blob).slice(76)}`],
      ['a key id', keyA],
    ]
    await pool(cases, CONCURRENCY, async ([what, value]) => {
      expectRejected(await v1('Decrypt', { CiphertextBlob: value }), what)
    })
    expectError(await v1('Decrypt', { CiphertextBlob: '' }), 400, 'MissingParameter')
  })
})

describe('encryption context binding', () => {
  const ctx = { purpose: 'test', app: 'Billing', é: 'ü' }
  let bound: string

  beforeAll(async () => {
    const res = await v1('Encrypt', {
      KeyId: keyA,
      Plaintext: b64(plaintext.subarray(0, 64)),
      EncryptionContext: JSON.stringify(ctx),
    })
    bound = expectOk(res).CiphertextBlob
  })

  it('decrypts with the pairs in any order, as JSON or flattened', async () => {
    const entries = Object.entries(ctx)
    const orders = [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ]
    for (const order of orders) {
      const pairs = order.map((i) => entries[i]!.map((t) => JSON.stringify(t)).join(':'))
      const json = `{${pairs.join(',')}}`
      const dec = expectOk(await v1('Decrypt', { CiphertextBlob: bound, EncryptionContext: json }))
      expect(dec.Plaintext).toBe(b64(plaintext.subarray(0, 64)))
    }
    const flat = Object.fromEntries([...entries].reverse().map(([k, v]) => [`EncryptionContext.${k}`, v]))
    expect(expectOk(await v1('Decrypt', { CiphertextBlob: bound, ...flat })).KeyId).toBe(keyA)
    const spaced = ` { "app" : "Billing" , "\\u00e9" : "\\u00fc", "purpose":"test" } `
    const dec = expectOk(await v1('Decrypt', { CiphertextBlob: bound, EncryptionContext: spaced }))
    expect(dec.KeyId).toBe(keyA)
  })

  it('rejects a changed, added or dropped pair with the uniform InvalidCiphertext', async () => {
    const variants: Array<[string, Record<string, string> | undefined]> = [
      ['no context', undefined],
      ['empty context', {}],
      ['value changed', { ...ctx, app: 'billing' }],
      ['key case changed', { purpose: 'test', App: 'Billing', é: 'ü' }],
      ['pair dropped', { purpose: 'test', app: 'Billing' }],
      ['pair added', { ...ctx, extra: '' }],
      ['NFD instead of NFC', { purpose: 'test', app: 'Billing', 'e\u0301': 'ü' }],
      ['trailing space', { ...ctx, purpose: 'test ' }],
    ]
    await pool(variants, CONCURRENCY, async ([what, c]) => {
      const params: Record<string, string> = { CiphertextBlob: bound }
      if (c) params.EncryptionContext = JSON.stringify(c)
      expectRejected(await v1('Decrypt', params), what)
    })
  })
})

describe('key confusion', () => {
  it('rejects a blob of key A whose key-id bytes name key B', async () => {
    const swapped = Buffer.from(blob)
    uuidBytes(keyB).copy(swapped, 2)
    expectRejected(await v1('Decrypt', { CiphertextBlob: b64(swapped) }), 'key id A → B')
  })

  it('rejects headers and bodies swapped between blobs of keys A and B', async () => {
    const small = plaintext.subarray(0, 32)
    const encA = expectOk(await v1('Encrypt', { KeyId: keyA, Plaintext: b64(small) }))
    const a = Buffer.from(encA.CiphertextBlob, 'base64')
    const encB = expectOk(await v1('Encrypt', { KeyId: keyB, Plaintext: b64(small) }))
    const b = Buffer.from(encB.CiphertextBlob, 'base64')
    const versionSwap = Buffer.from(a)
    uuidBytes(encB.KeyVersionId).copy(versionSwap, 18)
    const idAndVersion = Buffer.from(a)
    b.copy(idAndVersion, 2, 2, 34)
    await decryptAll([
      ['header of B, body of A', Buffer.concat([b.subarray(0, 78), a.subarray(78)])],
      ['header of A, body of B', Buffer.concat([a.subarray(0, 78), b.subarray(78)])],
      ['version of B in a blob of A', versionSwap],
      ['key id and version of B in a blob of A', idAndVersion],
    ])
  })

  it('decrypts an old blob with its own key after the alias moved and names that key', async () => {
    const alias = `alias/tamper-move-${keyA.slice(0, 8)}`
    expectOk(await v1('CreateAlias', { AliasName: alias, KeyId: keyA }))
    const data = b64(plaintext.subarray(0, 48))
    const before = expectOk(await v1('Encrypt', { KeyId: alias, Plaintext: data }))
    expect(before.KeyId).toBe(keyA)
    expectOk(await v1('UpdateAlias', { AliasName: alias, KeyId: keyB }))
    const dec = expectOk(await v1('Decrypt', { CiphertextBlob: before.CiphertextBlob }))
    expect(dec).toMatchObject({ KeyId: keyA, Plaintext: data })
    const after = expectOk(await v1('Encrypt', { KeyId: alias, Plaintext: data }))
    expect(after.KeyId).toBe(keyB)
    expect(expectOk(await v1('Decrypt', { CiphertextBlob: after.CiphertextBlob })).KeyId).toBe(keyB)
  })

  it('re-encrypts to another key, whose Decrypt gives the plaintext and names it', async () => {
    const ctxA = JSON.stringify({ from: 'A' })
    const ctxB = JSON.stringify({ to: 'B' })
    const enc = expectOk(await v1('Encrypt', { KeyId: keyA, Plaintext: b64(plaintext), EncryptionContext: ctxA }))
    const re = expectOk(
      await v1('ReEncrypt', {
        CiphertextBlob: enc.CiphertextBlob,
        SourceEncryptionContext: ctxA,
        DestinationKeyId: keyB,
        DestinationEncryptionContext: ctxB,
      }),
    )
    expect(re).toMatchObject({
      KeyId: keyB,
      SourceKeyId: keyA,
      SourceKeyVersionId: enc.KeyVersionId,
    })
    expect(re.Plaintext).toBeUndefined()
    expect(re.CiphertextBlob).not.toBe(enc.CiphertextBlob)
    const dec = expectOk(await v1('Decrypt', { CiphertextBlob: re.CiphertextBlob, EncryptionContext: ctxB }))
    expect(dec).toMatchObject({
      KeyId: keyB,
      KeyVersionId: re.KeyVersionId,
      Plaintext: b64(plaintext),
    })
    expectRejected(await v1('Decrypt', { CiphertextBlob: re.CiphertextBlob, EncryptionContext: ctxA }), 'new blob under the old context')
    expectRejected(
      await v1('ReEncrypt', { CiphertextBlob: enc.CiphertextBlob, DestinationKeyId: keyB }),
      'ReEncrypt without the source context',
    )
  })
})
