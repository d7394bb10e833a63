/**
 * @module hsm-bridge/ops/encrypt
 *
 * `POST /v1/keys/encrypt` `{id, plaintext, aad}` → `{iv, ciphertext}`: AES-256-GCM inside the
 * HSM, 1 to 65536 bytes of plaintext, AAD up to 65536 bytes. The IV comes from the bridge's
 * CSPRNG, never from the caller, so a caller cannot force an IV reuse; the GCM invocation budget
 * per key (SP 800-38D: 2^32 with random IVs) is the caller's concern.
 */

import { randomBytes } from 'node:crypto'

import { internalError } from '../errors.js'
import { P } from '../pkcs11/module.js'
import { resolveKey } from '../pkcs11/objects.js'
import { allowOnly, bytesField, keyIdField, type Body } from '../validate.js'
import type { OpContext } from './context.js'
import { GCM_IV_BYTES, GCM_TAG_BYTES, gcmMechanism, MAX_AAD_BYTES, MAX_PLAINTEXT_BYTES } from './gcm.js'

export interface EncryptOutput {
  iv: string
  ciphertext: string
}

/**
 * Encrypts `plaintext` under the AES key `id`.
 *
 * @throws {BridgeError} ValidationError, KeyNotFound, UnsupportedOperation, Unavailable, Timeout,
 *   Internal.
 */
export async function encrypt(ctx: OpContext, body: Body): Promise<EncryptOutput> {
  allowOnly(body, ['id', 'plaintext', 'aad'])
  const id = keyIdField(body)
  // SoftHSM 2.6.1 answers CKR_ARGUMENTS_BAD to an empty C_Encrypt and keeps the operation active.
  const plaintext = bytesField(body, 'plaintext', { min: 1, max: MAX_PLAINTEXT_BYTES })
  const aad = bytesField(body, 'aad', { max: MAX_AAD_BYTES })
  return ctx.pool.run(ctx.opTimeoutMs, 'encrypt', async (s) => {
    const key = resolveKey(s, id, P.CKO_SECRET_KEY, [P.CKK_AES])
    const iv = randomBytes(GCM_IV_BYTES)
    const expected = plaintext.length + GCM_TAG_BYTES
    const ciphertext = await s.encrypt(gcmMechanism(iv, aad), key.handle, plaintext, expected)
    if (ciphertext.length !== expected) {
      throw internalError(new Error('unexpected GCM output length'))
    }
    return { iv: iv.toString('base64'), ciphertext: ciphertext.toString('base64') }
  })
}
