/**
 * @module hsm-bridge/ops/destroy-key
 *
 * `POST /v1/keys/destroy` `{id}` → `{destroyed}`: destroys every token object whose CKA_ID is the
 * id (both halves of a pair, and any stray half left by an interrupted generation). Idempotent:
 * `destroyed` is false when nothing was there.
 */

import { pkcs11Code, P } from '../pkcs11/module.js'
import { idBytes } from '../pkcs11/objects.js'
import { allowOnly, keyIdField, type Body } from '../validate.js'
import type { OpContext } from './context.js'

export interface DestroyKeyOutput {
  destroyed: boolean
}

/**
 * Destroys the key material of `id`.
 *
 * @throws {BridgeError} ValidationError, Unavailable, Timeout, Internal.
 */
export async function destroyKey(ctx: OpContext, body: Body): Promise<DestroyKeyOutput> {
  allowOnly(body, ['id'])
  const id = keyIdField(body)
  return ctx.pool.run(ctx.opTimeoutMs, 'destroy', (s) =>
    ctx.locks.run(id, async () => {
      const handles = s.find([
        { type: P.CKA_TOKEN, value: true },
        { type: P.CKA_ID, value: idBytes(id) },
      ])
      let destroyed = false
      for (const handle of handles) {
        try {
          s.destroy(handle)
          destroyed = true
        } catch (err) {
          // Destroyed concurrently (another bridge, or pkcs11-tool): the goal is met.
          if (pkcs11Code(err) !== P.CKR_OBJECT_HANDLE_INVALID) throw err
        }
      }
      return { destroyed }
    }),
  )
}
