/**
 * @module hsm-bridge/ops/sign
 *
 * `POST /v1/keys/sign` `{id, algorithm, digest}` → `{signature}` (ECDSA as DER).
 */

import { ecdsaRawToDer } from '../der.js'
import { internalError } from '../errors.js'
import { P } from '../pkcs11/module.js'
import { resolveKey } from '../pkcs11/objects.js'
import { allowOnly, bytesField, enumField, keyIdField, type Body } from '../validate.js'
import type { OpContext } from './context.js'
import { DIGEST_BYTES, keyTypeFor, MAX_SIGNATURE_BYTES, signingInput, SIGNING_ALGORITHMS } from './signing.js'

export interface SignOutput {
  signature: string
}

/**
 * Signs a SHA-256 `digest` with the private key `id`.
 *
 * @throws {BridgeError} ValidationError, KeyNotFound, UnsupportedOperation, Unavailable, Timeout,
 *   Internal.
 */
export async function sign(ctx: OpContext, body: Body): Promise<SignOutput> {
  allowOnly(body, ['id', 'algorithm', 'digest'])
  const id = keyIdField(body)
  const algorithm = enumField(body, 'algorithm', SIGNING_ALGORITHMS)
  const digest = bytesField(body, 'digest', { exact: DIGEST_BYTES, max: DIGEST_BYTES })
  return ctx.pool.run(ctx.opTimeoutMs, 'sign', async (s) => {
    const key = resolveKey(s, id, P.CKO_PRIVATE_KEY, [keyTypeFor(algorithm)])
    const { mechanism, data } = signingInput(algorithm, digest)
    const raw = await s.sign(mechanism, key.handle, data, MAX_SIGNATURE_BYTES)
    if (algorithm !== 'ECDSA_SHA_256') return { signature: raw.toString('base64') }
    if (raw.length !== 64) throw internalError(new Error('not a P-256 signature'))
    return { signature: ecdsaRawToDer(raw).toString('base64') }
  })
}
