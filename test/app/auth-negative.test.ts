/**
 * Authentication failures over raw V1 and ACS3 requests, on the app with fake deps
 * (test/app/harness.ts): unsigned, wrong secret, unknown access key, incomplete V1 parameters,
 * the ±15 min timestamp window, nonce replay (also 50 concurrent copies), unsigned or tampered
 * ACS3 pieces, signatures in the wrong scheme. Every failure is a 4xx in Alibaba's error shape,
 * never reaches the action's handler and leaves nothing behind (the key count does not move).
 * What needs the wire (repeated or rewritten headers) stays in
 * test/integration/auth-negative.test.ts.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { stringToSignV1 } from '../../core/auth/signature-v1'
import {
  acs3,
  expectUnhandled,
  expectError,
  expectErrorShape,
  expectOk,
  keyCount,
  send,
  sha256Hex,
  signedAcs3,
  signedV1,
  stack,
  v1,
  type AppResponse as RawResponse,
} from './harness'

const MIN = 60_000
const REQUIRED_SIGNED = ['host', 'x-acs-action', 'x-acs-content-sha256', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-version']
const at = (offsetMs: number) => new Date(Date.now() + offsetMs)

/** Runs `attempt` (a CreateKey that must fail) and checks that no key appeared. */
async function createsNothing(attempt: () => Promise<RawResponse>): Promise<RawResponse> {
  const before = await keyCount()
  const res = await attempt()
  expectUnhandled(res)
  expect(await keyCount()).toBe(before)
  return res
}

describe('unsigned and wrongly signed requests', () => {
  it('refuses an unsigned request with 400 IncompleteSignature', async () => {
    const s = stack()
    const res = await createsNothing(() =>
      send({
        method: 'GET',
        url: `${s.endpoint}/?Action=CreateKey&Version=2016-01-20&Format=JSON`,
        headers: {},
      }),
    )
    expectError(res, 400, 'IncompleteSignature')
  })

  it('refuses a V1 request signed with the wrong secret (GET and POST)', async () => {
    for (const method of ['GET', 'POST'] as const) {
      const res = await createsNothing(() => v1('CreateKey', {}, { method, secret: 'not-the-secret' }))
      expectError(res, 400, 'SignatureDoesNotMatch')
    }
  })

  it('refuses an ACS3 request signed with the wrong secret (query and form)', async () => {
    for (const where of ['query', 'form'] as const) {
      const res = await createsNothing(() => acs3('CreateKey', { Description: 'x' }, { where, secret: 'not-the-secret' }))
      expectError(res, 400, 'SignatureDoesNotMatch')
    }
  })

  it('answers 404 InvalidAccessKeyId.NotFound to an unknown AccessKeyId (V1, ACS3)', async () => {
    const opts = { accessKeyId: 'LTAIdoesnotexist0000000', secret: 'whatever' }
    const a = await createsNothing(() => v1('CreateKey', {}, opts))
    expectError(a, 404, 'InvalidAccessKeyId.NotFound')
    const b = await createsNothing(() => acs3('CreateKey', {}, opts))
    expectError(b, 404, 'InvalidAccessKeyId.NotFound')
  })

  it('answers IncompleteSignature when one V1 signature parameter is missing', async () => {
    const names = ['SignatureMethod', 'SignatureNonce', 'Timestamp', 'AccessKeyId', 'SignatureVersion']
    for (const missing of names) {
      const res = await createsNothing(() => v1('CreateKey', {}, { omit: [missing] }))
      expectError(res, 400, 'IncompleteSignature')
      expect(res.json.Message).toContain(missing)
    }
  })

  it('answers IncompleteSignature for an empty Signature', async () => {
    const res = await createsNothing(() => v1('CreateKey', {}, { signature: () => '' }))
    expectError(res, 400, 'IncompleteSignature')
  })

  it('refuses an unsupported SignatureMethod even when signed consistently', async () => {
    for (const method of ['HMAC-SHA256', 'hmac-sha1', 'NONE']) {
      const res = await createsNothing(() => v1('CreateKey', {}, { signatureMethod: method }))
      expectError(res, 400, 'IncompleteSignature')
    }
  })

  it('refuses a V1 request whose parameters were changed after signing', async () => {
    const req = await signedV1('CreateKey', { Description: 'original' })
    req.body = String(req.body).replace('original', 'tampered')
    expectError(await createsNothing(() => send(req)), 400, 'SignatureDoesNotMatch')
    const extra = await createsNothing(() => v1('CreateKey', {}, { extra: [['Description', 'unsigned']] }))
    expectError(extra, 400, 'SignatureDoesNotMatch')
  })

  it('refuses a V1 request replayed with another HTTP method', async () => {
    const req = await signedV1('CreateKey', {}, { method: 'GET' })
    req.method = 'POST'
    expectError(await createsNothing(() => send(req)), 400, 'SignatureDoesNotMatch')
  })
})

