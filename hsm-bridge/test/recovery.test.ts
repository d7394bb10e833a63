/**
 * Session eviction and library re-initialisation (security-checklist row 17), in-process on a
 * real SoftHSM token. The real pkcs11js module is wrapped so that a test can make calls fail
 * with a chosen CKR code (once, or for every call while "down") or be delayed; everything else
 * reaches SoftHSM unchanged. SoftHSM in-process cannot really lose its device, so this is how
 * the CKR_DEVICE_ERROR → C_Finalize → C_Initialize path is exercised.
 */

import { randomBytes } from 'node:crypto'

import pkcs11js from 'pkcs11js'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import { HsmBridgeClient } from '../../core/hsm-client/client'
import { KmsError } from '../../core/errors'
import { createBridge, type Bridge } from '../src/bridge'
import { loadConfig } from '../src/config'
import { createLogger } from '../src/log'
import type { Pkcs11Api } from '../src/pkcs11/module'
import { makeToken, newSecret, NO_SOFTHSM, send, signedRequest, sleep, type TokenFixture } from './helpers'

const P = pkcs11js

/** Fault switchboard over a real PKCS11 instance. */
class FaultyPkcs11 {
  readonly real = new P.PKCS11()
  /** While set, every call fails with this code (the HSM is "down"). */
  down: number | undefined
  /** Next call of the named function fails once with the code. */
  readonly once = new Map<string, number>()
  /** Decides per call; returns a code to fail with. */
  hook: ((fn: string) => number | undefined) | undefined
  /** Calls of the named function are delayed (async functions only). */
  readonly delay = new Map<string, number>()
  readonly calls = new Map<string, number>()

  readonly api: Pkcs11Api = new Proxy(this.real, {
    get: (target, prop, receiver) => {
      const value = Reflect.get(target, prop, receiver) as unknown
      if (typeof value !== 'function') return value
      // Native methods need the real instance as `this`.
      if (typeof prop !== 'string' || !prop.startsWith('C_')) {
        return (value as () => unknown).bind(target)
      }
      return (...args: unknown[]) => {
        this.calls.set(prop, (this.calls.get(prop) ?? 0) + 1)
        const code = this.down ?? this.once.get(prop) ?? this.hook?.(prop)
        if (this.down === undefined) this.once.delete(prop)
        const isAsync = prop.endsWith('Async')
        if (code !== undefined && prop !== 'C_Finalize') {
          const err = new P.Pkcs11Error(`INJECTED:${code}`, code, prop)
          if (isAsync) return Promise.reject(err)
          throw err
        }
        const result = (value as (...a: unknown[]) => unknown).apply(target, args)
        const ms = this.delay.get(prop)
        if (ms !== undefined && isAsync) return sleep(ms).then(() => result)
        return result
      }
    },
  }) as unknown as Pkcs11Api

  count(name: string): number {
    return this.calls.get(name) ?? 0
  }
}

async function errorCode(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
    return undefined
  } catch (err) {
    return err instanceof KmsError ? err.code : `non-KmsError: ${String(err)}`
  }
}

