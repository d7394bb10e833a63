/**
 * The bridge as an XKS proxy (XKS v1) over a real SoftHSMv2 token, driven by requests signed with
 * the npm @smithy/signature-v4 signer; plus the SigV4 module and the spec's recorded vectors
 * without a token, and the bridge's XKS client route (`/v1/xks/call`) against the endpoint.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createServer as createHttpServer, type Server } from 'node:http'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { parseXksStores } from '../src/xks/config'
import { cdiv, gcmAad } from '../src/xks/keys'
import { xksCall } from '../src/xks/routes'
import { route } from '../src/xks/server'
import { amzDate, signingKey, sign, verify } from '../src/xks/sigv4'
import { makeToken, newSecret, NO_SOFTHSM, send, signedRequest, type TokenFixture } from './helpers'
import { META, spawnXksBridge, XKS_CRED, XKS_PREFIX, XKS_REGION, xksPost, type XksBridge } from './xks-helpers'

describe('XKS SigV4 and spec vectors (no HSM)', () => {
  it('verifies a request signed by @smithy/signature-v4 and by our signer alike', async () => {
    const { SignatureV4 } = await import('@smithy/signature-v4')
    const { NodeSha256 } = await import('./xks-helpers')
    const body = JSON.stringify({ requestMetadata: META })
    const now = Date.UTC(2026, 0, 2, 3, 4, 5)
    const signer = new SignatureV4({ service: 'kms-xks-proxy', region: 'us-east-1', credentials: XKS_CRED, sha256: NodeSha256 as never })
    const req = await signer.sign(
      {
        method: 'POST',
        protocol: 'https:',
        hostname: 'xks.example.com',
        path: '/p/kms/xks/v1/keys/k-1/metadata',
        headers: { host: 'xks.example.com', 'content-type': 'application/json' },
        body,
      },
      { signingDate: new Date(now) },
    )
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]))
    const secretOf = (id: string) => (id === XKS_CRED.accessKeyId ? XKS_CRED.secretAccessKey : undefined)
    const ok = verify({ method: 'POST', path: '/p/kms/xks/v1/keys/k-1/metadata', headers, body: Buffer.from(body), secretOf, now })
    expect(ok).toEqual({ ok: true, accessKeyId: XKS_CRED.accessKeyId })
    // Our signer produces the same Authorization as smithy for the same signed headers.
    const ours = sign({
      method: 'POST',
      path: '/p/kms/xks/v1/keys/k-1/metadata',
      host: 'xks.example.com',
      body: Buffer.from(body),
      accessKeyId: XKS_CRED.accessKeyId,
      region: 'us-east-1',
      key: signingKey(XKS_CRED.secretAccessKey, amzDate(now).slice(0, 8), 'us-east-1'),
      now,
    })
    const plain = new SignatureV4({
      service: 'kms-xks-proxy',
      region: 'us-east-1',
      credentials: XKS_CRED,
      sha256: NodeSha256 as never,
      applyChecksum: false,
    })
    const req2 = await plain.sign(
      {
        method: 'POST',
        protocol: 'https:',
        hostname: 'xks.example.com',
        path: '/p/kms/xks/v1/keys/k-1/metadata',
        headers: { host: 'xks.example.com', 'content-type': 'application/json' },
        body,
      },
      { signingDate: new Date(now) },
    )
    expect(ours.authorization).toBe(req2.headers.authorization)
    // Each tampered element fails.
    const bad = (h: Record<string, string>, b = body, p = '/p/kms/xks/v1/keys/k-1/metadata', t = now) =>
      verify({ method: 'POST', path: p, headers: h, body: Buffer.from(b), secretOf, now: t })
    expect(bad(headers, body + ' ')).toEqual({ ok: false, reason: 'badSignature' })
    expect(bad(headers, body, '/p/kms/xks/v1/keys/k-2/metadata')).toEqual({ ok: false, reason: 'badSignature' })
    expect(bad({ ...headers, host: 'other.example.com' })).toEqual({ ok: false, reason: 'badSignature' })
    expect(bad(headers, body, undefined, now + 6 * 60_000)).toEqual({ ok: false, reason: 'skew' })
    expect(bad({ ...headers, authorization: headers.authorization!.replace(XKS_CRED.accessKeyId, 'AAAAAAAAAAAAAAAAAAAAAAAA') })).toEqual({
      ok: false,
      reason: 'unknownAccessKey',
    })
    expect(bad({ ...headers, authorization: headers.authorization!.replace('kms-xks-proxy', 'kms') })).toEqual({
      ok: false,
      reason: 'wrongService',
    })
    const { authorization: _a, ...unsigned } = headers
    expect(bad(unsigned)).toEqual({ ok: false, reason: 'missing' })
  })

  it("computes the spec's recorded CDIV vector (Appendix C, 86 bytes)", () => {
    const v = cdiv(
      Buffer.from('project=nile,department=marketing'),
      Buffer.from('a2V5X3ZlcnNpb249MQ==', 'base64'),
      Buffer.from('HMrlRw85cAJUd5Ax', 'base64'),
      Buffer.from('ghxkK1txeDNn3q8Y', 'base64'),
      Buffer.from('vBxN2ncH1oEkR8WVXpmyYQ==', 'base64'),
    )
    expect(v.toString('base64')).toBe('qHA/ImC9h5HsLRXqCyPmWgYx7tzyoTplzILbP0fPXsc=')
    expect(v.toString('hex')).toBe('a8703f2260bd8791ec2d15ea0b23e65a0631eedcf2a13a65cc82db3f47cf5ec7')
  })

  it("builds the key manager's AAD with the spec's length prefixes", () => {
    const aad = Buffer.from('project=nile,department=marketing')
    const md = Buffer.from('key_version=1')
    expect(gcmAad(aad, md).toString('hex')).toBe(`0021${aad.toString('hex')}0d${md.toString('hex')}`)
    expect(gcmAad(Buffer.alloc(0), Buffer.alloc(0)).toString('hex')).toBe('000000')
    // Metadata moved into the AAD gives another input.
    expect(gcmAad(md, Buffer.alloc(0)).equals(gcmAad(Buffer.alloc(0), md))).toBe(false)
  })

  it('routes by URI prefix and refuses malformed configuration', () => {
    const stores = parseXksStores({
      stores: [
        { uriPrefix: '/a/b', credentials: [XKS_CRED] },
        { uriPrefix: '', credentials: [XKS_CRED] },
      ],
    }).stores
    expect(route(stores, '/a/b/kms/xks/v1/health')?.op).toBe('health')
    expect(route(stores, '/a/b/kms/xks/v1/keys/foo.1/encrypt')).toMatchObject({ op: 'encrypt', keyId: 'foo.1' })
    expect(route(stores, '/kms/xks/v1/keys/foo/metadata')?.store.uriPrefix).toBe('')
    expect(route(stores, '/a/b/kms/xks/v1/keys/foo/sign')).toBeUndefined()
    expect(() =>
      parseXksStores({ stores: [{ uriPrefix: '/x', credentials: [{ accessKeyId: 'short', secretAccessKey: XKS_CRED.secretAccessKey }] }] }),
    ).toThrow(/accessKeyId/)
    expect(() => parseXksStores({ stores: [{ uriPrefix: '/x/', credentials: [XKS_CRED] }] })).toThrow(/uriPrefix/)
  })
})

describe('the bridge as XKS client (/v1/xks/call) against a scripted proxy (no HSM)', () => {
  let server: Server
  let url: string
  let script: (n: number) => 'hang' | { status: number; body: unknown }
  let hits = 0
  beforeAll(async () => {
    server = createHttpServer((req, res) => {
      req.resume()
      req.on('end', () => {
        const step = script(++hits)
        if (step === 'hang') return // never answers
        res.writeHead(step.status, { 'content-type': 'application/json' }).end(JSON.stringify(step.body))
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  })
  const body = (now: number, over: Record<string, unknown> = {}) => {
    const day = amzDate(now).slice(0, 8)
    return {
      proxyUrl: url,
      uriPrefix: '/p',
      accessKeyId: XKS_CRED.accessKeyId,
      region: 'cn-hangzhou',
      scopeDate: day,
      signingKey: signingKey(XKS_CRED.secretAccessKey, day, 'cn-hangzhou').toString('base64'),
      operation: 'metadata',
      externalKeyId: 'k',
      payload: { requestMetadata: META },
      ...over,
    }
  }
  /** One call, signed with the clock its day key was derived from (else a run across UTC midnight answers `unreachable`). */
  const call = (over: Record<string, unknown> = {}) => {
    const now = Date.now()
    return xksCall(body(now, over), fetch, () => now)
  }

  it('retries 503 / 500 / 429 a bounded number of times, then answers', async () => {
    hits = 0
    script = (n) =>
      n < 3 ? { status: n === 1 ? 503 : 429, body: { errorName: 'ThrottlingException' } } : { status: 200, body: { keyStatus: 'ENABLED' } }
    expect(await call()).toEqual({ outcome: 'answered', status: 200, body: { keyStatus: 'ENABLED' } })
    expect(hits).toBe(3)
    hits = 0
    script = () => ({ status: 500, body: { errorName: 'InternalException' } })
    expect(await call({ retries: 1 })).toEqual({ outcome: 'answered', status: 500, body: { errorName: 'InternalException' } })
    expect(hits).toBe(2)
  })

  it('does not retry a 4xx answer', async () => {
    hits = 0
    script = () => ({ status: 400, body: { errorName: 'InvalidStateException' } })
    expect(await call()).toMatchObject({ outcome: 'answered', status: 400 })
    expect(hits).toBe(1)
  })

  it('a proxy slower than the deadline is a timeout (the Worker maps it to 503)', async () => {
    hits = 0
    script = () => 'hang'
    expect(await call({ attemptTimeoutMs: 100, deadlineMs: 250, retries: 3 })).toEqual({ outcome: 'timeout' })
    expect(hits).toBeGreaterThanOrEqual(1)
    expect(hits).toBeLessThanOrEqual(3)
  })

  it('signs what the spec requires: host and x-amz-date under kms-xks-proxy, verifiable by the endpoint', async () => {
    let seen: { headers: Record<string, string | string[] | undefined>; path: string; body: Buffer } | undefined
    const capture = createHttpServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        seen = { headers: req.headers, path: req.url!, body: Buffer.concat(chunks) }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      })
    })
    await new Promise<void>((r) => capture.listen(0, '127.0.0.1', () => r()))
    const port = (capture.address() as { port: number }).port
    await call({ proxyUrl: `http://127.0.0.1:${port}` })
    capture.close()
    expect(seen!.path).toBe('/p/kms/xks/v1/keys/k/metadata')
    expect(String(seen!.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=BETWEEN2TENAND3TENCHARACTERS\/\d{8}\/cn-hangzhou\/kms-xks-proxy\/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/,
    )
    const ok = verify({
      method: 'POST',
      path: seen!.path,
      headers: seen!.headers,
      body: seen!.body,
      now: Date.now(),
      secretOf: (id) => (id === XKS_CRED.accessKeyId ? XKS_CRED.secretAccessKey : undefined),
    })
    expect(ok.ok).toBe(true)
  })
})