describe('timestamp window', () => {
  it('accepts a timestamp 14 minutes in the past or future', async () => {
    expectOk(await v1('DescribeRegions', {}, { timestamp: at(-14 * MIN) }))
    expectOk(await v1('DescribeRegions', {}, { timestamp: at(14 * MIN) }))
    expectOk(await acs3('DescribeRegions', {}, { timestamp: at(-14 * MIN) }))
    expectOk(await acs3('DescribeRegions', {}, { timestamp: at(14 * MIN) }))
  })

  it('accepts 15 min − 10 s and refuses 15 min + 10 s on both sides', async () => {
    const edge = 15 * MIN
    for (const sign of [-1, 1]) {
      expectOk(await v1('DescribeRegions', {}, { timestamp: at(sign * (edge - 10_000)) }))
      expectOk(await acs3('DescribeRegions', {}, { timestamp: at(sign * (edge - 10_000)) }))
      const late = await createsNothing(() => v1('CreateKey', {}, { timestamp: at(sign * (edge + 10_000)) }))
      expectError(late, 400, 'IllegalTimestamp')
    }
  })

  it('refuses 16 minutes and one day away with 400 IllegalTimestamp (V1 and ACS3)', async () => {
    for (const offset of [-16 * MIN, 16 * MIN, -24 * 60 * MIN, 24 * 60 * MIN]) {
      const a = await createsNothing(() => v1('CreateKey', {}, { timestamp: at(offset) }))
      expectError(a, 400, 'IllegalTimestamp')
      const b = await createsNothing(() => acs3('CreateKey', {}, { timestamp: at(offset) }))
      expectError(b, 400, 'IllegalTimestamp')
    }
  })

  it('refuses malformed timestamps with 400 IllegalTimestamp', async () => {
    const now = new Date().toISOString()
    const bad = [now.replace('Z', '+00:00'), `${now.slice(0, 16)}Z`, String(Date.now()), 'yesterday']
    for (const ts of bad) {
      const res = await createsNothing(() => v1('CreateKey', {}, { timestamp: ts }))
      expectError(res, 400, 'IllegalTimestamp')
    }
  })
})

