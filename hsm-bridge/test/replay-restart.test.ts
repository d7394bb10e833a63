/**
 * A captured bridge request must not replay after a bridge restart. The nonce store lives in
 * memory, so the restarted process has forgotten the nonce; the request is still inside the
 * ±60 s date window. The bridge refuses it because it is dated before the process started
 * (503 Unavailable, nothing runs), while fresh requests are served as before.
 */

import { randomBytes } from 'node:crypto'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  bridgeEnv,
  makeToken,
  newSecret,
  NO_SOFTHSM,
  send,
  signedRequest,
  spawnBridge,
  type RunningBridge,
  type TokenFixture,
} from './helpers'

describe.skipIf(NO_SOFTHSM)('hsm-bridge replay across a restart', () => {
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

  it('refuses a request captured before the restart, and serves fresh ones after it', async () => {
    bridge = await spawnBridge(bridgeEnv(token.setup, secret))
    const port = bridge.port
    const id = `replay-${randomBytes(4).toString('hex')}`
    const captured = signedRequest(bridge.url, {
      path: '/v1/keys/generate',
      body: JSON.stringify({ id, spec: 'AES_256' }),
      secret,
    })
    expect((await send(captured)).status).toBe(200)
    expect((await send(captured)).status).toBe(401) // replay to the same process

    await bridge.stop()
    bridge = await spawnBridge(bridgeEnv(token.setup, secret, { HSM_BRIDGE_PORT: String(port) }))

    const replayed = await send(captured)
    expect(replayed.status).toBe(503)
    expect(replayed.json.error?.code).toBe('Unavailable')
    expect(replayed.headers.get('x-bridge-response-signature')).toBeNull()

    const fresh = await send(signedRequest(bridge.url, { path: '/v1/keys/list', body: '{}', secret }))
    expect(fresh.status).toBe(200)
    expect(fresh.json.ids).toContain(id)
  })
})
