/**
 * HsmBridgeClient without a bridge: an in-memory `fetch` checks the request signature and
 * answers signed (or deliberately unsigned) responses, so the error mapping, the deadline and the
 * response checks can be asserted exactly. The end-to-end suites against a real bridge and
 * SoftHSM are in hsm-bridge/test/.
 */

import { createHash, createHmac } from 'node:crypto'

import { describe, expect, it } from 'vitest'

import { KmsError } from '../errors'
import { HsmBridgeClient, HSM_UNAVAILABLE_MESSAGE } from './client'

const SECRET = 'k'.repeat(32)
const BASE = 'http://bridge.test:8790'

const hex = (b: Uint8Array | string, key?: string): string =>
  key === undefined ? createHash('sha256').update(b).digest('hex') : createHmac('sha256', key).update(b).digest('hex')

interface Seen {
  path: string
  body: string
  headers: Headers
}

/** A fake bridge: verifies the request signature, answers `status`/`payload`, signed. */
function fakeBridge(answer: (req: Seen) => { status: number; payload: unknown; sign?: boolean }, seen: Seen[] = []): typeof fetch {
  return (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = new URL(String(input))
    const headers = new Headers(init?.headers)
    const body = new TextDecoder().decode(init?.body as Uint8Array)
    const date = headers.get('x-bridge-date')!
    const nonce = headers.get('x-bridge-nonce')!
    const expected = hex(`POST\n${url.pathname}\n${date}\n${nonce}\n${hex(body)}`, SECRET)
    expect(headers.get('x-bridge-signature')).toBe(expected)
    expect(nonce).toMatch(/^[0-9a-f]{32}$/)
    expect(Math.abs(Number(date) - Date.now())).toBeLessThan(5000)
    const req = { path: url.pathname, body, headers }
    seen.push(req)
    const { status, payload, sign = true } = answer(req)
    const text = JSON.stringify(payload)
    const out = new Headers({ 'content-type': 'application/json' })
    if (sign) {
      const signature = hex(`response\n${status}\n${nonce}\n${hex(text)}`, SECRET)
      out.set('x-bridge-response-signature', signature)
    }
    return new Response(text, { status, headers: out })
  }) as typeof fetch
}

const bytes = (n: number): Uint8Array => new Uint8Array(n)

const bridgeError = (status: number, code: string) => () => ({
  status,
  payload: { error: { code, message: `bridge says CKR_SOMETHING for ${code}` } },
})

async function failure(p: Promise<unknown>): Promise<KmsError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(KmsError)
  return err as KmsError
}

