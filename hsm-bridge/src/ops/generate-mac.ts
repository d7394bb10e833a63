/**
 * @module hsm-bridge/ops/generate-mac
 *
 * `POST /v1/keys/mac` `{id, algorithm, message}` → `{mac}`: the full-length HMAC (C_Sign with
 * CKM_SHA*_HMAC) with a generic-secret key of the algorithm's length (./hmac.ts).
 */

import type { Body } from '../validate.js'
import type { OpContext } from './context.js'
import { macKey, macRequest, MECHANISMS } from './hmac.js'

export interface GenerateMacOutput {
  mac: string
}

/**
 * HMAC of `message` with the key `id`.
 *
 * @throws {BridgeError} ValidationError, KeyNotFound, UnsupportedOperation, Unavailable, Timeout,
 *   Internal.
 */
export async function generateMac(ctx: OpContext, body: Body): Promise<GenerateMacOutput> {
  const { id, algorithm, message } = macRequest(body, ['id', 'algorithm', 'message'])
  const { mechanism, bytes } = MECHANISMS[algorithm]
  return ctx.pool.run(ctx.opTimeoutMs, 'sign', async (s) => {
    const key = macKey(s, id, algorithm)
    const mac = await s.sign({ mechanism }, key.handle, message, bytes)
    return { mac: mac.toString('base64') }
  })
}