describe('nonce replay', () => {
  it('answers 400 SignatureNonceUsed to the same signed request sent twice (V1)', async () => {
    const req = await signedV1('CreateKey', { Description: 'replay v1' })
    const before = await keyCount()
    expectOk(await send(req))
    const replay = await send(req)
    expectError(replay, 400, 'SignatureNonceUsed')
    expectUnhandled(replay)
    expect(await keyCount()).toBe(before + 1)
  })

  it('answers 400 SignatureNonceUsed to the same signed request sent twice (ACS3)', async () => {
    const req = await signedAcs3('CreateKey', { Description: 'replay acs3' })
    const before = await keyCount()
    expectOk(await send(req))
    const replay = await send(req)
    expectError(replay, 400, 'SignatureNonceUsed')
    expectUnhandled(replay)
    expect(await keyCount()).toBe(before + 1)
  })

  it('answers SignatureNonceUsed to a replayed read-only call (its audit record claims the nonce)', async () => {
    const req = await signedV1('DescribeRegions', {})
    const first = await send(req)
    expectOk(first)
    expect(first.text).toContain('Regions')
    const again = await send(req)
    expectError(again, 400, 'SignatureNonceUsed')
    expect(again.handled).toBe(false)
    expect(again.text).not.toContain('Regions')
  })

  it('refuses a fresh signature that reuses a nonce already claimed', async () => {
    const nonce = `fixed-${Date.now()}-nonce`
    expectOk(await v1('DescribeRegions', {}, { nonce }))
    const res = await createsNothing(() => v1('CreateKey', {}, { nonce }))
    expectError(res, 400, 'SignatureNonceUsed')
  })

  it('lets exactly 1 of 50 concurrent copies of one signed CreateKey through', async () => {
    const req = await signedV1('CreateKey', { Description: 'race' })
    const before = await keyCount()
    const results = await Promise.all(Array.from({ length: 50 }, () => send(req)))
    const ok = results.filter((r) => r.status === 200)
    expect(ok).toHaveLength(1)
    for (const r of results.filter((x) => x.status !== 200)) {
      expectError(r, 400, 'SignatureNonceUsed')
      expect(r.handled).toBe(false)
    }
    expect(await keyCount()).toBe(before + 1)
  })

  it('refuses a nonce reused across signature schemes', async () => {
    const nonce = `cross-${Date.now()}-nonce`
    expectOk(await v1('DescribeRegions', {}, { nonce }))
    const res = await createsNothing(() => acs3('CreateKey', {}, { nonce }))
    expectError(res, 400, 'SignatureNonceUsed')
  })

  it('refuses a nonce that is too short or holds separators with IncompleteSignature', async () => {
    for (const nonce of ['abc', 'a#b#c#d#e', 'x'.repeat(129)]) {
      const res = await createsNothing(() => v1('CreateKey', {}, { nonce }))
      expectError(res, 400, 'IncompleteSignature')
    }
  })

  it('does not burn a nonce with a request that fails authentication', async () => {
    const nonce = `burn-${Date.now()}-nonce`
    const res = await v1('DescribeRegions', {}, { nonce, secret: 'wrong' })
    expectError(res, 400, 'SignatureDoesNotMatch')
    expectUnhandled(res)
    expectOk(await v1('DescribeRegions', {}, { nonce }))
  })
})

