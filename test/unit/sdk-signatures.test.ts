/**
 * The official Alibaba Node SDKs sign real requests against a local HTTP server that verifies
 * them with core/auth exactly as the service adapter will (decode, re-encode strictly, verify).
 * Every SDK also sends a value full of characters that Node `querystring` leaves raw but the
 * signature encodes (`!*'()`), plus space, `+`, `/`, `=`, `&`, `~` and a non-ASCII letter.
 */

import Kms, * as $Kms from '@alicloud/kms20160120'
import OpenApi, * as $OpenApi from '@alicloud/openapi-client'
import RPCClient from '@alicloud/pop-core'
import * as $RPC from '@alicloud/rpc-client'
import * as $Util from '@alicloud/tea-util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startSignatureCheckServer, type CheckedRequest, type SignatureCheckServer } from './helpers/signature-check-server'

const ACCESS_KEY_ID = 'testAccessKeyId'
const SECRET = 'testSecret'
const WRONG_SECRET = 'wrongSecret'
const HOSTILE = "a b!*'()~+/=&é"
/** HOSTILE as Node querystring puts it on the wire: `!*()` raw, unlike the signed form. */
const WIRE_LOOSE = 'a%20b!*%27()~%2B%2F%3D%26%C3%A9'

let server: SignatureCheckServer

beforeAll(async () => {
  server = await startSignatureCheckServer({ [ACCESS_KEY_ID]: SECRET })
})

afterAll(async () => {
  await server.close()
})

/** Runs an SDK call and returns the one request it made, as the server judged it. */
async function captured(call: () => Promise<unknown>): Promise<CheckedRequest> {
  const before = server.requests.length
  await call()
  expect(server.requests.length).toBe(before + 1)
  return server.requests[before]!
}

/** Runs an SDK call expected to fail; returns the SDK error and the server's record. */
async function refused(call: () => Promise<unknown>): Promise<[unknown, CheckedRequest]> {
  const before = server.requests.length
  let error: unknown
  try {
    await call()
  } catch (err) {
    error = err
  }
  expect(error, 'the SDK call should have thrown').toBeDefined()
  expect(server.requests.length).toBe(before + 1)
  return [error, server.requests[before]!]
}

function kmsClient(secret: string): Kms {
  return new Kms(
    new $RPC.Config({
      accessKeyId: ACCESS_KEY_ID,
      accessKeySecret: secret,
      regionId: 'cn-hangzhou',
      endpoint: `127.0.0.1:${server.port}`,
      protocol: 'HTTP',
    }),
  )
}

function openApiClient(secret: string, signatureAlgorithm?: 'v2'): OpenApi {
  return new OpenApi(
    new $OpenApi.Config({
      accessKeyId: ACCESS_KEY_ID,
      accessKeySecret: secret,
      regionId: 'cn-hangzhou',
      endpoint: `127.0.0.1:${server.port}`,
      protocol: 'HTTP',
      ...(signatureAlgorithm === undefined ? {} : { signatureAlgorithm }),
    }),
  )
}

const ENCRYPT_PARAMS = new $OpenApi.Params({
  action: 'Encrypt',
  version: '2016-01-20',
  protocol: 'HTTP',
  pathname: '/',
  method: 'POST',
  authType: 'AK',
  style: 'RPC',
  reqBodyType: 'formData',
  bodyType: 'json',
})

function callEncrypt(client: OpenApi, request: { query?: Record<string, string>; body?: Record<string, string> }) {
  return client.callApi(ENCRYPT_PARAMS, new $OpenApi.OpenApiRequest(request), new $Util.RuntimeOptions({}))
}

function popClient(secret: string): RPCClient {
  return new RPCClient({
    accessKeyId: ACCESS_KEY_ID,
    accessKeySecret: secret,
    endpoint: `http://127.0.0.1:${server.port}`,
    apiVersion: '2016-01-20',
  })
}

const CONTEXT_JSON = JSON.stringify({ purpose: HOSTILE })