describe('HsmBridgeClient', () => {
  it('signs requests and decodes a successful encrypt', async () => {
    const seen: Seen[] = []
    const client = new HsmBridgeClient({
      baseUrl: BASE,
      secret: SECRET,
      fetch: fakeBridge(
        () => ({
          status: 200,
          payload: { iv: 'AAAAAAAAAAAAAAAA', ciphertext: Buffer.alloc(19).toString('base64') },
        }),
        seen,
      ),
    })
    const out = await client.encrypt('k1', new Uint8Array([1, 2, 3]), new Uint8Array([9]))
    expect(out.iv).toHaveLength(12)
    expect(out.ciphertext).toHaveLength(19)
    expect(seen[0]!.path).toBe('/v1/keys/encrypt')
    expect(JSON.parse(seen[0]!.body)).toEqual({ id: 'k1', plaintext: 'AQID', aad: 'CQ==' })
  })

  it.each([
    ['Unavailable', 503, 'hsm.unavailable'],
    ['Timeout', 504, 'hsm.unavailable'],
    ['InvalidCiphertext', 400, 'crypto.invalidCiphertext'],
    ['KeyNotFound', 404, 'key.notFound'],
    ['ValidationError', 400, 'validation.invalidParameter'],
    ['UnsupportedOperation', 400, 'validation.invalidParameter'],
    ['KeyExists', 409, 'internal'],
    ['Unauthorized', 401, 'internal'],
    ['PayloadTooLarge', 413, 'internal'],
    ['Internal', 500, 'internal'],
    ['SomethingNew', 418, 'internal'],
  ])('maps bridge %s (%i) to %s, without bridge text in the message', async (code, status, expected) => {
    const fetch = fakeBridge(bridgeError(status, code))
    const client = new HsmBridgeClient({ baseUrl: BASE, secret: SECRET, fetch })
    const err = await failure(client.decrypt('k1', bytes(12), bytes(17), bytes(0)))
    expect(err.code).toBe(expected)
    expect(err.message).not.toContain('CKR')
    expect(err.message).not.toContain('bridge says')
    if (expected === 'hsm.unavailable') expect(err.message).toBe(HSM_UNAVAILABLE_MESSAGE)
  })

  it('maps network errors to hsm.unavailable', async () => {
    const client = new HsmBridgeClient({
      baseUrl: BASE,
      secret: SECRET,
      fetch: (() => Promise.reject(new TypeError('fetch failed: ECONNREFUSED'))) as typeof fetch,
    })
    const err = await failure(client.listKeys())
    expect(err.code).toBe('hsm.unavailable')
    expect(err.message).toBe(HSM_UNAVAILABLE_MESSAGE)
  })

  it('aborts at its deadline and reports hsm.unavailable', async () => {
    const hanging = ((_: Parameters<typeof fetch>[0], init?: RequestInit) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => {
          reject(new DOMException('aborted', 'AbortError'))
        })
      })) as typeof fetch
    const client = new HsmBridgeClient({
      baseUrl: BASE,
      secret: SECRET,
      timeoutMs: 100,
      fetch: hanging,
    })
    const t0 = Date.now()
    const err = await failure(client.sign('k1', 'ECDSA_SHA_256', new Uint8Array(32)))
    expect(err.code).toBe('hsm.unavailable')
    expect(Date.now() - t0).toBeLessThan(1000)
  })

  it('refuses unsigned and mis-signed answers', async () => {
    const unsigned = (status: number, payload: unknown) => () => ({ status, payload, sign: false })
    const client = (fetch: typeof globalThis.fetch): HsmBridgeClient => new HsmBridgeClient({ baseUrl: BASE, secret: SECRET, fetch })
    const ok = client(fakeBridge(unsigned(200, { valid: true })))
    const verified = ok.verify('k', 'ECDSA_SHA_256', bytes(32), bytes(8))
    expect((await failure(verified)).code).toBe('internal')
    const busy = client(fakeBridge(unsigned(502, {})))
    expect((await failure(busy.listKeys())).code).toBe('hsm.unavailable')
    const notFound = new HsmBridgeClient({
      baseUrl: BASE,
      secret: SECRET,
      fetch: fakeBridge(unsigned(404, { error: { code: 'KeyNotFound', message: '' } })),
    })
    expect((await failure(notFound.getPublicKey('k'))).code).toBe('internal')
    // Signed with another secret.
    const other = new HsmBridgeClient({
      baseUrl: BASE,
      secret: SECRET,
      fetch: (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
        const bridge = fakeBridge(() => ({ status: 200, payload: { destroyed: true } }))
        const res = await bridge(input, init)
        const headers = new Headers(res.headers)
        headers.set('x-bridge-response-signature', hex('x', 'another secret'))
        return new Response(await res.text(), { status: 200, headers })
      }) as typeof fetch,
    })
    expect((await failure(other.destroyKey('k'))).code).toBe('internal')
  })

  it('treats malformed success bodies as internal', async () => {
    for (const payload of [{}, { plaintext: 'not base64!' }, { plaintext: 'AAAA' }]) {
      const fetch = fakeBridge(() => ({ status: 200, payload }))
      const client = new HsmBridgeClient({ baseUrl: BASE, secret: SECRET, fetch })
      const err = await failure(client.decrypt('k', bytes(12), bytes(20), bytes(0)))
      expect(err.code).toBe('internal')
    }
  })

  it('reports health without throwing', async () => {
    const up = new HsmBridgeClient({
      baseUrl: BASE,
      secret: SECRET,
      fetch: (async () => new Response('{"status":"ok","token":"edge-kms"}', { status: 200 })) as typeof fetch,
    })
    expect(await up.health()).toEqual({ status: 'ok', token: 'edge-kms' })
    const down = new HsmBridgeClient({
      baseUrl: BASE,
      secret: SECRET,
      fetch: (() => Promise.reject(new TypeError('fetch failed'))) as typeof fetch,
    })
    expect(await down.health()).toEqual({ status: 'unavailable' })
  })

  it('rejects short secrets and non-origin base URLs', () => {
    expect(() => new HsmBridgeClient({ baseUrl: BASE, secret: 'short' })).toThrow(TypeError)
    const prefixed = `${BASE}/prefix`
    expect(() => new HsmBridgeClient({ baseUrl: prefixed, secret: SECRET })).toThrow(TypeError)
    expect(() => new HsmBridgeClient({ baseUrl: 'ftp://x', secret: SECRET })).toThrow(TypeError)
  })
})
