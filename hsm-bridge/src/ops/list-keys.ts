/**
 * @module hsm-bridge/ops/list-keys
 *
 * `POST /v1/keys/list` `{}` → `{ids}`: the ids of all key objects on the token that the bridge
 * created, for the reconciler. "Created by the bridge" is recognised by the bridge's own naming:
 * CKA_LABEL equals CKA_ID, and CKA_ID is a valid key id in ASCII.
 */

import { P, pkcs11Code } from '../pkcs11/module.js'
import { allowOnly, KEY_ID_PATTERN, type Body } from '../validate.js'
import type { OpContext } from './context.js'

export interface ListKeysOutput {
  ids: string[]
}

const KEY_CLASSES = [P.CKO_SECRET_KEY, P.CKO_PRIVATE_KEY, P.CKO_PUBLIC_KEY]

/**
 * Lists the bridge's key ids, sorted and without duplicates.
 *
 * @throws {BridgeError} ValidationError, Unavailable, Timeout, Internal.
 */
export async function listKeys(ctx: OpContext, body: Body): Promise<ListKeysOutput> {
  allowOnly(body, [])
  return ctx.pool.run(ctx.opTimeoutMs, 'list', async (s) => {
    const ids = new Set<string>()
    for (const cls of KEY_CLASSES) {
      for (const handle of s.find([
        { type: P.CKA_TOKEN, value: true },
        { type: P.CKA_CLASS, value: cls },
      ])) {
        let id: Buffer | undefined
        let label: Buffer | undefined
        try {
          ;[id, label] = s.attributes(handle, [P.CKA_ID, P.CKA_LABEL])
        } catch (err) {
          // Destroyed since C_FindObjects: not listed.
          if (pkcs11Code(err) === P.CKR_OBJECT_HANDLE_INVALID) continue
          throw err
        }
        const text = id!.toString('latin1')
        if (KEY_ID_PATTERN.test(text) && label!.toString('latin1') === text) ids.add(text)
      }
    }
    return { ids: [...ids].sort() }
  })
}
