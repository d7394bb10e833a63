/**
 * @module hsm-bridge/ops/verify-mac
 *
 * `POST /v1/keys/verify-mac` `{id, algorithm, message, mac}` → `{valid}`: C_Verify with
 * CKM_SHA*_HMAC, so the HSM compares. A `mac` of the wrong length is a ValidationError.
 */

import { bytesField, type Body } from '../validate.js'
import type { OpContext } from './context.js'
import { macKey, macRequest, MECHANISMS } from './hmac.js'

export interface VerifyMacOutput {
  valid: boolean
}

/**
 * Whether `mac` is the HMAC of `message` with the key `id` (compared by the HSM).
 *
 * @throws {BridgeError} ValidationError (also for a `mac` of the wrong length), KeyNotFound,
 *   UnsupportedOperation, Unavailable, Timeout, Internal.
 */
export async function verifyMac(ctx: OpContext, body: Body): Promise<VerifyMacOutput> {
  const { id, algorithm, message } = macRequest(body, ['id', 'algorithm', 'message', 'mac'])
  const { mechanism, bytes } = MECHANISMS[algorithm]
  const mac = bytesField(body, 'mac', { exact: bytes, max: bytes })
  return ctx.pool.run(ctx.opTimeoutMs, 'verify', async (s) => {
    const key = macKey(s, id, algorithm)
    return { valid: await s.verify({ mechanism }, key.handle, message, mac) }
  })
}