describe('ACS3 tampering', () => {
  it('refuses an x-acs-* header that is not signed', async () => {
    const req = await signedAcs3('CreateKey')
    req.headers['x-acs-security-token'] = 'injected'
    expectError(await createsNothing(() => send(req)), 400, 'IncompleteSignature')
    const listed = await signedAcs3(
      'CreateKey',
      {},
      {
        headers: { 'x-acs-extra': 'a' },
        signedHeaders: REQUIRED_SIGNED,
      },
    )
    expectError(await createsNothing(() => send(listed)), 400, 'IncompleteSignature')
  })

  it('refuses a signed header changed after signing', async () => {
    const req = await signedAcs3('DescribeRegions')
    req.headers['x-acs-action'] = 'CreateKey'
    expectError(await createsNothing(() => send(req)), 400, 'SignatureDoesNotMatch')
  })

  it('refuses a tampered x-acs-content-sha256 or body', async () => {
    const header = await signedAcs3('CreateKey', { Description: 'body' }, { where: 'form' })
    header.headers['x-acs-content-sha256'] = sha256Hex('something else')
    expectError(await createsNothing(() => send(header)), 400, 'SignatureDoesNotMatch')

    const body = await signedAcs3('CreateKey', { Description: 'body' }, { where: 'form' })
    body.body = String(body.body).replace('body', 'evil')
    expectError(await createsNothing(() => send(body)), 400, 'SignatureDoesNotMatch')

    // The body and its hash both changed consistently: the signature still covers the old hash.
    const both = await signedAcs3('CreateKey', { Description: 'body' }, { where: 'form' })
    both.body = String(both.body).replace('body', 'evil')
    both.headers['x-acs-content-sha256'] = sha256Hex(both.body)
    expectError(await createsNothing(() => send(both)), 400, 'SignatureDoesNotMatch')
  })

  it('refuses a query parameter added after signing', async () => {
    const req = await signedAcs3('CreateKey', { Description: 'q' })
    req.url += '&KeySpec=Aliyun_AES_128'
    expectError(await createsNothing(() => send(req)), 400, 'SignatureDoesNotMatch')
  })

  it('refuses an Authorization header with another scheme or malformed fields', async () => {
    const variants: Array<[(a: string) => string, string]> = [
      [(a) => a.replace('ACS3-HMAC-SHA256', 'ACS3-HMAC-SHA1'), 'IncompleteSignature'],
      [(a) => a.replace('ACS3-HMAC-SHA256', 'Basic'), 'IncompleteSignature'],
      [(a) => a.replace('ACS3-HMAC-SHA256', 'Bearer'), 'IncompleteSignature'],
      [(a) => a.replace('Signature=', 'Signature=00'), 'IncompleteSignature'],
      [(a) => a.replace(/Signature=[0-9a-f]+/, 'Signature='), 'IncompleteSignature'],
      [(a) => `${a},Signature=${'0'.repeat(64)}`, 'IncompleteSignature'],
      [(a) => a.replace(/Signature=([0-9a-f])/, (_m, c) => `Signature=${c === '0' ? '1' : '0'}`), 'SignatureDoesNotMatch'],
    ]
    for (const [change, code] of variants) {
      const res = await createsNothing(() => acs3('CreateKey', {}, { authorization: change }))
      expectError(res, 400, code)
    }
  })

  it('refuses a signed header listed in SignedHeaders but absent from the request', async () => {
    const req = await signedAcs3('CreateKey', {}, { headers: { 'x-acs-extra': 'a' } })
    delete req.headers['x-acs-extra']
    expectError(await createsNothing(() => send(req)), 400, 'IncompleteSignature')
  })

  it('refuses an ACS3 request without a required header', async () => {
    for (const name of ['x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256']) {
      const req = await signedAcs3('CreateKey')
      delete req.headers[name]
      expectError(await createsNothing(() => send(req)), 400, 'IncompleteSignature')
    }
  })
})

describe('signatures in the wrong scheme', () => {
  it('refuses an ACS3 signature value sent as the V1 Signature', async () => {
    const a = await signedAcs3('CreateKey')
    const hex = /Signature=([0-9a-f]{64})/.exec(a.headers.authorization!)![1]!
    const res = await createsNothing(() => v1('CreateKey', {}, { signature: () => hex }))
    expectError(res, 400, 'SignatureDoesNotMatch')
  })

  it('refuses a V1 signature sent in an ACS3 Authorization header', async () => {
    const req = await signedV1('CreateKey')
    const sig = new URLSearchParams(String(req.body)).get('Signature')!
    const hex = Buffer.from(sig, 'base64').toString('hex').padEnd(64, '0')
    const swap = (auth: string) => auth.replace(/Signature=[0-9a-f]{64}/, `Signature=${hex}`)
    const res = await createsNothing(() => acs3('CreateKey', {}, { authorization: swap }))
    expectError(res, 400, 'SignatureDoesNotMatch')
  })

  it('refuses a valid V1 request that carries a bogus ACS3 Authorization header', async () => {
    const req = await signedV1('CreateKey')
    req.headers.authorization = `ACS3-HMAC-SHA256 Credential=${stack().accessKeyId},` + `SignedHeaders=host,Signature=${'0'.repeat(64)}`
    const res = await createsNothing(() => send(req))
    expectError(res, 400, 'IncompleteSignature')
  })

  it('ignores a non-ACS3 Authorization header next to a valid V1 signature', async () => {
    const req = await signedV1('DescribeRegions')
    req.headers.authorization = 'Basic dXNlcjpwYXNz'
    expectOk(await send(req))
  })
})

