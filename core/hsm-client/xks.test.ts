/**
 * The Worker's XKS client (core/hsm-client/xks.ts) against recorded vectors: the request and
 * response payload examples of the XKS proxy API spec (aws/aws-kms-xksproxy-api-spec, Encrypt
 * and Decrypt sections, Appendix C), played by a fake bridge that signs its answers like the
 * real one. Checks what is sent (route, requestMetadata, base64 fields, day signing key — never
 * the secret) and how every outcome maps to a KmsError.
 */
import { createHash, createHmac } from 'node:crypto'

import { describe, expect, it } from 'vitest'

import { KmsError } from '../errors'
import { XksClient, xksSigningKey, type XksEndpoint } from './xks'

const SECRET = 'b'.repeat(64)
const ENDPOINT: XksEndpoint = {
  proxyUrl: 'https://xks.example.com',
  uriPrefix: '/path',
  accessKeyId: 'HGIE2BUAFNDMBCMSQVWLGCEXAMPLE',
  secretAccessKey: 'VU6W2byoiBrhDqNGbx703oL0syCAmhlQgwNUT123456',
  region: 'us-east-2',
}
const MD = {
  awsPrincipalArn: 'arn:aws:iam::123456789012:user/Alice',
  kmsKeyArn: 'arn:aws:kms:us-east-2:123456789012:/key/1234abcd-12ab-34cd-56ef-1234567890ab',
  kmsOperation: 'Encrypt',
  kmsRequestId: '4112f4d6-db54-4af4-ae30-c55a22a8dfae',
}
/** The spec's Encrypt response example (Appendix C's CDIV is over these fields). */
const SPEC_ENCRYPT_RESPONSE = {
  authenticationTag: 'vBxN2ncH1oEkR8WVXpmyYQ==',
  ciphertext: 'ghxkK1txeDNn3q8Y',
  ciphertextDataIntegrityValue: 'qHA/ImC9h5HsLRXqCyPmWgYx7tzyoTplzILbP0fPXsc=',
  ciphertextMetadata: 'a2V5X3ZlcnNpb249MQ==',
  initializationVector: 'HMrlRw85cAJUd5Ax',
}

type Answer = { status?: number; body: unknown; sign?: boolean }

/** A fake bridge: records requests, answers `/v1/xks/call` as told, signed like the bridge. */
function fakeBridge(answer: (request: Record<string, unknown>) => Answer) {
  const seen: Record<string, unknown>[] = []
  const fetchFn = (async (url: string, init: RequestInit) => {
    expect(url).toBe('http://127.0.0.1:8790/v1/xks/call')
    const headers = init.headers as Record<string, string>
    const body = Buffer.from(init.body as Uint8Array)
    const hash = createHash('sha256').update(body).digest('hex')
    const expected = createHmac('sha256', SECRET)
      .update(`POST\n/v1/xks/call\n${headers['x-bridge-date']}\n${headers['x-bridge-nonce']}\n${hash}`)
      .digest('hex')
    expect(headers['x-bridge-signature']).toBe(expected)
    const request = JSON.parse(body.toString()) as Record<string, unknown>
    seen.push(request)
    const a = answer(request)
    const status = a.status ?? 200
    const text = JSON.stringify(a.body)
    const sig = createHmac('sha256', SECRET)
      .update(`response\n${status}\n${headers['x-bridge-nonce']}\n${createHash('sha256').update(text).digest('hex')}`)
      .digest('hex')
    return new Response(text, { status, headers: a.sign === false ? {} : { 'x-bridge-response-signature': sig } })
  }) as unknown as typeof fetch
  return { seen, client: new XksClient({ baseUrl: 'http://127.0.0.1:8790', secret: SECRET, fetch: fetchFn }) }
}

const answered = (status: number, body: unknown): Answer => ({ body: { outcome: 'answered', status, body } })

async function code(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(KmsError)
  return { code: (err as KmsError).code, message: (err as KmsError).message }
}