describe.skipIf(NO_SOFTHSM)('hsm-bridge as an XKS proxy (SoftHSMv2)', () => {
  let token: TokenFixture
  let bridge: XksBridge
  let secret: string
  const keyId = `xks-${randomBytes(4).toString('hex')}`
  const admin = (action: string, id = keyId) =>
    send(signedRequest(bridge.url, { path: `/v1/xks/keys/${action}`, body: JSON.stringify({ id }), secret }))
  const encryptBody = (plaintext: Buffer, aad?: Buffer, extra: Record<string, unknown> = {}) => ({
    requestMetadata: META,
    plaintext: plaintext.toString('base64'),
    encryptionAlgorithm: 'AES_GCM',
    ...(aad ? { additionalAuthenticatedData: aad.toString('base64') } : {}),
    ...extra,
  })

  beforeAll(async () => {
    token = await makeToken()
    secret = newSecret()
    bridge = await spawnXksBridge(token, secret)
    const created = await admin('create')
    expect(created.status).toBe(200)
    expect(created.json).toMatchObject({ keyStatus: 'ENABLED', created: true })
  })

  afterAll(async () => {
    await bridge?.stop()
    await token?.cleanup()
  })

  it('GetHealthStatus answers the spec shape with an ACTIVE token', async () => {
    const r = await xksPost(bridge.xksUrl, 'health', { requestMetadata: { kmsRequestId: 'r1', kmsOperation: 'KmsHealthCheck' } })
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ xksProxyFleetSize: 1, ekmFleetDetails: [{ healthStatus: 'ACTIVE' }] })
  })

  it('GetKeyMetadata: AES_256, ENCRYPT+DECRYPT, ENABLED; unknown key → 404 KeyNotFoundException', async () => {
    const r = await xksPost(bridge.xksUrl, `keys/${keyId}/metadata`, { requestMetadata: META })
    expect(r).toEqual({ status: 200, json: { keySpec: 'AES_256', keyUsage: ['ENCRYPT', 'DECRYPT'], keyStatus: 'ENABLED' } })
    const missing = await xksPost(bridge.xksUrl, 'keys/no-such-key/metadata', { requestMetadata: META })
    expect(missing.status).toBe(404)
    expect(missing.json.errorName).toBe('KeyNotFoundException')
  })

  it('Encrypt/Decrypt round trip with AAD, CDIV checked; any change → InvalidCiphertextException', async () => {
    const plaintext = randomBytes(4300)
    const aad = Buffer.from('project=nile,department=marketing')
    const e = await xksPost(
      bridge.xksUrl,
      `keys/${keyId}/encrypt`,
      encryptBody(plaintext, aad, { ciphertextDataIntegrityValueAlgorithm: 'SHA_256' }),
    )
    expect(e.status).toBe(200)
    const ct = Buffer.from(e.json.ciphertext as string, 'base64')
    const iv = Buffer.from(e.json.initializationVector as string, 'base64')
    const tag = Buffer.from(e.json.authenticationTag as string, 'base64')
    expect([ct.length, iv.length, tag.length]).toEqual([4300, 12, 16])
    const expected = createHash('sha256')
      .update(Buffer.concat([aad, iv, ct, tag]))
      .digest('base64')
    expect(e.json.ciphertextDataIntegrityValue).toBe(expected)
    const dec = (over: Record<string, unknown> = {}) =>
      xksPost(bridge.xksUrl, `keys/${keyId}/decrypt`, {
        requestMetadata: { ...META, kmsOperation: 'Decrypt' },
        ciphertext: e.json.ciphertext,
        initializationVector: e.json.initializationVector,
        authenticationTag: e.json.authenticationTag,
        additionalAuthenticatedData: aad.toString('base64'),
        encryptionAlgorithm: 'AES_GCM',
        ...over,
      })
    const d = await dec()
    expect(d.status).toBe(200)
    expect(Buffer.from(d.json.plaintext as string, 'base64').equals(plaintext)).toBe(true)
    const flipped = Buffer.from(tag)
    flipped[0]! ^= 1
    for (const over of [
      { authenticationTag: flipped.toString('base64') },
      { additionalAuthenticatedData: Buffer.from('project=nile').toString('base64') },
      { additionalAuthenticatedData: undefined },
      { ciphertextMetadata: Buffer.from('v=1').toString('base64') },
      { initializationVector: randomBytes(12).toString('base64') },
    ]) {
      const bad = await dec(over)
      expect(bad.status, JSON.stringify(over)).toBe(400)
      expect(bad.json.errorName).toBe('InvalidCiphertextException')
    }
  })

  it('authentication: wrong secret, unknown key id, stale date, wrong service → 401 AuthenticationFailedException', async () => {
    const body = { requestMetadata: META }
    for (const o of [
      { secretAccessKey: randomBytes(32).toString('base64') },
      { accessKeyId: 'AAAAAAAAAAAAAAAAAAAAAAAAAA' },
      { signingDate: new Date(Date.now() - 10 * 60_000) },
      { service: 'kms' },
    ]) {
      const r = await xksPost(bridge.xksUrl, `keys/${keyId}/metadata`, body, o)
      expect(r.status).toBe(401)
      expect(r.json).toEqual({ errorName: 'AuthenticationFailedException', errorMessage: 'Request authentication failed.' })
    }
    const unsigned = await fetch(`${bridge.xksUrl}${XKS_PREFIX}/kms/xks/v1/keys/${keyId}/metadata`, {
      method: 'POST',
      body: JSON.stringify(body),
    })
    expect(unsigned.status).toBe(401)
  })

  it('paths, methods and bodies: InvalidUriPathException, 405 on GET, ValidationException', async () => {
    const wrongPrefix = await xksPost(bridge.xksUrl, 'health', { requestMetadata: META }, { prefix: `${XKS_PREFIX}/invalid` })
    expect([wrongPrefix.status, wrongPrefix.json.errorName]).toEqual([404, 'InvalidUriPathException'])
    const get = await xksPost(bridge.xksUrl, 'health', '', { method: 'GET' })
    expect(get.status).toBe(405)
    for (const body of [{}, { requestMetadata: {} }, 'not json']) {
      const r = await xksPost(bridge.xksUrl, `keys/${keyId}/metadata`, body)
      expect([r.status, r.json.errorName]).toEqual([400, 'ValidationException'])
    }
    const badAlg = await xksPost(
      bridge.xksUrl,
      `keys/${keyId}/encrypt`,
      encryptBody(randomBytes(8), undefined, { encryptionAlgorithm: 'AES_CBC' }),
    )
    expect([badAlg.status, badAlg.json.errorName]).toEqual([400, 'ValidationException'])
    const tooMuchAad = await xksPost(bridge.xksUrl, `keys/${keyId}/encrypt`, encryptBody(randomBytes(8), randomBytes(8193)))
    expect([tooMuchAad.status, tooMuchAad.json.errorName]).toEqual([400, 'ValidationException'])
  })

  it('a key disabled in the EKM reports DISABLED and refuses Encrypt/Decrypt (InvalidStateException) until re-enabled', async () => {
    const e = await xksPost(bridge.xksUrl, `keys/${keyId}/encrypt`, encryptBody(Buffer.from('hello')))
    expect(e.status).toBe(200)
    expect((await admin('disable')).json).toEqual({ keyStatus: 'DISABLED' })
    const md = await xksPost(bridge.xksUrl, `keys/${keyId}/metadata`, { requestMetadata: META })
    expect(md.json.keyStatus).toBe('DISABLED')
    const refused = await xksPost(bridge.xksUrl, `keys/${keyId}/encrypt`, encryptBody(Buffer.from('hello')))
    expect([refused.status, refused.json.errorName]).toEqual([400, 'InvalidStateException'])
    const decBody = {
      requestMetadata: META,
      encryptionAlgorithm: 'AES_GCM',
      ciphertext: e.json.ciphertext,
      initializationVector: e.json.initializationVector,
      authenticationTag: e.json.authenticationTag,
    }
    const refusedDec = await xksPost(bridge.xksUrl, `keys/${keyId}/decrypt`, decBody)
    expect([refusedDec.status, refusedDec.json.errorName]).toEqual([400, 'InvalidStateException'])
    expect((await admin('enable')).json).toEqual({ keyStatus: 'ENABLED' })
    const back = await xksPost(bridge.xksUrl, `keys/${keyId}/decrypt`, decBody)
    expect(Buffer.from(back.json.plaintext as string, 'base64').toString()).toBe('hello')
    expect((await admin('disable', 'never-created')).status).toBe(404)
  })

  it('/v1/xks/call: the bridge as XKS client signs with a day key and returns the answer; a dead port is unreachable', async () => {
    // The day key is derived per call, just before it is sent: one derived at the start of the test
    // would be refused by the bridge (`unreachable`) once a run crosses UTC midnight.
    const call = (over: Record<string, unknown>, secretAccessKey = XKS_CRED.secretAccessKey) => {
      const day = amzDate(Date.now()).slice(0, 8)
      return send(
        signedRequest(bridge.url, {
          path: '/v1/xks/call',
          secret,
          body: JSON.stringify({
            proxyUrl: bridge.xksUrl,
            uriPrefix: XKS_PREFIX,
            accessKeyId: XKS_CRED.accessKeyId,
            region: XKS_REGION,
            scopeDate: day,
            signingKey: signingKey(secretAccessKey, day, XKS_REGION).toString('base64'),
            operation: 'metadata',
            externalKeyId: keyId,
            payload: { requestMetadata: META },
            ...over,
          }),
        }),
      )
    }
    const ok = await call({})
    expect(ok.status).toBe(200)
    expect(ok.json).toEqual({
      outcome: 'answered',
      status: 200,
      body: { keySpec: 'AES_256', keyUsage: ['ENCRYPT', 'DECRYPT'], keyStatus: 'ENABLED' },
    })
    const wrongKey = await call({}, 'x'.repeat(44))
    expect(wrongKey.json).toMatchObject({ outcome: 'answered', status: 401 })
    const dead = await call({ proxyUrl: 'http://127.0.0.1:9', retries: 1 })
    expect(dead.json).toEqual({ outcome: 'unreachable' })
    const remoteHttp = await call({ proxyUrl: 'http://example.com' })
    expect(remoteHttp.status).toBe(400)
  })
})