describe("what Alibaba's Python SDKs need, and V1's signed Action/Version", () => {
  /** The decoded parameters of a V1 request as the client signed them (Signature left out). */
  const signedPairs = (req: { url: string; body?: unknown }): Array<[string, string]> => {
    const text = req.body !== undefined ? String(req.body) : new URL(req.url).search.slice(1)
    return [...new URLSearchParams(text)].filter(([k]) => k !== 'Signature')
  }

  it("answers a wrong V1 signature with Alibaba's message, whose split(':')[1] is the StringToSign", async () => {
    for (const method of ['GET', 'POST'] as const) {
      const req = await signedV1('DescribeRegions', {}, { method, secret: 'not-the-secret' })
      const res = await send(req)
      expectError(res, 400, 'SignatureDoesNotMatch')
      expectUnhandled(res)
      const message: string = res.json.Message
      expect(message).toMatch(/^Specified signature is not matched with our calculation\. server string to sign is:/)
      // aliyunsdkcore/client.py: `if string_to_sign == error_message.split(':')[1]` (it crashed
      // with IndexError on a message without a colon).
      expect(message.split(':')[1]).toBe(stringToSignV1(method, signedPairs(req)))
    }
  })

  it('refuses a V1 request whose Action or Version is only in unsigned x-acs-* headers', async () => {
    for (const [param, header, value] of [
      ['Action', 'x-acs-action', 'CreateKey'],
      ['Version', 'x-acs-version', '2016-01-20'],
    ] as const) {
      const req = await signedV1('CreateKey', {}, { omit: [param] })
      req.headers[header] = value
      const res = await createsNothing(() => send(req))
      expect(res.status, res.text).toBe(400)
      expect(['MissingParameter', 'IncompleteSignature']).toContain(res.json.Code)
      expect(res.json.Message).toContain(param)
    }
  })

  it('accepts an ACS3 request with an unsigned content-type on an empty body (aiohttp), refuses one with a body', async () => {
    const req = await signedAcs3('DescribeRegions')
    req.headers['content-type'] = 'application/octet-stream'
    expectOk(await send(req))

    const withBody = await signedAcs3('CreateKey', { Description: 'x' }, { where: 'form', signedHeaders: REQUIRED_SIGNED })
    const res = await createsNothing(() => send(withBody))
    expectError(res, 400, 'IncompleteSignature')
    expect(res.json.Message).toContain('content-type must be included in SignedHeaders')
  })
})

