import OpenApiUtil from '@alicloud/openapi-util'
import * as $tea from '@alicloud/tea-typescript'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { CAPTURED_REQUESTS } from '../../test/unit/helpers/alibaba-captured-requests'
import { parseRawHttp } from '../../test/unit/helpers/raw-http'
import { KmsError } from '../errors'
import { EMPTY_BODY_SHA256_HEX } from './hmac'
import { canonicalQueryAcs3, canonicalRequestAcs3, defaultAcs3SignedHeaders, parseAcs3Authorization, signAcs3 } from './signature-acs3'

const acs3Captures = CAPTURED_REQUESTS.filter((c) => c.scheme === 'ACS3')

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return err instanceof KmsError ? err.code : `non-KmsError: ${String(err)}`
  }
  return undefined
}

describe('ACS3 canonical request', () => {
  for (const capture of acs3Captures.filter((c) => c.expected !== undefined)) {
    it(`reproduces the canonical request the server matched for ${capture.name}`, () => {
      const input = parseRawHttp(capture.raw)
      const { signedHeaders } = parseAcs3Authorization(input.headers['authorization']!)
      const canonical = canonicalRequestAcs3({ ...input, signedHeaders })
      expect(canonical).toBe(capture.expected)
    })
  }

  it('encodes values strictly but leaves names raw, as openapi-util does', () => {
    expect(
      canonicalQueryAcs3([
        ['b', "a b!*'()~"],
        ['a.x y', ''],
        ['A', 'é'],
      ]),
    ).toBe('A=%C3%A9&a.x y=&b=a%20b%21%2A%27%28%29~')
  })

  it('refuses query names with &, = or control characters (they would be ambiguous)', () => {
    for (const name of ['x=1&y', 'a&b', 'a=b', 'a\nb', 'a\u0000', 'a\u007f']) {
      expect(
        codeOf(() => canonicalQueryAcs3([[name, 'v']])),
        JSON.stringify(name),
      ).toBe('request.malformed')
    }
  })
})

describe('signAcs3', () => {
  for (const capture of acs3Captures) {
    it(`reproduces the Authorization header of ${capture.name}`, async () => {
      const input = parseRawHttp(capture.raw)
      const authorization = await signAcs3(input, 'testAccessKeyId', 'testSecret')
      expect(authorization).toBe(input.headers['authorization'])
    })
  }

  it('signs host, content-type and every x-acs-* header by default', () => {
    expect(
      defaultAcs3SignedHeaders({
        'x-acs-date': 'd',
        accept: 'a',
        host: 'h',
        'content-type': 'c',
        'user-agent': 'u',
        'x-acs-action': 'e',
      }),
    ).toEqual(['content-type', 'host', 'x-acs-action', 'x-acs-date'])
  })

  it('agrees with openapi-util getAuthorization on any query, headers and path', async () => {
    const safeName = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 10 })
      .filter((k) => !/[&=\x00-\x1f\x7f]/.test(k) && k !== '__proto__')
    const query = fc.dictionary(safeName, fc.string({ unit: 'binary', maxLength: 20 }), {
      maxKeys: 6,
      noNullPrototype: true,
    })
    const value = fc.string({ unit: 'binary', maxLength: 20 })
    const path = fc.constantFrom('/', '/a+b+c', '/x*y*z', '/%7Ez%7E')
    const secret = fc.string({ unit: 'binary', minLength: 1, maxLength: 16 })
    await fc.assert(
      fc.asyncProperty(query, value, value, path, secret, async (q, extra, ct, p, s) => {
        const headers: Record<string, string> = {
          host: '127.0.0.1:8080',
          'x-acs-action': 'Encrypt',
          'x-acs-version': '2016-01-20',
          'x-acs-date': '2026-11-23T12:23:20Z',
          'x-acs-signature-nonce': 'n',
          'x-acs-content-sha256': EMPTY_BODY_SHA256_HEX,
          'x-acs-extra': ` ${extra} `,
          'content-type': ct,
          accept: 'application/json',
        }
        const request = new $tea.Request()
        request.method = 'POST'
        request.pathname = p
        request.query = q
        request.headers = headers
        const theirs = OpenApiUtil.getAuthorization(request, 'ACS3-HMAC-SHA256', headers['x-acs-content-sha256']!, 'ak', s)
        const ours = await signAcs3({ method: 'POST', path: p, query: Object.entries(q), headers }, 'ak', s)
        expect(ours).toBe(theirs)
      }),
      { numRuns: 300 },
    )
  })
})