describe('XksClient (Worker → bridge → XKS proxy)', () => {
  it("sends the spec's Encrypt request and accepts the spec's Encrypt response", async () => {
    const { seen, client } = fakeBridge(() => answered(200, SPEC_ENCRYPT_RESPONSE))
    const aad = Buffer.from('project=nile,department=marketing')
    const out = await client.encrypt(ENDPOINT, 'b42c7fbf-de61-441c-ae24-123456789012', MD, Buffer.from('Hello World!'), aad)
    expect(Buffer.from(out.ciphertext).toString('base64')).toBe(SPEC_ENCRYPT_RESPONSE.ciphertext)
    expect(Buffer.from(out.iv).toString('base64')).toBe(SPEC_ENCRYPT_RESPONSE.initializationVector)
    expect(Buffer.from(out.tag).toString('base64')).toBe(SPEC_ENCRYPT_RESPONSE.authenticationTag)
    expect(Buffer.from(out.metadata).toString()).toBe('key_version=1')
    const r = seen[0]!
    expect(r).toMatchObject({
      proxyUrl: 'https://xks.example.com',
      uriPrefix: '/path',
      accessKeyId: ENDPOINT.accessKeyId,
      region: 'us-east-2',
      operation: 'encrypt',
      externalKeyId: 'b42c7fbf-de61-441c-ae24-123456789012',
      payload: {
        requestMetadata: MD,
        additionalAuthenticatedData: 'cHJvamVjdD1uaWxlLGRlcGFydG1lbnQ9bWFya2V0aW5n',
        plaintext: 'SGVsbG8gV29ybGQh',
        encryptionAlgorithm: 'AES_GCM',
      },
    })
    // The day signing key, never the secret.
    expect(JSON.stringify(r)).not.toContain(ENDPOINT.secretAccessKey)
    expect(r.signingKey).toBe(Buffer.from(xksSigningKey(ENDPOINT.secretAccessKey, r.scopeDate as string, 'us-east-2')).toString('base64'))
  })

  it('derives the SigV4 signing key as AWS documents (kDate → kRegion → kService → aws4_request)', () => {
    const h = (k: Buffer | string, d: string) => createHmac('sha256', k).update(d).digest()
    const expected = h(h(h(h(`AWS4${ENDPOINT.secretAccessKey}`, '20260102'), 'us-east-2'), 'kms-xks-proxy'), 'aws4_request')
    expect(Buffer.from(xksSigningKey(ENDPOINT.secretAccessKey, '20260102', 'us-east-2')).equals(expected)).toBe(true)
  })

  it("sends the spec's Decrypt request fields and returns the plaintext", async () => {
    const { seen, client } = fakeBridge(() => answered(200, { plaintext: 'SGVsbG8gV29ybGQh' }))
    const c = {
      ciphertext: Buffer.from(SPEC_ENCRYPT_RESPONSE.ciphertext, 'base64'),
      iv: Buffer.from(SPEC_ENCRYPT_RESPONSE.initializationVector, 'base64'),
      tag: Buffer.from(SPEC_ENCRYPT_RESPONSE.authenticationTag, 'base64'),
      metadata: Buffer.from(SPEC_ENCRYPT_RESPONSE.ciphertextMetadata, 'base64'),
    }
    const plaintext = await client.decrypt(
      ENDPOINT,
      'k',
      { ...MD, kmsOperation: 'Decrypt' },
      c,
      Buffer.from('project=nile,department=marketing'),
      12,
    )
    expect(Buffer.from(plaintext).toString()).toBe('Hello World!')
    expect(seen[0]!.payload).toEqual({
      requestMetadata: { ...MD, kmsOperation: 'Decrypt' },
      ciphertext: SPEC_ENCRYPT_RESPONSE.ciphertext,
      ciphertextMetadata: SPEC_ENCRYPT_RESPONSE.ciphertextMetadata,
      initializationVector: SPEC_ENCRYPT_RESPONSE.initializationVector,
      authenticationTag: SPEC_ENCRYPT_RESPONSE.authenticationTag,
      encryptionAlgorithm: 'AES_GCM',
      additionalAuthenticatedData: 'cHJvamVjdD1uaWxlLGRlcGFydG1lbnQ9bWFya2V0aW5n',
    })
    // A plaintext of another length than the ciphertext is not a GCM answer.
    const short = fakeBridge(() => answered(200, { plaintext: 'SGVsbG8=' }))
    expect((await code(short.client.decrypt(ENDPOINT, 'k', MD, c, new Uint8Array(0), 12))).code).toBe('hsm.unavailable')
  })

  it('GetKeyMetadata and GetHealthStatus: the spec shapes', async () => {
    const { client } = fakeBridge((r) =>
      r.operation === 'metadata'
        ? answered(200, { keySpec: 'AES_256', keyUsage: ['ENCRYPT', 'DECRYPT'], keyStatus: 'ENABLED' })
        : answered(200, {
            xksProxyFleetSize: 2,
            xksProxyVendor: 'v',
            xksProxyModel: 'm',
            ekmVendor: 'e',
            ekmFleetDetails: [{ id: 'h1', model: 'x', healthStatus: 'ACTIVE' }],
          }),
    )
    expect(await client.metadata(ENDPOINT, 'k', { ...MD, kmsOperation: 'CreateKey' })).toEqual({
      keySpec: 'AES_256',
      keyUsage: ['ENCRYPT', 'DECRYPT'],
      keyStatus: 'ENABLED',
    })
    expect(await client.health(ENDPOINT, { kmsOperation: 'KmsHealthCheck', kmsRequestId: 'r' })).toEqual({ healthy: true })
    const degraded = fakeBridge(() => answered(200, { ekmFleetDetails: [{ healthStatus: 'UNAVAILABLE' }] }))
    expect(await degraded.client.health(ENDPOINT, { kmsOperation: 'KmsHealthCheck', kmsRequestId: 'r' })).toEqual({ healthy: false })
  })

  it('maps every outcome to one documented KmsError (unavailability is never a bad ciphertext)', async () => {
    const cases: [Answer, string, RegExp?][] = [
      [{ body: { outcome: 'unreachable' } }, 'hsm.unavailable'],
      [{ body: { outcome: 'timeout' } }, 'hsm.unavailable'],
      [{ body: { outcome: 'badResponse' } }, 'hsm.unavailable'],
      [answered(503, { errorName: 'DependencyTimeoutException' }), 'hsm.unavailable'],
      [answered(500, { errorName: 'InternalException' }), 'hsm.unavailable'],
      [answered(429, { errorName: 'ThrottlingException' }), 'hsm.unavailable'],
      [answered(401, { errorName: 'AuthenticationFailedException' }), 'key.invalidState', /credential/],
      [answered(404, { errorName: 'KeyNotFoundException' }), 'key.invalidState', /not found/],
      [answered(400, { errorName: 'InvalidStateException' }), 'key.invalidState', /disabled/],
      [answered(400, { errorName: 'InvalidCiphertextException' }), 'crypto.invalidCiphertext'],
      [answered(400, { errorName: 'ValidationException' }), 'internal'],
      [answered(404, { errorName: 'InvalidUriPathException' }), 'internal'],
      [{ status: 503, body: { error: { code: 'Unavailable' } } }, 'hsm.unavailable'],
      [{ status: 401, body: { error: { code: 'Unauthorized' } }, sign: false }, 'internal'],
      [{ status: 503, body: {}, sign: false }, 'hsm.unavailable'],
    ]
    for (const [answer, expected, message] of cases) {
      const { client } = fakeBridge(() => answer)
      const got = await code(client.encrypt(ENDPOINT, 'k', MD, Buffer.from('Hello World!'), new Uint8Array(0)))
      expect(got.code, JSON.stringify(answer)).toBe(expected)
      if (message) expect(got.message).toMatch(message)
    }
    // An Encrypt answer that is not AES-GCM-shaped is never stored as a ciphertext.
    for (const bad of [
      { ...SPEC_ENCRYPT_RESPONSE, initializationVector: 'AAAA' },
      { ...SPEC_ENCRYPT_RESPONSE, authenticationTag: 'AAAA' },
      { ...SPEC_ENCRYPT_RESPONSE, ciphertext: 'AAAA' },
    ]) {
      const { client } = fakeBridge(() => answered(200, bad))
      expect((await code(client.encrypt(ENDPOINT, 'k', MD, Buffer.from('Hello World!'), new Uint8Array(0)))).code).toBe('hsm.unavailable')
    }
    // A bridge that cannot be reached at all.
    const down = new XksClient({ baseUrl: 'http://127.0.0.1:9', secret: SECRET, deadlineMs: 200 })
    expect((await code(down.metadata(ENDPOINT, 'k', MD))).code).toBe('hsm.unavailable')
  })
})
