import { describe, expect, it } from 'vitest'
import { fromBase64, toBase64, timingSafeEqual, fromHex, toHex } from './bytes'

describe('base64', () => {
  it('round-trips every length 0..64', () => {
    for (let n = 0; n <= 64; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255)
      const text = toBase64(bytes)
      expect(text).toBe(Buffer.from(bytes).toString('base64'))
      expect(fromBase64(text)).toEqual(bytes)
    }
  })
  it('rejects whitespace, url-safe alphabet, bad padding and non-canonical bits', () => {
    for (const bad of ['aGk', 'aG k=', 'a-_=', 'aGk==', '====', 'aGl=', 'aR==', 'aGk=\n']) {
      expect(fromBase64(bad)).toBeUndefined()
    }
  })
})

describe('timingSafeEqual', () => {
  it('compares contents and lengths', () => {
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true)
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false)
    expect(timingSafeEqual(new Uint8Array([1]), new Uint8Array([1, 2]))).toBe(false)
  })
})

describe('hex', () => {
  it('round-trips and rejects odd or non-hex input', () => {
    expect(toHex(fromHex('00ff10')!)).toBe('00ff10')
    expect(fromHex('0')).toBeUndefined()
    expect(fromHex('zz')).toBeUndefined()
  })
})