describe('@alicloud/kms20160120 1.2.0 (V1, HMAC-SHA1, parameters in the query)', () => {
  it('signs Encrypt with a flattened object EncryptionContext that verifies', async () => {
    let response: $Kms.EncryptResponse | undefined
    const req = await captured(async () => {
      response = await kmsClient(SECRET).encrypt(
        new $Kms.EncryptRequest({
          keyId: HOSTILE,
          plaintext: 'aGk=',
          // a-b sorts before a/b on decoded names, after it on encoded names.
          encryptionContext: { purpose: HOSTILE, 'a-b': '1', 'a/b': '2' },
        }),
      )
    })
    expect(req.outcome).toBe('accepted')
    expect(req.scheme).toBe('V1')
    expect(req.input?.method).toBe('POST')
    expect(req.params.get('KeyId')).toBe(HOSTILE)
    expect(req.params.get('EncryptionContext.purpose')).toBe(HOSTILE)
    expect(req.params.get('EncryptionContext.a/b')).toBe('2')
    // Node querystring leaves !*() raw on the wire: the signature only matches re-encoded.
    expect(req.target).toContain(WIRE_LOOSE)
    expect(response?.keyId).toBe('k')
  })

  it('signs Encrypt with a JSON-string EncryptionContext that verifies', async () => {
    const req = await captured(() =>
      kmsClient(SECRET).encrypt(
        new $Kms.EncryptRequest({
          keyId: 'alias/test',
          plaintext: 'aGk=',
          encryptionContext: CONTEXT_JSON as unknown as Record<string, string>,
        }),
      ),
    )
    expect(req.outcome).toBe('accepted')
    expect(req.params.get('EncryptionContext')).toBe(CONTEXT_JSON)
  })

  it('is refused with SignatureDoesNotMatch when signed with the wrong secret', async () => {
    const [error, req] = await refused(() =>
      kmsClient(WRONG_SECRET).encrypt(new $Kms.EncryptRequest({ keyId: HOSTILE, plaintext: 'aGk=' })),
    )
    expect(req.scheme).toBe('V1')
    expect(req.outcome).toBe('mismatch')
    expect(error).toMatchObject({ code: 'SignatureDoesNotMatchError' })
  })
})

