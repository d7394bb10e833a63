import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import {
  CAPTURED_REQUESTS,
  CAPTURE_ACCESS_KEY_ID,
  CAPTURE_SECRET,
  type CapturedRequest,
} from '../../test/unit/helpers/alibaba-captured-requests'
import { parseRawHttp } from '../../test/unit/helpers/raw-http'
import { KmsError } from '../errors'
import { EMPTY_BODY_SHA256_HEX, sha256Hex } from './hmac'
import { signV1 } from './signature-v1'
import { parseSignature, type SignedRequestInput } from './signed-request'
import { assertFreshTimestamp, parseSignatureTimestamp } from './timestamp'

const V1_CAPTURES = CAPTURED_REQUESTS.filter((c) => c.scheme === 'V1')
const ACS3_CAPTURES = CAPTURED_REQUESTS.filter((c) => c.scheme === 'ACS3')
// Spelled out rather than imported, so that shrinking the implementation's lists fails a test.
const V1_REQUIRED = ['Action', 'Version', 'AccessKeyId', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp']
const ACS3_REQUIRED = ['host', 'x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256']
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

type Outcome = 'accepted' | 'mismatch' | `error:${string}`

/** What a server would conclude: accepted, signature mismatch, or the KmsError code thrown. */
async function outcome(input: SignedRequestInput, secret = CAPTURE_SECRET): Promise<Outcome> {
  try {
    return (await parseSignature(input).verify(secret)) ? 'accepted' : 'mismatch'
  } catch (err) {
    if (err instanceof KmsError) return `error:${err.code}`
    throw err
  }
}

function errorOf(input: SignedRequestInput): KmsError {
  try {
    parseSignature(input)
  } catch (err) {
    if (err instanceof KmsError) return err
    throw err
  }
  throw new Error('parseSignature did not throw')
}

function load(capture: CapturedRequest): SignedRequestInput {
  return parseRawHttp(capture.raw)
}

function edit(input: SignedRequestInput, change: (copy: SignedRequestInput) => void) {
  const copy = structuredClone(input)
  change(copy)
  return copy
}

function shiftIso(iso: string, ms: number): string {
  return new Date(parseSignatureTimestamp(iso) + ms).toISOString().replace('.000Z', 'Z')
}

/** Where a V1 capture keeps its parameters: pop-core POST puts them all in the form body. */
function v1Params(input: SignedRequestInput): Array<[string, string]> {
  return input.form.length > 0 ? input.form : input.query
}

const otherSecret = fc.string({ maxLength: 24 }).filter((s) => s !== CAPTURE_SECRET)

describe('parseSignature on captured SDK requests', () => {
  for (const capture of CAPTURED_REQUESTS) {
    describe(capture.name, () => {
      it(`is recognised as ${capture.scheme} with its access key id, nonce and timestamp`, () => {
        const input = load(capture)
        const sig = parseSignature(input)
        expect(sig.scheme).toBe(capture.scheme)
        expect(sig.accessKeyId).toBe(CAPTURE_ACCESS_KEY_ID)
        const nonce =
          capture.scheme === 'V1'
            ? [...input.query, ...input.form].find(([k]) => k === 'SignatureNonce')![1]
            : input.headers['x-acs-signature-nonce']
        expect(sig.nonce).toBe(nonce)
        expect(sig.nonce).toMatch(/^[0-9a-f]{32}$/)
        expect([Date.UTC(2026, 10, 23, 12, 14, 15), Date.UTC(2026, 10, 23, 12, 23, 20)]).toContain(sig.timestamp)
      })

      it('verifies with the secret it was signed with', async () => {
        expect(await outcome(load(capture))).toBe('accepted')
      })

      it('does not verify with any other secret', async () => {
        const sig = parseSignature(load(capture))
        for (const s of ['testsecret', 'testSecret ', ' testSecret', 'testSecret&', '', 'x']) {
          expect(await sig.verify(s), JSON.stringify(s)).toBe(false)
        }
        await fc.assert(
          fc.asyncProperty(otherSecret, async (s) => {
            expect(await sig.verify(s)).toBe(false)
          }),
          { numRuns: 25 },
        )
      })

      it('does not verify once the method changes', async () => {
        const input = load(capture)
        const other = input.method === 'GET' ? 'POST' : 'GET'
        expect(await outcome(edit(input, (c) => void (c.method = other)))).toBe('mismatch')
      })

      it('is fresh at its own timestamp ±15 minutes and stale 1 s beyond', () => {
        const { timestamp } = parseSignature(load(capture))
        const window = 15 * 60_000
        expect(() => assertFreshTimestamp(timestamp, timestamp + window)).not.toThrow()
        expect(() => assertFreshTimestamp(timestamp, timestamp - window)).not.toThrow()
        expect(() => assertFreshTimestamp(timestamp, timestamp + window + 1000)).toThrow(
          expect.objectContaining({ code: 'auth.illegalTimestamp' }),
        )
        expect(() => assertFreshTimestamp(timestamp, timestamp - window - 1000)).toThrow(
          expect.objectContaining({ code: 'auth.illegalTimestamp' }),
        )
      })
    })
  }
})

describe('V1 signatures', () => {
  for (const capture of V1_CAPTURES) {
    describe(capture.name, () => {
      it('is rejected when any signed parameter value changes', async () => {
        const input = load(capture)
        const params = v1Params(input)
        for (let i = 0; i < params.length; i++) {
          const [name, value] = params[i]!
          if (name === 'Signature') continue
          const changed = name === 'Timestamp' ? shiftIso(value, 1000) : `${value}x`
          const tampered = edit(input, (c) => void (v1Params(c)[i]![1] = changed))
          expect(await outcome(tampered), name).not.toBe('accepted')
        }
      })

      it('is rejected when a parameter is renamed, removed or added', async () => {
        const input = load(capture)
        const params = v1Params(input)
        for (let i = 0; i < params.length; i++) {
          const name = params[i]![0]
          if (name === 'Signature') continue
          const renamed = edit(input, (c) => void (v1Params(c)[i]![0] = `${name}x`))
          expect(await outcome(renamed), `rename ${name}`).not.toBe('accepted')
          const removed = edit(input, (c) => void v1Params(c).splice(i, 1))
          expect(await outcome(removed), `remove ${name}`).not.toBe('accepted')
        }
        const added = edit(input, (c) => void c.query.push(['DryRun', 'false']))
        expect(await outcome(added)).toBe('mismatch')
        const addedForm = edit(input, (c) => void c.form.push(['DryRun', 'false']))
        expect(await outcome(addedForm)).toBe('mismatch')
      })

      it('does not depend on where parameters travel, query or form', async () => {
        const input = load(capture)
        const moved = edit(input, (c) => {
          const all = [...c.query, ...c.form]
          c.query = all.filter((_, i) => i % 2 === 0)
          c.form = all.filter((_, i) => i % 2 === 1)
        })
        expect(await outcome(moved)).toBe('accepted')
      })

      it('does not sign the path, headers or body hash (V1 signs parameters only)', async () => {
        const input = load(capture)
        const changed = edit(input, (c) => {
          c.path = '/other'
          c.headers['x-acs-action'] = 'Decrypt'
          c.headers['host'] = 'evil.example'
          c.bodySha256Hex = EMPTY_SHA256.replace('e3', 'e4')
        })
        expect(await outcome(changed)).toBe('accepted')
      })
    })
  }

  const base = load(V1_CAPTURES[0]!)

  for (const name of V1_REQUIRED) {
    it(`names ${name} when it is missing or empty (auth.incompleteSignature)`, () => {
      for (const input of [
        edit(base, (c) => void (c.query = c.query.filter(([k]) => k !== name))),
        edit(base, (c) => void (c.query.find(([k]) => k === name)![1] = '')),
      ]) {
        const err = errorOf(input)
        expect(err.code).toBe('auth.incompleteSignature')
        expect(err.message).toContain(name)
        expect(err.details?.['missing']).toBe(name)
      }
    })
  }

  it('lists every missing piece at once', () => {
    const input = edit(base, (c) => {
      c.query = c.query.filter(([k]) => k !== 'Timestamp' && k !== 'SignatureNonce')
    })
    expect(errorOf(input).details?.['missing']).toBe('SignatureNonce,Timestamp')
  })

  it('treats an empty Signature as missing', () => {
    const input = edit(base, (c) => void (c.query.find(([k]) => k === 'Signature')![1] = ''))
    expect(errorOf(input).code).toBe('auth.incompleteSignature')
    expect(errorOf(input).details?.['missing']).toBe('Signature')
  })

  it('refuses another SignatureMethod or SignatureVersion without echoing it', () => {
    for (const [name, value] of [
      ['SignatureMethod', 'HMAC-SHA256'],
      ['SignatureMethod', 'EVIL_VALUE_123'],
      ['SignatureVersion', '2.0'],
      ['SignatureVersion', 'EVIL_VALUE_456'],
    ] as const) {
      const err = errorOf(edit(base, (c) => void (c.query.find(([k]) => k === name)![1] = value)))
      expect(err.code).toBe('auth.incompleteSignature')
      expect(err.message).toContain(name)
      expect(err.message).not.toContain(value)
    }
  })

  it('refuses an unparseable Timestamp as auth.illegalTimestamp', () => {
    for (const bad of ['2026-11-23T12:14:15', '1795436055', 'yesterday']) {
      const input = edit(base, (c) => void (c.query.find(([k]) => k === 'Timestamp')![1] = bad))
      const err = errorOf(input)
      expect(err.code).toBe('auth.illegalTimestamp')
      expect(err.message).not.toContain(bad)
    }
  })

  it('accepts a Timestamp with milliseconds when it is signed that way', async () => {
    const params: Array<[string, string]> = [
      ['Action', 'Encrypt'],
      ['Version', '2016-01-20'],
      ['AccessKeyId', 'AK'],
      ['SignatureMethod', 'HMAC-SHA1'],
      ['SignatureVersion', '1.0'],
      ['SignatureNonce', 'n-1'],
      ['Timestamp', '2026-11-23T12:14:15.250Z'],
    ]
    params.push(['Signature', await signV1('GET', params, 's3cret')])
    const input: SignedRequestInput = {
      method: 'GET',
      path: '/',
      query: params,
      form: [],
      headers: {},
      bodySha256Hex: EMPTY_SHA256,
    }
    const sig = parseSignature(input)
    expect(sig.timestamp).toBe(Date.UTC(2026, 10, 23, 12, 14, 15, 250))
    expect(await sig.verify('s3cret')).toBe(true)
  })

  it('refuses an oversized or non-ASCII nonce or access key id', () => {
    for (const [name, value] of [
      ['SignatureNonce', 'n'.repeat(129)],
      ['SignatureNonce', 'nonce with space'],
      ['AccessKeyId', 'é'],
      ['AccessKeyId', 'A'.repeat(129)],
    ] as const) {
      const err = errorOf(edit(base, (c) => void (c.query.find(([k]) => k === name)![1] = value)))
      expect(err.code, name).toBe('auth.incompleteSignature')
    }
  })

  it('verifies an undecodable Signature as a mismatch, not an error', async () => {
    for (const bad of ['not base64!', 'AAAA', 'JUYXeAMQf9dVFP1Z8eu8cSj/Z6M']) {
      const input = edit(base, (c) => void (c.query.find(([k]) => k === 'Signature')![1] = bad))
      expect(await outcome(input)).toBe('mismatch')
    }
  })

  it('refuses a duplicate Signature or a parameter given twice (request.malformed)', () => {
    const sig = base.query.find(([k]) => k === 'Signature')!
    const twice = edit(base, (c) => void c.query.push([...sig]))
    expect(errorOf(twice).code).toBe('request.malformed')
    expect(errorOf(twice).message).toContain('Signature')
    const inForm = edit(base, (c) => void c.form.push([...sig]))
    expect(errorOf(inForm).code).toBe('request.malformed')
    const keyId = base.query.find(([k]) => k === 'KeyId')!
    const split = edit(base, (c) => void c.form.push([keyId[0], 'alias/other']))
    expect(errorOf(split).code).toBe('request.malformed')
    expect(errorOf(split).message).not.toContain('alias/other')
  })

  it('ignores an Authorization header of another kind', async () => {
    const input = edit(base, (c) => void (c.headers['authorization'] = 'Bearer abc'))
    expect(parseSignature(input).scheme).toBe('V1')
    expect(await outcome(input)).toBe('accepted')
  })
})

describe('ACS3 signatures', () => {
  for (const capture of ACS3_CAPTURES) {
    describe(capture.name, () => {
      const input = load(capture)
      const signed = /SignedHeaders=([^,]+)/.exec(input.headers['authorization']!)![1]!.split(';')

      it('is rejected when any signed header value changes', async () => {
        for (const name of signed) {
          const value = input.headers[name]!
          const changed = name === 'x-acs-date' ? shiftIso(value, 1000) : name === 'host' ? '127.0.0.1:18081' : `${value}x`
          const result = await outcome(edit(input, (c) => void (c.headers[name] = changed)))
          expect(result, name).not.toBe('accepted')
          if (name !== 'x-acs-content-sha256') expect(result, name).toBe('mismatch')
        }
      })

      it('is rejected when a query parameter changes, is added or is removed', async () => {
        for (let i = 0; i < input.query.length; i++) {
          const name = input.query[i]![0]
          const changed = edit(input, (c) => void (c.query[i]![1] += 'x'))
          expect(await outcome(changed), name).toBe('mismatch')
          const removed = edit(input, (c) => void c.query.splice(i, 1))
          expect(await outcome(removed), name).toBe('mismatch')
        }
        const added = edit(input, (c) => void c.query.push(['DryRun', 'true']))
        expect(await outcome(added)).toBe('mismatch')
      })

      it('is rejected when the path changes', async () => {
        expect(await outcome(edit(input, (c) => void (c.path = '/x')))).toBe('mismatch')
      })

      it('refuses a body whose hash is not x-acs-content-sha256 (auth.signatureMismatch)', () => {
        const other = edit(input, (c) => void (c.bodySha256Hex = 'ab'.repeat(32)))
        expect(errorOf(other).code).toBe('auth.signatureMismatch')
      })

      it('is rejected when the body and its declared hash both change', async () => {
        const both = edit(input, (c) => {
          c.bodySha256Hex = 'ab'.repeat(32)
          c.headers['x-acs-content-sha256'] = 'ab'.repeat(32)
        })
        expect(await outcome(both)).toBe('mismatch')
      })

      it('still verifies when unsigned ordinary headers change', async () => {
        const changed = edit(input, (c) => {
          c.headers['user-agent'] = 'curl/8'
          c.headers['accept'] = '*/*'
          c.headers['x-forwarded-for'] = '10.0.0.1'
        })
        expect(await outcome(changed)).toBe('accepted')
      })

      it('refuses an unsigned x-acs-* header (auth.incompleteSignature)', () => {
        for (const name of ['x-acs-security-token', 'x-acs-accesskey-id', 'x-acs-anything']) {
          const err = errorOf(edit(input, (c) => void (c.headers[name] = 'v')))
          expect(err.code, name).toBe('auth.incompleteSignature')
        }
      })

      it('refuses a missing required header, naming it', () => {
        for (const name of ACS3_REQUIRED) {
          const err = errorOf(edit(input, (c) => void delete c.headers[name]))
          expect(err.code, name).toBe('auth.incompleteSignature')
          expect(err.message, name).toContain(name)
        }
      })

      it('refuses a required header left out of SignedHeaders', () => {
        for (const name of ACS3_REQUIRED) {
          const reduced = signed.filter((n) => n !== name).join(';')
          const err = errorOf(
            edit(input, (c) => {
              c.headers['authorization'] = c.headers['authorization']!.replace(/SignedHeaders=[^,]+/, `SignedHeaders=${reduced}`)
            }),
          )
          expect(err.code, name).toBe('auth.incompleteSignature')
          expect(err.message, name).toContain(name)
        }
      })

      it('refuses a signed header that is absent from the request', () => {
        const err = errorOf(edit(input, (c) => void delete c.headers['x-acs-credentials-provider']))
        expect(err.code).toBe('auth.incompleteSignature')
      })

      it('refuses an unparseable x-acs-date as auth.illegalTimestamp', () => {
        const err = errorOf(edit(input, (c) => void (c.headers['x-acs-date'] = 'Mon, 23 Nov 2026')))
        expect(err.code).toBe('auth.illegalTimestamp')
      })

      it('refuses the other ACS3 algorithms', () => {
        for (const alg of ['ACS3-HMAC-SM3', 'ACS3-RSA-SHA256']) {
          const err = errorOf(
            edit(input, (c) => {
              const auth = c.headers['authorization']!
              c.headers['authorization'] = auth.replace('ACS3-HMAC-SHA256', alg)
            }),
          )
          expect(err.code, alg).toBe('auth.incompleteSignature')
          expect(err.message).toContain('ACS3-HMAC-SHA256')
        }
      })

      it('reads header names in any case', async () => {
        const upper = edit(input, (c) => {
          const entries = Object.entries(c.headers).map(([k, v]) => [k.toUpperCase(), v])
          c.headers = Object.fromEntries(entries)
        })
        expect(await outcome(upper)).toBe('accepted')
      })

      it('refuses a header given twice under different cases (request.malformed)', () => {
        const twice = edit(input, (c) => void (c.headers['X-Acs-Action'] = 'Decrypt'))
        expect(errorOf(twice).code).toBe('request.malformed')
      })

      it('never verifies with an empty secret', async () => {
        expect(await parseSignature(input).verify('')).toBe(false)
      })
    })
  }

  it('refuses a content-type header that is not signed when there is a body', () => {
    const input = load(ACS3_CAPTURES.find((c) => c.name.includes('chunked form body'))!)
    const unsigned = edit(input, (c) => {
      c.headers['authorization'] = c.headers['authorization']!.replace('SignedHeaders=content-type;', 'SignedHeaders=')
    })
    const err = errorOf(unsigned)
    expect(err.code).toBe('auth.incompleteSignature')
    expect(err.message).toContain('content-type')
  })

  it('is rejected when the chunked form body changes', async () => {
    const capture = ACS3_CAPTURES.find((c) => c.name.includes('chunked form body'))!
    expect(await outcome(parseRawHttp(capture.raw))).toBe('accepted')
    const changed = parseRawHttp(capture.raw.replace('SecretData=hunter2', 'SecretData=hunter3'))
    expect(errorOf(changed).code).toBe('auth.signatureMismatch')
  })

  it('refuses a query name that would make the canonical query ambiguous', () => {
    const input = load(ACS3_CAPTURES[0]!)
    const err = errorOf(edit(input, (c) => void c.query.push(['x=1&y', '2'])))
    expect(err.code).toBe('request.malformed')
  })
})

describe('requests that are not signed', () => {
  it('are refused with "The request is not signed" (auth.incompleteSignature)', () => {
    const input: SignedRequestInput = {
      method: 'POST',
      path: '/',
      query: [['Action', 'Encrypt']],
      form: [],
      headers: { host: 'h', authorization: 'Basic Zm9vOmJhcg==' },
      bodySha256Hex: EMPTY_SHA256,
    }
    const err = errorOf(input)
    expect(err.code).toBe('auth.incompleteSignature')
    expect(err.message).toBe('The request is not signed.')
  })
})

describe('EMPTY_BODY_SHA256_HEX (used for every bodiless request instead of hashing)', () => {
  it('is the SHA-256 of zero bytes', async () => {
    expect(EMPTY_BODY_SHA256_HEX).toBe(await sha256Hex(new Uint8Array(0)))
    expect(EMPTY_BODY_SHA256_HEX).toBe(EMPTY_SHA256)
  })
})
