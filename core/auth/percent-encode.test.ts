import { stringify } from 'node:querystring'

import OpenApiUtil from '@alicloud/openapi-util'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { KmsError } from '../errors'
import { parseFormEncoded, percentEncode } from './percent-encode'

const HOSTILE = "a b!*'()~+/=&é"

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return err instanceof KmsError ? err.code : `non-KmsError: ${String(err)}`
  }
  return undefined
}

describe('percentEncode', () => {
  it("encodes !'()* and everything encodeURIComponent does, and keeps ~", () => {
    expect(percentEncode(HOSTILE)).toBe('a%20b%21%2A%27%28%29~%2B%2F%3D%26%C3%A9')
    expect(percentEncode('AZaz09-_.~')).toBe('AZaz09-_.~')
    expect(percentEncode('')).toBe('')
  })

  it('matches the encoder of @alicloud/openapi-util for any Unicode text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(percentEncode(s)).toBe(OpenApiUtil.getEncodeParam(s))
      }),
      { numRuns: 2000 },
    )
  })

  it('emits only unreserved characters and upper-case %XX escapes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(percentEncode(s)).toMatch(/^(?:[A-Za-z0-9\-_.~]|%[0-9A-F]{2})*$/)
      }),
    )
  })

  it('refuses a lone surrogate as request.malformed', () => {
    expect(codeOf(() => percentEncode('a\uD800b'))).toBe('request.malformed')
  })
})

describe('parseFormEncoded', () => {
  it('decodes pairs in order, with + as space and a bare name as an empty value', () => {
    expect(parseFormEncoded('b=2&a=1+2&c&d=&b=3')).toEqual([
      ['b', '2'],
      ['a', '1 2'],
      ['c', ''],
      ['d', ''],
      ['b', '3'],
    ])
  })

  it('returns no pairs for an empty string and skips empty segments', () => {
    expect(parseFormEncoded('')).toEqual([])
    expect(parseFormEncoded('&a=1&&b=2&')).toEqual([
      ['a', '1'],
      ['b', '2'],
    ])
  })

  it('keeps = inside a value and decodes escaped separators', () => {
    expect(parseFormEncoded('a=b=c&k%3D%26=v%2B')).toEqual([
      ['a', 'b=c'],
      ['k=&', 'v+'],
    ])
  })

  it("decodes what Node querystring sends (raw !'()*) the same as the strict encoding", () => {
    const strict = `SecretName=${percentEncode(HOSTILE)}`
    const loose = stringify({ SecretName: HOSTILE })
    expect(loose).not.toBe(strict)
    expect(parseFormEncoded(loose)).toEqual([['SecretName', HOSTILE]])
    expect(parseFormEncoded(strict)).toEqual([['SecretName', HOSTILE]])
  })

  it('refuses malformed escapes and invalid UTF-8 as request.malformed', () => {
    const bad = ['a=%', 'a=%4', 'a=%zz', 'a=%C3', 'a=%C0%80', 'a=%ED%A0%80', '%FF=1', 'a=%E9']
    for (const raw of bad) {
      expect(
        codeOf(() => parseFormEncoded(raw)),
        raw,
      ).toBe('request.malformed')
    }
  })

  it('round-trips any pairs encoded strictly, by querystring or by URLSearchParams', () => {
    const pairs = fc.array(fc.tuple(fc.string({ unit: 'binary', minLength: 1 }), fc.string({ unit: 'binary' })))
    fc.assert(
      fc.property(pairs, (ps) => {
        const strict = ps.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&')
        expect(parseFormEncoded(strict)).toEqual(ps)
        expect(parseFormEncoded(new URLSearchParams(ps).toString())).toEqual(ps)
        const qs = ps.map(([k, v]) => stringify({ [k]: v })).join('&')
        expect(parseFormEncoded(qs)).toEqual(ps)
      }),
      { numRuns: 500 },
    )
  })
})
