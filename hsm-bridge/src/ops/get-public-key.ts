/**
 * @module hsm-bridge/ops/get-public-key
 *
 * `POST /v1/keys/public-key` `{id}` → `{publicKeySpkiDer}` (SubjectPublicKeyInfo, DER, base64).
 */

import { keyNotFound } from '../errors.js'
import { findKeyObjects, publicKeySpki } from '../pkcs11/objects.js'
import { allowOnly, keyIdField, type Body } from '../validate.js'
import type { OpContext } from './context.js'

export interface GetPublicKeyOutput {
  publicKeySpkiDer: string
}

/**
 * Exports the public half of the asymmetric key `id`.
 *
 * @throws {BridgeError} ValidationError, KeyNotFound, UnsupportedOperation (symmetric key),
 *   Unavailable, Timeout, Internal.
 */
export async function getPublicKey(ctx: OpContext, body: Body): Promise<GetPublicKeyOutput> {
  allowOnly(body, ['id'])
  const id = keyIdField(body)
  return ctx.pool.run(ctx.opTimeoutMs, 'publicKey', async (s) => {
    const objects = findKeyObjects(s, id)
    if (objects.length === 0) throw keyNotFound()
    return { publicKeySpkiDer: publicKeySpki(s, objects).toString('base64') }
  })
}
