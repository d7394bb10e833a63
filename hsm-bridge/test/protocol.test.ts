/**
 * The HTTP protocol of a real bridge process on a SoftHSM token: request authentication (missing,
 * stale, replayed, mis-signed → 401 and the operation never ran), body limits (413 before
 * reading it all), routing (404), response signing, and how HsmBridgeClient treats answers that
 * are not signed by the bridge.
 */

import { randomBytes } from 'node:crypto'
import { request } from 'node:http'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { HsmBridgeClient, HSM_UNAVAILABLE_MESSAGE } from '../../core/hsm-client/client'
import { KmsError } from '../../core/errors'
import { signResponse } from '../src/auth'
import {
  bridgeEnv,
  makeToken,
  newSecret,
  NO_SOFTHSM,
  send,
  signedRequest,
  spawnBridge,
  type RunningBridge,
  type SignedRequestOptions,
  type TokenFixture,
} from './helpers'

const UNAUTHORIZED = { error: { code: 'Unauthorized', message: 'Request authentication failed.' } }

describe.skipIf(NO_SOFTHSM)('hsm-bridge protocol', () => {
  let token: TokenFixture
  let bridge: RunningBridge
  let secret: string
  let client: HsmBridgeClient
  /** No later than the bridge process's start (its nonce store's epoch). */
  let spawnedAt = 0
  const run = randomBytes(4).toString('hex')
  let n = 0
  /** A generate request for a fresh id: if it ever ran, the id shows up in list. */
  const probe = (): { id: string; body: string } => {
    const id = `probe-${run}-${++n}`
    return { id, body: JSON.stringify({ id, spec: 'AES_256' }) }
  }
  const ran = async (id: string): Promise<boolean> => (await client.listKeys()).includes(id)

  beforeAll(async () => {
    token = await makeToken()
    secret = newSecret()
    spawnedAt = Date.now()
    bridge = await spawnBridge(bridgeEnv(token.setup, secret))
    client = new HsmBridgeClient({ baseUrl: bridge.url, secret })
  })

  afterAll(async () => {
    await bridge?.stop()
    await token?.cleanup()
  })

  describe('authentication', () => {
    it('lets GET /v1/health through without authentication', async () => {
      const res = await fetch(`${bridge.url}/v1/health`)
      expect(res.status).toBe(200)
      // The status only: the token label, slot and library stay unnamed to unauthenticated callers.
      const text = await res.text()
      expect(JSON.parse(text)).toEqual({ status: 'ok' })
      expect(text).not.toContain('edge-kms')
    })

    it('accepts a correctly signed request and signs the response', async () => {
      const { id, body } = probe()
      const req = signedRequest(bridge.url, { path: '/v1/keys/generate', body, secret })
      const res = await send(req)
      expect(res.status).toBe(200)
      expect(res.headers.get('x-bridge-response-signature')).toBe(signResponse(secret, 200, req.nonce, Buffer.from(res.text)))
      expect(await ran(id)).toBe(true)
    })

    it.each([
      ['no signature header', { omit: ['x-bridge-signature'] }],
      ['no date header', { omit: ['x-bridge-date'] }],
      ['no nonce header', { omit: ['x-bridge-nonce'] }],
      // Offsets, not dates: the table is built when the file is collected, which can be seconds
      // before the test runs on a loaded machine.
      ['a date 61 s in the past', { dateOffset: -61_000 }],
      ['a date 61 s in the future', { dateOffset: 61_000 }],
      ['a date one day old', { dateOffset: -86_400_000 }],
      ['a nonce of 15 bytes', { nonce: randomBytes(15).toString('hex') }],
      // A leading letter: 32 random hex digits are all decimal (the same nonce in upper case) 1 in 3.4 million times.
      ['an upper-case nonce', { nonce: `A${randomBytes(16).toString('hex').slice(1).toUpperCase()}` }],
      ['a signature with one flipped hex digit', { signature: 'flip' }],
      ['a signature made with another secret', { secret: newSecret() }],
      ['a non-hex signature', { signature: 'z'.repeat(64) }],
    ])('rejects %s with 401 and does not run the operation', async (_label, knobs) => {
      const { dateOffset, ...rest } = knobs as Partial<SignedRequestOptions> & { dateOffset?: number }
      const o: Partial<SignedRequestOptions> = dateOffset === undefined ? rest : { ...rest, date: Date.now() + dateOffset }
      const { id, body } = probe()
      const path = '/v1/keys/generate'
      let req = signedRequest(bridge.url, { path, body, secret, ...o, signature: undefined })
      if (o.signature === 'flip') {
        const sig = (req.init.headers as Record<string, string>)['x-bridge-signature']!
        const flipped = sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0')
        const nonce = req.nonce
        req = signedRequest(bridge.url, { path, body, secret, nonce, signature: flipped })
      } else if (typeof o.signature === 'string') {
        req = signedRequest(bridge.url, { path, body, secret, signature: o.signature })
      }
      const res = await send(req)
      expect(res.status).toBe(401)
      expect(res.json).toEqual(UNAUTHORIZED)
      expect(res.headers.get('x-bridge-response-signature')).toBeNull()
      expect(await ran(id)).toBe(false)
    })

    it('accepts dates just inside the ±60 s window (but none dated before the bridge started)', async () => {
      for (const skew of [-58_000, 58_000]) {
        const date = Date.now() + skew
        const res = await send(signedRequest(bridge.url, { path: '/v1/keys/list', secret, date }))
        // A date before the process started may have been used with its predecessor: refused,
        // retryably (units.test.ts covers the window's lower edge with an older epoch).
        expect(res.status).toBe(date < spawnedAt ? 503 : 200)
      }
    })

    it('rejects a signature over another body, path or method', async () => {
      const { id, body } = probe()
      const base = signedRequest(bridge.url, { path: '/v1/keys/generate', body, secret })
      const altered = body.replace('AES_256', 'EC_P256')
      const otherBody = await fetch(base.url, { ...base.init, body: altered })
      expect(otherBody.status).toBe(401)
      const forList = signedRequest(bridge.url, { path: '/v1/keys/list', secret })
      const otherPath = await fetch(`${bridge.url}/v1/keys/destroy`, forList.init)
      expect(otherPath.status).toBe(401)
      const asGet = signedRequest(bridge.url, { path: '/v1/keys/list', secret, method: 'GET' })
      const otherMethod = await fetch(asGet.url, { ...asGet.init, method: 'POST', body: '{}' })
      expect(otherMethod.status).toBe(401)
      expect(await ran(id)).toBe(false)
    })

    it('accepts a request once: replays, sequential or 20 concurrent copies, get 401', async () => {
      const { id, body } = probe()
      const req = signedRequest(bridge.url, { path: '/v1/keys/generate', body, secret })
      expect((await send(req)).status).toBe(200)
      expect((await send(req)).status).toBe(401)
      expect(await client.destroyKey(id)).toBe(true)

      const body2 = JSON.stringify({ id: 'x' })
      const req2 = signedRequest(bridge.url, { path: '/v1/keys/destroy', secret, body: body2 })
      const statuses = await Promise.all(Array.from({ length: 20 }, () => send(req2).then((r) => r.status)))
      expect(statuses.filter((s) => s === 200)).toHaveLength(1)
      expect(statuses.filter((s) => s === 401)).toHaveLength(19)
      expect(await ran(id)).toBe(false)
    })
  })

  describe('limits and routing', () => {
    it('answers 413 from Content-Length before reading the body, and never runs the operation', async () => {
      const { id } = probe()
      const body = JSON.stringify({ id, spec: 'AES_256', pad: 'x'.repeat(256 * 1024) })
      const res = await send(signedRequest(bridge.url, { path: '/v1/keys/generate', body, secret }))
      expect(res.status).toBe(413)
      expect(res.json.error?.code).toBe('PayloadTooLarge')
      expect(await ran(id)).toBe(false)
    })

    it('answers 413 to a chunked body once it passes 256 KiB', async () => {
      const url = new URL(`${bridge.url}/v1/keys/list`)
      const options = {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'transfer-encoding': 'chunked' },
      }
      type Answer = { status: number; body: string }
      const { status, body } = await new Promise<Answer>((resolve, reject) => {
        const req = request(options, (res) => {
          let text = ''
          res.on('data', (d: Buffer) => (text += d.toString()))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
        })
        req.on('error', reject)
        // 300 KiB in 16 KiB chunks; the server answers as soon as the limit is crossed.
        const chunk = Buffer.alloc(16 * 1024, 0x20)
        let sent = 0
        const pump = (): void => {
          while (sent < 300 * 1024) {
            sent += chunk.length
            if (!req.write(chunk)) {
              req.once('drain', pump)
              return
            }
          }
          req.end()
        }
        pump()
      })
      expect(status).toBe(413)
      expect(JSON.parse(body).error.code).toBe('PayloadTooLarge')
    })

    it('does not answer 413 to a body of exactly 256 KiB', async () => {
      const prefix = '{"pad":"'
      const body = prefix + 'x'.repeat(256 * 1024 - prefix.length - 2) + '"}'
      expect(Buffer.byteLength(body)).toBe(256 * 1024)
      const res = await send(signedRequest(bridge.url, { path: '/v1/keys/list', body, secret }))
      expect(res.status).toBe(400)
      expect(res.json.error?.code).toBe('ValidationError')
    })

    it('answers 404 to unknown routes and wrong methods once authenticated, 401 before', async () => {
      const unknown = await send(signedRequest(bridge.url, { path: '/v1/keys/export', secret }))
      expect(unknown.status).toBe(404)
      expect(unknown.json.error?.code).toBe('NotFound')
      const asGet = signedRequest(bridge.url, { path: '/v1/keys/list', secret, method: 'GET' })
      const wrongMethod = await send(asGet)
      expect(wrongMethod.status).toBe(404)
      expect((await fetch(`${bridge.url}/v1/keys/export`, { method: 'POST' })).status).toBe(401)
    })

    it('answers 400 ValidationError to malformed JSON, non-objects and unknown fields', async () => {
      const extraField = JSON.stringify({ id: 'a', spec: 'AES_256', extra: 1 })
      for (const body of ['{', '[]', '"x"', 'null', extraField]) {
        const path = '/v1/keys/generate'
        const res = await send(signedRequest(bridge.url, { path, body, secret }))
        expect(res.status).toBe(400)
        expect(res.json.error?.code).toBe('ValidationError')
      }
      for (const plaintext of ['aGk', 'aGk=\n', 'a-_=', 'aGl=']) {
        const body = JSON.stringify({ id: 'a', plaintext, aad: '' })
        const path = '/v1/keys/encrypt'
        const res = await send(signedRequest(bridge.url, { path, body, secret }))
        expect(res.status).toBe(400)
        expect(res.json.error?.code).toBe('ValidationError')
      }
    })
  })

  describe('HsmBridgeClient response checks', () => {
    const tamper = (mutate: (res: Response, body: string) => Response) =>
      (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
        const res = await fetch(input, init)
        return mutate(res, await res.text())
      }) as typeof fetch

    it('rejects a response whose body was altered in transit (internal, never the altered data)', async () => {
      await client.generateKey(`t-${run}`, 'AES_256')
      const none = new Uint8Array(0)
      const { iv, ciphertext } = await client.encrypt(`t-${run}`, Buffer.from('secret'), none)
      const forging = new HsmBridgeClient({
        baseUrl: bridge.url,
        secret,
        fetch: tamper((res, body) => {
          const fake = Buffer.from('forged').toString('base64')
          const forged = body.replace(/"plaintext":"[^"]*"/, `"plaintext":"${fake}"`)
          return new Response(forged, { status: res.status, headers: res.headers })
        }),
      })
      const err = await forging.decrypt(`t-${run}`, iv, ciphertext, none).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(KmsError)
      expect((err as KmsError).code).toBe('internal')
    })

    it('treats unsigned 503s as unavailable and unsigned 200s as internal', async () => {
      const unsigned503 = new HsmBridgeClient({
        baseUrl: bridge.url,
        secret,
        fetch: tamper(() => new Response('{"error":{"code":"Unavailable","message":"x"}}', { status: 503 })),
      })
      const e1 = (await unsigned503.listKeys().catch((e: unknown) => e)) as KmsError
      expect(e1.code).toBe('hsm.unavailable')
      expect(e1.message).toBe(HSM_UNAVAILABLE_MESSAGE)
      const unsigned200 = new HsmBridgeClient({
        baseUrl: bridge.url,
        secret,
        fetch: tamper(() => new Response('{"ids":["x"]}', { status: 200 })),
      })
      const e2 = (await unsigned200.listKeys().catch((e: unknown) => e)) as KmsError
      expect(e2.code).toBe('internal')
    })

    it('maps a wrong client secret to internal (the bridge answers an unsigned 401)', async () => {
      const wrong = new HsmBridgeClient({ baseUrl: bridge.url, secret: newSecret() })
      expect(((await wrong.listKeys().catch((e: unknown) => e)) as KmsError).code).toBe('internal')
    })
  })
})