describe('random mutations of a signed ACS3 CreateKey (fast-check)', () => {
  type Req = Awaited<ReturnType<typeof signedAcs3>>
  type Mutation = (req: Req) => void
  const HEADERS = [...REQUIRED_SIGNED.filter((h) => h !== 'host'), 'authorization', 'content-type']
  // Latin-1 without control characters: what fetch can put in a header value.
  const latin1 = fc
    .integer({ min: 0x20, max: 0xff })
    .filter((c) => c < 0x7f || c >= 0xa0)
    .map((c) => String.fromCharCode(c))
  const text = fc.string({ unit: latin1, maxLength: 80 })
  const ERROR_CODES = new RegExp(
    '^(IncompleteSignature|SignatureDoesNotMatch|IllegalTimestamp|InvalidAccessKeyId\\.NotFound|' +
      'ParseRequestParameterException|MissingParameter|InvalidAction\\.NotFound|InvalidVersion)$',
  )

  const setHeader = (r: Req, h: string, v: string | undefined) => {
    if (v === undefined) delete r.headers[h]
    else r.headers[h] = v
  }
  const editAuthorization = (r: Req, edit: (a: string) => string) => setHeader(r, 'authorization', edit(r.headers.authorization ?? ''))
  const normaliseAuthorization = (v: string) =>
    v.replace(/\s*([,=])\s*/g, '$1').replace(/Signature=([0-9A-Fa-f]+)/, (_m, hex: string) => `Signature=${hex.toLowerCase()}`)
  /**
   * What the signature covers, up to what HTTP and the parser normalise: fetch trims header
   * values, an empty header carries nothing, spaces around the Authorization separators are
   * tolerated and the signature hex is case-insensitive. A content-type on an empty body is
   * read by nothing (the body hash is signed), so it is accepted unsigned (aiohttp adds one).
   */
  const covered = (r: Req) =>
    JSON.stringify({
      method: r.method,
      url: r.url,
      body: r.body ?? '',
      headers: Object.entries(r.headers)
        .map(([k, v]): [string, string] => [k, v.trim()])
        .filter(([k, v]) => v !== '' && !(k === 'content-type' && (r.body ?? '') === ''))
        .map(([k, v]): [string, string] => [k, k === 'authorization' ? normaliseAuthorization(v) : v])
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    })

  const mutation: fc.Arbitrary<[string, Mutation]> = fc.oneof(
    fc.constantFrom(...HEADERS).map((h): [string, Mutation] => [`drop ${h}`, (r) => setHeader(r, h, undefined)]),
    fc.tuple(fc.constantFrom(...HEADERS), text).map(([h, v]): [string, Mutation] => [`set ${h}=${v}`, (r) => setHeader(r, h, v)]),
    fc
      .tuple(fc.stringMatching(/^[a-z0-9-]{1,12}$/), text)
      .map(([h, v]): [string, Mutation] => [`add x-acs-${h}`, (r) => setHeader(r, `x-acs-${h}`, v)]),
    fc.tuple(fc.nat(), fc.integer({ min: 0x21, max: 0x7e })).map(([i, c]): [string, Mutation] => [
      `authorization[${i}]=${String.fromCharCode(c)}`,
      (r) =>
        editAuthorization(r, (a) => {
          const at = i % Math.max(a.length, 1)
          return `${a.slice(0, at)}${String.fromCharCode(c)}${a.slice(at + 1)}`
        }),
    ]),
    fc.constantFrom<[string, Mutation]>(
      ['scheme in lower case', (r) => editAuthorization(r, (a) => a.replace('ACS3-HMAC-SHA256', 'acs3-hmac-sha256'))],
      ['spaces around separators', (r) => editAuthorization(r, (a) => a.replace(/,/g, ' , ').replace(/=/g, ' = '))],
      ['body added', (r) => void (r.body = 'Description=added')],
      ['query added', (r) => void (r.url += '?Description=added')],
      ['method GET', (r) => void (r.method = 'GET')],
      ['no change', () => {}],
    ),
  )

  it('never answers a 5xx, accepts nothing tampered and creates one key per 200', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31)
    console.log(`auth mutation seed: ${seed} (rerun with FUZZ_SEED=${seed})`)
    const before = await keyCount()
    let created = 0
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const what = mutations.map(([d]) => d).join(' + ')
        const req = await signedAcs3('CreateKey', {}, { where: 'query' })
        const original = covered(req)
        for (const [, m] of mutations) m(req)
        const tampered = covered(req) !== original
        let res: RawResponse
        try {
          res = await send(req)
        } catch {
          return // fetch refused to send it (e.g. a GET with a body): nothing reached the service
        }
        expect(res.status, `${what}: ${res.text}`).toBeLessThan(500)
        if (res.status === 200) {
          expect(tampered, `accepted: ${what}`).toBe(false)
          expect(res.json.KeyMetadata.KeyId).toEqual(expect.any(String))
          created++
        } else {
          expectErrorShape(res)
          expectUnhandled(res)
          expect(res.json.Code, `${what}: ${res.text}`).toMatch(ERROR_CODES)
        }
      }),
      { seed, numRuns: Number(process.env.FUZZ_RUNS ?? 150) },
    )
    expect(await keyCount()).toBe(before + created)
  })
})