describe.skipIf(NO_SOFTHSM)('hsm-bridge session eviction and re-initialisation', () => {
  let token: TokenFixture
  let faulty: FaultyPkcs11
  let bridge: Bridge
  let baseUrl: string
  let secret: string
  let client: HsmBridgeClient
  const keyId = `rec-${randomBytes(4).toString('hex')}`
  const aad = Buffer.from('aad')

  beforeAll(async () => {
    token = await makeToken()
    process.env.SOFTHSM2_CONF = token.setup.conf
    secret = newSecret()
    faulty = new FaultyPkcs11()
    const config = loadConfig({
      HSM_MODULE: token.setup.modulePath,
      HSM_PIN: token.setup.pin,
      HSM_BRIDGE_SECRET: secret,
      HSM_BRIDGE_PORT: '0',
      HSM_OP_TIMEOUT_MS: '400',
    })
    bridge = createBridge({ config, pkcs11: faulty.api, logger: createLogger('silent') })
    const address = await bridge.start()
    baseUrl = `http://127.0.0.1:${address.port}`
    client = new HsmBridgeClient({ baseUrl, secret })
    await client.generateKey(keyId, 'AES_256')
  })

  afterAll(async () => {
    await bridge?.close()
    await token?.cleanup()
  })

  beforeEach(() => {
    faulty.down = undefined
    faulty.once.clear()
    faulty.delay.clear()
    faulty.hook = undefined
  })

  async function roundTrip(): Promise<void> {
    const plaintext = randomBytes(32)
    const { iv, ciphertext } = await client.encrypt(keyId, plaintext, aad)
    expect(Buffer.from(await client.decrypt(keyId, iv, ciphertext, aad))).toEqual(plaintext)
  }

  it('a device error fails that request with 503 + Retry-After, evicting one session', async () => {
    const recoveries = bridge.pool.status.recoveries
    faulty.once.set('C_EncryptAsync', P.CKR_DEVICE_ERROR)
    const res = await send(
      signedRequest(baseUrl, {
        path: '/v1/keys/encrypt',
        secret,
        body: JSON.stringify({ id: keyId, plaintext: 'aGk=', aad: '' }),
      }),
    )
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('1')
    expect(res.json.error).toEqual({
      code: 'Unavailable',
      message: 'The HSM is temporarily unavailable.',
    })
    await roundTrip()
    expect(bridge.pool.status.recoveries).toBe(recoveries)
    expect(bridge.pool.status.idle).toBe(4)
  })

  it.each([
    ['CKR_SESSION_HANDLE_INVALID', P.CKR_SESSION_HANDLE_INVALID, 'C_SignAsync'],
    ['CKR_SESSION_CLOSED', P.CKR_SESSION_CLOSED, 'C_EncryptInit'],
    ['CKR_DEVICE_REMOVED', P.CKR_DEVICE_REMOVED, 'C_FindObjectsInit'],
    ['CKR_OPERATION_ACTIVE', P.CKR_OPERATION_ACTIVE, 'C_EncryptInit'],
  ])('%s fails the request as hsm.unavailable and the next request works', async (_n, code, fn) => {
    faulty.once.set(fn, code)
    const op =
      fn === 'C_SignAsync'
        ? (async () => {
            await client.generateKey(`${keyId}-ec`, 'EC_P256')
            faulty.once.set(fn, code)
            await client.sign(`${keyId}-ec`, 'ECDSA_SHA_256', new Uint8Array(32))
          })()
        : client.encrypt(keyId, Buffer.from('x'), aad)
    expect(await errorCode(op)).toBe('hsm.unavailable')
    await roundTrip()
  })

  it('CKR_GENERAL_ERROR in decrypt: InvalidCiphertext if the session is healthy, else unavailable', async () => {
    const { iv, ciphertext } = await client.encrypt(keyId, Buffer.from('hello'), aad)
    faulty.once.set('C_DecryptAsync', P.CKR_GENERAL_ERROR)
    const first = await errorCode(client.decrypt(keyId, iv, ciphertext, aad))
    expect(first).toBe('crypto.invalidCiphertext')
    // Now the session is broken too: the C_GetSessionInfo after the failed decrypt fails.
    let armed = false
    faulty.hook = (fn) => {
      if (fn === 'C_DecryptAsync') {
        armed = true
        return P.CKR_GENERAL_ERROR
      }
      if (armed && fn === 'C_GetSessionInfo') {
        armed = false
        return P.CKR_DEVICE_ERROR
      }
      return undefined
    }
    expect(await errorCode(client.decrypt(keyId, iv, ciphertext, aad))).toBe('hsm.unavailable')
    faulty.hook = undefined
    await roundTrip()
  })

  it('an operation past HSM_OP_TIMEOUT_MS answers 504; its session returns with the call', async () => {
    faulty.delay.set('C_EncryptAsync', 1200)
    const t0 = Date.now()
    const res = await send(
      signedRequest(baseUrl, {
        path: '/v1/keys/encrypt',
        secret,
        body: JSON.stringify({ id: keyId, plaintext: 'aGk=', aad: '' }),
      }),
    )
    expect(res.status).toBe(504)
    expect(res.json.error?.code).toBe('Timeout')
    expect(Date.now() - t0).toBeLessThan(1000)
    faulty.delay.clear()
    expect(bridge.pool.status.lent).toBe(1)
    await roundTrip()
    await sleep(1000)
    expect(bridge.pool.status.lent).toBe(0)
    expect(bridge.pool.status.idle).toBe(4)
  })

  it('a library finalized underneath (real CKR_CRYPTOKI_NOT_INITIALIZED) costs one 503 and one re-init', async () => {
    const recoveries = bridge.pool.status.recoveries
    faulty.real.C_Finalize()
    expect(await errorCode(client.encrypt(keyId, Buffer.from('x'), aad))).toBe('hsm.unavailable')
    const t0 = Date.now()
    while ((await errorCode(roundTrip())) !== undefined && Date.now() - t0 < 3000) await sleep(20)
    expect(Date.now() - t0).toBeLessThan(3000)
    expect(bridge.pool.status.recoveries).toBe(recoveries + 1)
    await roundTrip()
  })

  it('an HSM outage fails fast, re-initialises with backoff, and works once the HSM returns', async () => {
    const recoveries = bridge.pool.status.recoveries
    const initsBefore = faulty.count('C_Initialize')
    faulty.down = P.CKR_DEVICE_ERROR

    // Concurrent load while the device dies: only hsm.unavailable, never a wrong plaintext.
    const outcomes = await Promise.all(
      Array.from({ length: 16 }, async () => {
        const plaintext = randomBytes(16)
        const t0 = Date.now()
        try {
          const { iv, ciphertext } = await client.encrypt(keyId, plaintext, aad)
          const back = await client.decrypt(keyId, iv, ciphertext, aad)
          return Buffer.from(back).equals(plaintext) ? 'ok' : 'WRONG'
        } catch (err) {
          expect(Date.now() - t0).toBeLessThan(1000)
          return err instanceof KmsError ? err.code : String(err)
        }
      }),
    )
    expect(outcomes.every((o) => o === 'hsm.unavailable')).toBe(true)
    expect((await client.health()).status).toBe('unavailable')
    expect(bridge.pool.status.state).toBe('recovering')

    await sleep(1500)
    // Backoff 100 ms doubling (+ jitter): a handful of attempts in 1.5 s, not a spin.
    const attempts = faulty.count('C_Initialize') - initsBefore
    expect(attempts).toBeGreaterThanOrEqual(2)
    expect(attempts).toBeLessThanOrEqual(7)
    expect(await errorCode(client.encrypt(keyId, Buffer.from('x'), aad))).toBe('hsm.unavailable')

    faulty.down = undefined
    const back = Date.now()
    let recoveredAfter: number | undefined
    while (Date.now() - back < 5000) {
      if ((await errorCode(roundTrip())) === undefined) {
        recoveredAfter = Date.now() - back
        break
      }
      await sleep(20)
    }
    console.log(`[recovery] HSM back → first success: ${recoveredAfter} ms ` + `(${attempts} re-init attempts during 1.5 s down)`)
    expect(recoveredAfter).toBeLessThan(3000)
    expect(bridge.pool.status.recoveries).toBe(recoveries + 1)
    expect(faulty.count('C_Finalize')).toBeGreaterThanOrEqual(1)
    expect((await client.health()).status).toBe('ok')
    await roundTrip()
  })
})
