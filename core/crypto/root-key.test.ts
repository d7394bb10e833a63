import { describe, expect, it } from 'vitest'
import { KmsError } from '../errors'
import { fromBase64, toBase64, toHex, utf8 } from './bytes'
import { generateRootKeyRingJson, parseRootKeyRing, unwrapUnderRoot, wrapUnderRoot, type RootKeyRing } from './root-key'

const KEY_A = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 ^ i)
const KEY_B = Uint8Array.from({ length: 32 }, (_, i) => 0xb0 ^ (i * 3))
const B64_A = toBase64(KEY_A)
const B64_B = toBase64(KEY_B)

const ringJson = (current: string, keys: Record<string, string>): string => JSON.stringify({ current, keys })

/** Every representation of key bytes that must never appear in an error message. */
const SECRET_FORMS = [B64_A, B64_B, B64_A.slice(0, 16), B64_B.slice(0, 16), toHex(KEY_A), toHex(KEY_B)]

function expectNoSecrets(err: unknown): void {
  const text = `${(err as Error).message} ${JSON.stringify((err as KmsError).details ?? {})}`
  for (const s of SECRET_FORMS) expect(text).not.toContain(s)
}

function ringError(json: string): KmsError {
  try {
    parseRootKeyRing(json)
  } catch (err) {
    expect(err).toBeInstanceOf(KmsError)
    expect((err as KmsError).code).toBe('internal')
    expectNoSecrets(err)
    return err as KmsError
  }
  throw new Error('expected parseRootKeyRing to throw')
}

async function expectUnwrapFailure(p: Promise<unknown>): Promise<void> {
  try {
    await p
  } catch (err) {
    expect(err).toBeInstanceOf(KmsError)
    expect((err as KmsError).code).toBe('internal')
    expect((err as KmsError).message).toBe('stored key material could not be unwrapped')
    expectNoSecrets(err)
    return
  }
  throw new Error('expected unwrapUnderRoot to throw')
}

describe('parseRootKeyRing', () => {
  it('parses a ring and exposes current and all ids', () => {
    const ring = parseRootKeyRing(ringJson('rk-2026a', { 'rk-2026a': B64_A, rk_2025: B64_B }))
    expect(ring.current.id).toBe('rk-2026a')
    expect(ring.current.key).toEqual(KEY_A)
    expect([...ring.byId.keys()].sort()).toEqual(['rk-2026a', 'rk_2025'])
    expect(ring.byId.get('rk_2025')?.key).toEqual(KEY_B)
    expect(ring.byId.get('rk-2026a')).toBe(ring.current)
  })

  it('rejects malformed rings without revealing key bytes', () => {
    const cases = [
      `{"current":"a","keys":{"a":"${B64_A}"`, // truncated JSON (SyntaxError would quote it)
      `{"current":"a","keys":{"a":"${B64_A}" "b":"${B64_B}"}}`,
      '[]',
      'null',
      ringJson('a', {}),
      ringJson('missing', { a: B64_A }),
      ringJson('a', { a: B64_A.slice(0, -4) }), // 30 bytes
      ringJson('a', { a: toBase64(new Uint8Array(33)) }),
      ringJson('a', { a: toHex(KEY_A) }), // hex, not base64
      ringJson('a', { a: B64_A.replaceAll('+', '-').replaceAll('/', '_') + ' ' }),
      ringJson('bad id!', { 'bad id!': B64_A }),
      ringJson('a', { a: B64_A, [B64_B]: B64_B }), // a key pasted where an id belongs
      ringJson('x'.repeat(65), { ['x'.repeat(65)]: B64_A }),
      JSON.stringify({ current: 'a', keys: { a: B64_A }, extra: B64_B }),
      JSON.stringify({ current: 'a', keys: [B64_A] }),
      JSON.stringify({ current: 1, keys: { a: B64_A } }),
    ]
    for (const json of cases) ringError(json)
  })
})

