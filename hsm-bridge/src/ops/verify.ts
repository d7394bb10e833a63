/**
 * @module hsm-bridge/ops/verify
 *
 * `POST /v1/keys/verify` `{id, algorithm, digest, signature}` → `{valid}` (ECDSA input DER).
 * A malformed signature is `{valid: false}`, not an error. High-S ECDSA signatures are valid
 * (FIPS 186-5 has no low-S rule; WebCrypto produces both).
 */

import { ecdsaDerToRaw } from '../der.js'
import { P } from '../pkcs11/module.js'
import { resolveKey } from '../pkcs11/objects.js'
import { allowOnly, bytesField, enumField, keyIdField, type Body } from '../validate.js'
import type { OpContext } from './context.js'
import { DIGEST_BYTES, keyTypeFor, MAX_SIGNATURE_BYTES, signingInput, SIGNING_ALGORITHMS } from './signing.js'

export interface VerifyOutput {
  valid: boolean
}

/**
 * Verifies `signature` over `digest` with the public key `id`.
 *
 * @throws {BridgeError} ValidationError, KeyNotFound, UnsupportedOperation, Unavailable, Timeout,
 *   Internal.
 */
export async function verify(ctx: OpContext, body: Body): Promise<VerifyOutput> {
  allowOnly(body, ['id', 'algorithm', 'digest', 'signature'])
  const id = keyIdField(body)
  const algorithm = enumField(body, 'algorithm', SIGNING_ALGORITHMS)
  const digest = bytesField(body, 'digest', { exact: DIGEST_BYTES, max: DIGEST_BYTES })
  const signature = bytesField(body, 'signature', { min: 1, max: MAX_SIGNATURE_BYTES })
  return ctx.pool.run(ctx.opTimeoutMs, 'verify', async (s) => {
    const key = resolveKey(s, id, P.CKO_PUBLIC_KEY, [keyTypeFor(algorithm)])
    const { mechanism, data } = signingInput(algorithm, digest)
    const raw = algorithm === 'ECDSA_SHA_256' ? ecdsaDerToRaw(signature) : signature
    if (raw === undefined) return { valid: false }
    return { valid: await s.verify(mechanism, key.handle, data, raw) }
  })
}