describe('@alicloud/openapi-client 0.4.15 callApi', () => {
  it('signs ACS3-HMAC-SHA256 with all parameters in the query (kms 2.x) verifiably', async () => {
    let response: { body?: { KeyId?: string } } | undefined
    const req = await captured(async () => {
      response = await callEncrypt(openApiClient(SECRET), {
        query: { KeyId: HOSTILE, Plaintext: 'aGk=', EncryptionContext: CONTEXT_JSON },
      })
    })
    expect(req.outcome).toBe('accepted')
    expect(req.scheme).toBe('ACS3')
    expect(req.params.get('KeyId')).toBe(HOSTILE)
    expect(req.params.get('EncryptionContext')).toBe(CONTEXT_JSON)
    expect(req.target).toContain(WIRE_LOOSE)
    expect(req.rawHeaders['authorization']).toMatch(/^ACS3-HMAC-SHA256 Credential=testAccessKeyId,/)
    expect(response?.body?.KeyId).toBe('k')
  })

  it('signs ACS3 with a chunked form body that verifies (content-type signed)', async () => {
    const req = await captured(() =>
      callEncrypt(openApiClient(SECRET), {
        query: { KeyId: HOSTILE },
        body: { Plaintext: 'aGk=', EncryptionContext: CONTEXT_JSON, Note: HOSTILE },
      }),
    )
    expect(req.outcome).toBe('accepted')
    expect(req.scheme).toBe('ACS3')
    expect(req.rawHeaders['transfer-encoding']).toBe('chunked')
    expect(req.rawHeaders['content-length']).toBeUndefined()
    expect(req.rawHeaders['authorization']).toContain('SignedHeaders=content-type;host;')
    expect(req.input?.form).toContainEqual(['Note', HOSTILE])
    expect(req.params.get('EncryptionContext')).toBe(CONTEXT_JSON)
  })

  it('signs V1 with signatureAlgorithm "v2" (query parameters) that verifies', async () => {
    const req = await captured(() =>
      callEncrypt(openApiClient(SECRET, 'v2'), {
        query: { KeyId: HOSTILE, Plaintext: 'aGk=', EncryptionContext: CONTEXT_JSON },
      }),
    )
    expect(req.outcome).toBe('accepted')
    expect(req.scheme).toBe('V1')
    expect(req.params.get('KeyId')).toBe(HOSTILE)
    expect(req.target).toContain(WIRE_LOOSE)
  })

  it('signs V1 with signatureAlgorithm "v2" and a form body, signing the form too', async () => {
    const req = await captured(() =>
      callEncrypt(openApiClient(SECRET, 'v2'), {
        query: { KeyId: 'alias/test' },
        body: { Plaintext: 'aGk=', Note: HOSTILE },
      }),
    )
    expect(req.outcome).toBe('accepted')
    expect(req.scheme).toBe('V1')
    expect(req.input?.form).toContainEqual(['Note', HOSTILE])
  })

  it('is refused with SignatureDoesNotMatch when ACS3 uses the wrong secret', async () => {
    const [error, req] = await refused(() => callEncrypt(openApiClient(WRONG_SECRET), { query: { KeyId: HOSTILE, Plaintext: 'aGk=' } }))
    expect(req.scheme).toBe('ACS3')
    expect(req.outcome).toBe('mismatch')
    expect(error).toMatchObject({ code: 'SignatureDoesNotMatch' })
  })

  it('is refused when an ACS3 form body is signed with the wrong secret', async () => {
    const [error, req] = await refused(() => callEncrypt(openApiClient(WRONG_SECRET), { query: { KeyId: 'k' }, body: { Note: HOSTILE } }))
    expect(req.outcome).toBe('mismatch')
    expect(error).toMatchObject({ code: 'SignatureDoesNotMatch' })
  })

  it('is refused with SignatureDoesNotMatch when v2 is signed with the wrong secret', async () => {
    const [error, req] = await refused(() => callEncrypt(openApiClient(WRONG_SECRET, 'v2'), { query: { KeyId: HOSTILE } }))
    expect(req.scheme).toBe('V1')
    expect(req.outcome).toBe('mismatch')
    expect(error).toMatchObject({ code: 'SignatureDoesNotMatch' })
  })
})

describe('@alicloud/pop-core 1.8.0 RPCClient (V1)', () => {
  const params = { KeyId: HOSTILE, Plaintext: 'aGk=', EncryptionContext: CONTEXT_JSON }

  it('signs a GET with every parameter in the query that verifies', async () => {
    const req = await captured(() => popClient(SECRET).request('Encrypt', params))
    expect(req.outcome).toBe('accepted')
    expect(req.scheme).toBe('V1')
    expect(req.input?.method).toBe('GET')
    expect(req.input?.form).toEqual([])
    expect(req.params.get('KeyId')).toBe(HOSTILE)
  })

  it('signs a POST with all parameters, Signature too, in a form body that verifies', async () => {
    const req = await captured(() => popClient(SECRET).request('Encrypt', params, { method: 'POST' }))
    expect(req.outcome).toBe('accepted')
    expect(req.scheme).toBe('V1')
    expect(req.input?.method).toBe('POST')
    expect(req.input?.query).toEqual([])
    expect(req.input?.form.map(([k]) => k)).toContain('Signature')
    expect(req.params.get('KeyId')).toBe(HOSTILE)
  })

  for (const method of ['GET', 'POST'] as const) {
    it(`is refused with SignatureDoesNotMatch when a ${method} uses the wrong secret`, async () => {
      const [error, req] = await refused(() => popClient(WRONG_SECRET).request('Encrypt', params, { method }))
      expect(req.scheme).toBe('V1')
      expect(req.outcome).toBe('mismatch')
      expect(error).toMatchObject({ code: 'SignatureDoesNotMatch' })
    })
  }
})