describe('wrapUnderRoot / unwrapUnderRoot', () => {
  const ring = parseRootKeyRing(ringJson('rk-a', { 'rk-a': B64_A }))
  const secret = utf8('key-version-material-32-bytes!!!')

  it('round-trips and produces rk1.<id>.<base64(iv||ct||tag)>', async () => {
    const wrapped = await wrapUnderRoot(ring, secret, 'keyVersion|k1|v1')
    expect(wrapped).toMatch(/^rk1\.rk-a\.[A-Za-z0-9+/]+=*$/)
    const body = fromBase64(wrapped.split('.')[2]!)!
    expect(body).toHaveLength(12 + secret.length + 16)
    expect(await unwrapUnderRoot(ring, wrapped, 'keyVersion|k1|v1')).toEqual(secret)
    expect(wrapped).not.toContain(toBase64(secret))
  })

  it('uses a fresh IV each time', async () => {
    const a = await wrapUnderRoot(ring, secret, 'x')
    const b = await wrapUnderRoot(ring, secret, 'x')
    expect(a).not.toBe(b)
  })

  it('is deterministic with an injected source and binds the documented AAD', async () => {
    const iv = Uint8Array.from({ length: 12 }, (_, i) => i + 1)
    const wrapped = await wrapUnderRoot(ring, secret, 'slot', () => iv.slice())
    expect(fromBase64(wrapped.split('.')[2]!)!.subarray(0, 12)).toEqual(iv)
    // Reproduce with raw WebCrypto: AES-256-GCM, AAD = "edge-kms/root/v1|rk-a|slot".
    const k = await crypto.subtle.importKey('raw', KEY_A, 'AES-GCM', false, ['encrypt'])
    const params = { name: 'AES-GCM', iv, additionalData: utf8('edge-kms/root/v1|rk-a|slot') }
    const expected = new Uint8Array(await crypto.subtle.encrypt(params, k, new Uint8Array(secret)))
    expect(fromBase64(wrapped.split('.')[2]!)!.subarray(12)).toEqual(expected)
  })

  it('rejects a wrong aad, tampering, unknown root key ids and malformed strings', async () => {
    const wrapped = await wrapUnderRoot(ring, secret, 'slot-1')
    await expectUnwrapFailure(unwrapUnderRoot(ring, wrapped, 'slot-2'))
    await expectUnwrapFailure(unwrapUnderRoot(ring, wrapped, ''))
    const [, , body] = wrapped.split('.') as [string, string, string]
    const bytes = fromBase64(body)!
    for (const i of [0, 11, 12, bytes.length - 1]) {
      const bad = bytes.slice()
      bad[i]! ^= 0x01
      await expectUnwrapFailure(unwrapUnderRoot(ring, `rk1.rk-a.${toBase64(bad)}`, 'slot-1'))
    }
    const otherRing = parseRootKeyRing(ringJson('rk-b', { 'rk-b': B64_B }))
    await expectUnwrapFailure(unwrapUnderRoot(otherRing, wrapped, 'slot-1'))
    // same bytes, relabelled to another id that exists in the ring with a different key
    const both = parseRootKeyRing(ringJson('rk-b', { 'rk-a': B64_A, 'rk-b': B64_B }))
    const relabelled = wrapped.replace('rk1.rk-a.', 'rk1.rk-b.')
    await expectUnwrapFailure(unwrapUnderRoot(both, relabelled, 'slot-1'))
    for (const bad of [
      '',
      wrapped.replace('rk1.', 'rk2.'),
      wrapped.slice(0, -4),
      `${wrapped}.x`,
      wrapped.replace('rk1.rk-a.', 'rk1..'),
      'rk1.rk-a.' + toBase64(bytes.subarray(0, 27)),
      'rk1.rk-a.' + body.replaceAll('+', '-'),
      wrapped + '\n',
    ]) {
      if (bad === wrapped) continue
      await expectUnwrapFailure(unwrapUnderRoot(ring, bad, 'slot-1'))
    }
  })

  it('unwraps values wrapped under an older root key after rotation', async () => {
    const old = parseRootKeyRing(ringJson('rk-old', { 'rk-old': B64_A }))
    const wrappedOld = await wrapUnderRoot(old, secret, 'slot')
    const rotated = parseRootKeyRing(ringJson('rk-new', { 'rk-new': B64_B, 'rk-old': B64_A }))
    const wrappedNew = await wrapUnderRoot(rotated, secret, 'slot')
    expect(wrappedNew.startsWith('rk1.rk-new.')).toBe(true)
    expect(await unwrapUnderRoot(rotated, wrappedOld, 'slot')).toEqual(secret)
    expect(await unwrapUnderRoot(rotated, wrappedNew, 'slot')).toEqual(secret)
    await expectUnwrapFailure(unwrapUnderRoot(old, wrappedNew, 'slot'))
  })

  it('fails closed on a broken random source', async () => {
    await expect(wrapUnderRoot(ring, secret, 'slot', (n) => new Uint8Array(n))).rejects.toThrow('random number generator failure')
  })
})

describe('generateRootKeyRingJson', () => {
  it('creates a parseable one-key ring', async () => {
    const json = generateRootKeyRingJson('rk-test')
    const ring: RootKeyRing = parseRootKeyRing(json)
    expect(ring.current.id).toBe('rk-test')
    expect(ring.current.key).toHaveLength(32)
    const wrapped = await wrapUnderRoot(ring, utf8('s'), 'a')
    expect(await unwrapUnderRoot(ring, wrapped, 'a')).toEqual(utf8('s'))
    expect(generateRootKeyRingJson('rk-test')).not.toBe(json)
  })

  it('defaults the id to rk-YYYYMMDD and honours an injected source', () => {
    const json = generateRootKeyRingJson(undefined, (n) => new Uint8Array(n).fill(0x42))
    const parsed = JSON.parse(json) as { current: string; keys: Record<string, string> }
    expect(parsed.current).toMatch(/^rk-\d{8}$/)
    expect(parsed.keys[parsed.current]).toBe(toBase64(new Uint8Array(32).fill(0x42)))
  })

  it('rejects invalid ids and broken random sources', () => {
    expect(() => generateRootKeyRingJson('has space')).toThrow(RangeError)
    expect(() => generateRootKeyRingJson('')).toThrow(RangeError)
    expect(() => generateRootKeyRingJson('rk', (n) => new Uint8Array(n))).toThrow(KmsError)
  })
})
