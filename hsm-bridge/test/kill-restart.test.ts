/**
 * Fault injection after security-checklist §4.4 recipe 1: `kill -9` of the bridge process at a
 * random moment under 16-way concurrent encrypt/decrypt load, a random pause, then a restart on
 * the same port; three times. Oracle: every answer is either the right plaintext or
 * `hsm.unavailable` (never a wrong plaintext, never another error), no call outlives the client
 * deadline, and the first success after each restart comes within 3 s. Ciphertexts made before
 * the crashes still decrypt afterwards.
 */

import { randomBytes } from 'node:crypto'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { HsmBridgeClient } from '../../core/hsm-client/client'
import { KmsError } from '../../core/errors'
import { bridgeEnv, makeToken, newSecret, NO_SOFTHSM, sleep, spawnBridge, type RunningBridge, type TokenFixture } from './helpers'

const WORKERS = 16
const CYCLES = 3
const CLIENT_TIMEOUT_MS = 2000

describe.skipIf(NO_SOFTHSM)('hsm-bridge kill -9 under load', () => {
  let token: TokenFixture
  let secret: string
  let bridge: RunningBridge | undefined

  beforeAll(async () => {
    token = await makeToken()
    secret = newSecret()
  })

  afterAll(async () => {
    await bridge?.stop()
    await token?.cleanup()
  })

  it('answers right plaintexts or hsm.unavailable only, and recovers < 3 s after restart', async () => {
    const env = bridgeEnv(token.setup, secret)
    bridge = await spawnBridge(env)
    const port = bridge.port
    const client = new HsmBridgeClient({
      baseUrl: bridge.url,
      secret,
      timeoutMs: CLIENT_TIMEOUT_MS,
    })
    const keyId = `kill-${randomBytes(4).toString('hex')}`
    await client.generateKey(keyId, 'AES_256')

    const before = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const plaintext = randomBytes(48)
        const aad = randomBytes(8)
        return { plaintext, aad, ...(await client.encrypt(keyId, plaintext, aad)) }
      }),
    )

    const stats = { ok: 0, unavailable: 0, wrong: 0, other: [] as string[], slowest: 0 }
    let restartedAt = Number.POSITIVE_INFINITY
    let firstSuccess: number | undefined
    let stop = false

    const timed = async <T>(fn: () => Promise<T>): Promise<T> => {
      const t0 = Date.now()
      try {
        return await fn()
      } finally {
        stats.slowest = Math.max(stats.slowest, Date.now() - t0)
      }
    }
    const worker = async (): Promise<void> => {
      while (!stop) {
        const plaintext = randomBytes(1 + Math.floor(Math.random() * 256))
        const aad = randomBytes(12)
        const startedAt = Date.now()
        try {
          const { iv, ciphertext } = await timed(() => client.encrypt(keyId, plaintext, aad))
          const back = await timed(() => client.decrypt(keyId, iv, ciphertext, aad))
          if (Buffer.compare(Buffer.from(back), plaintext) !== 0) {
            stats.wrong++
          } else {
            stats.ok++
            if (startedAt >= restartedAt && firstSuccess === undefined) firstSuccess = Date.now()
          }
        } catch (err) {
          if (err instanceof KmsError && err.code === 'hsm.unavailable') {
            stats.unavailable++
            // What a caller does with Retry-After: back off a little instead of spinning.
            await sleep(50)
          } else {
            stats.other.push(err instanceof KmsError ? err.code : String(err))
          }
        }
      }
    }

    const load = Promise.all(Array.from({ length: WORKERS }, worker))
    const recoveries: number[] = []
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      await sleep(300 + Math.random() * 700)
      const okBeforeKill = stats.ok
      bridge.proc.kill('SIGKILL')
      await bridge.exited
      await sleep(Math.random() * 1000)
      expect(okBeforeKill).toBeGreaterThan(0)
      firstSuccess = undefined
      restartedAt = Date.now()
      bridge = await spawnBridge({ ...env, HSM_BRIDGE_PORT: String(port) })
      while (firstSuccess === undefined && Date.now() - restartedAt < 10_000) await sleep(10)
      recoveries.push((firstSuccess ?? Number.NaN) - restartedAt)
      restartedAt = Number.POSITIVE_INFINITY
    }
    await sleep(300)
    stop = true
    await load

    console.log(
      `[kill-restart] ${CYCLES} kill -9 cycles, ${WORKERS} workers: ok=${stats.ok} ` +
        `unavailable=${stats.unavailable} wrong=${stats.wrong} other=${stats.other.length} ` +
        `slowestCallMs=${stats.slowest} restart→firstSuccess ms=[${recoveries.join(', ')}]`,
    )
    expect(stats.wrong).toBe(0)
    expect(stats.other).toEqual([])
    expect(stats.unavailable).toBeGreaterThan(0)
    expect(stats.slowest).toBeLessThanOrEqual(CLIENT_TIMEOUT_MS + 500)
    for (const ms of recoveries) expect(ms).toBeLessThan(3000)

    for (const b of before) {
      const back = await client.decrypt(keyId, b.iv, b.ciphertext, b.aad)
      expect(Buffer.from(back)).toEqual(b.plaintext)
    }
  })
})