describe('parseAcs3Authorization', () => {
  const sig = 'ab'.repeat(32)

  it('reads the credential, the signed headers (sorted) and the signature', () => {
    const parsed = parseAcs3Authorization(`ACS3-HMAC-SHA256 Credential=AK1,SignedHeaders=x-acs-date;host,Signature=${sig}`)
    expect(parsed.accessKeyId).toBe('AK1')
    expect(parsed.signedHeaders).toEqual(['host', 'x-acs-date'])
    expect(parsed.signature).toEqual(new Uint8Array(32).fill(0xab))
  })

  it('tolerates spaces around the separators and any field order', () => {
    const parsed = parseAcs3Authorization(`ACS3-HMAC-SHA256  Signature=${sig.toUpperCase()}, Credential=AK1 , SignedHeaders=host`)
    expect(parsed.accessKeyId).toBe('AK1')
    expect(parsed.signedHeaders).toEqual(['host'])
  })

  it('refuses another algorithm with a message naming the supported one', () => {
    for (const alg of ['ACS3-HMAC-SM3', 'ACS3-RSA-SHA256', 'ACS3-HMAC-SHA1']) {
      let err: unknown
      try {
        parseAcs3Authorization(`${alg} Credential=AK1,SignedHeaders=host,Signature=${sig}`)
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(KmsError)
      expect((err as KmsError).code).toBe('auth.incompleteSignature')
      expect((err as KmsError).message).toContain('only ACS3-HMAC-SHA256')
    }
  })

  it('refuses malformed headers as auth.incompleteSignature', () => {
    const bad = [
      'ACS3-HMAC-SHA256',
      'ACS3-HMAC-SHA256 ',
      `ACS3-HMAC-SHA256 Credential=AK1,SignedHeaders=host`,
      `ACS3-HMAC-SHA256 Credential=AK1,Signature=${sig}`,
      `ACS3-HMAC-SHA256 SignedHeaders=host,Signature=${sig}`,
      `ACS3-HMAC-SHA256 Credential=,SignedHeaders=host,Signature=${sig}`,
      `ACS3-HMAC-SHA256 Credential=A K,SignedHeaders=host,Signature=${sig}`,
      `ACS3-HMAC-SHA256 Credential=AK1,SignedHeaders=host,Signature=${sig.slice(2)}`,
      `ACS3-HMAC-SHA256 Credential=AK1,SignedHeaders=host,Signature=${sig}00`,
      `ACS3-HMAC-SHA256 Credential=AK1,SignedHeaders=host,Signature=${'zz'.repeat(32)}`,
      `ACS3-HMAC-SHA256 Credential=AK1,SignedHeaders=host;;x-acs-date,Signature=${sig}`,
      `ACS3-HMAC-SHA256 Credential=AK1,SignedHeaders=Host,Signature=${sig}`,
      `ACS3-HMAC-SHA256 Credential=AK1,SignedHeaders=host;host,Signature=${sig}`,
      `ACS3-HMAC-SHA256 Credential=AK1,SignedHeaders=,Signature=${sig}`,
      `ACS3-HMAC-SHA256 Credential=AK1,Credential=AK2,SignedHeaders=host,Signature=${sig}`,
      `ACS3-HMAC-SHA256 Credential=AK1,SignedHeaders=host,Signature=${sig},Extra=1`,
      `ACS3-HMAC-SHA256 Credential=AK1,SignedHeaders=host,Signature=${sig},`,
      `ACS3-HMAC-SHA256 Credential=AK1 SignedHeaders=host Signature=${sig}`,
      `ACS3-HMAC-SHA256 Credential=${'A'.repeat(129)},SignedHeaders=host,Signature=${sig}`,
    ]
    for (const value of bad) {
      expect(
        codeOf(() => parseAcs3Authorization(value)),
        value,
      ).toBe('auth.incompleteSignature')
    }
  })
})
