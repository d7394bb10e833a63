/**
 * @module hsm-bridge/ops/decrypt
 *
 * `POST /v1/keys/decrypt` `{id, iv, ciphertext, aad}` → `{plaintext}`. Every authentication
 * failure is one `InvalidCiphertext`. SoftHSM reports a bad tag, IV or AAD as CKR_GENERAL_ERROR,
 * which is otherwise a device-class code: the session is asked `C_GetSessionInfo` to tell the two
 * apart, and only a healthy session turns it into `InvalidCiphertext`.
 */

import { internalError, invalidCiphertext } from '../errors.js'
import { isBadCiphertext } from '../pkcs11/errors.js'
import { P } from '../pkcs11/module.js'
import { resolveKey } from '../pkcs11/objects.js'
import { allowOnly, bytesField, keyIdField, type Body } from '../validate.js'
import type { OpContext } from './context.js'
import { GCM_IV_BYTES, GCM_TAG_BYTES, gcmMechanism, MAX_AAD_BYTES, MAX_PLAINTEXT_BYTES } from './gcm.js'

export interface DecryptOutput {
  plaintext: string
}

/**
 * Decrypts and authenticates `ciphertext` (tag appended) under the AES key `id`.
 *
 * @throws {BridgeError} ValidationError, InvalidCiphertext, KeyNotFound, UnsupportedOperation,
 *   Unavailable, Timeout, Internal.
 */
export async function decrypt(ctx: OpContext, body: Body): Promise<DecryptOutput> {
  allowOnly(body, ['id', 'iv', 'ciphertext', 'aad'])
  const id = keyIdField(body)
  const iv = bytesField(body, 'iv', { exact: GCM_IV_BYTES, max: GCM_IV_BYTES })
  const ciphertext = bytesField(body, 'ciphertext', {
    min: GCM_TAG_BYTES + 1,
    max: MAX_PLAINTEXT_BYTES + GCM_TAG_BYTES,
  })
  const aad = bytesField(body, 'aad', { max: MAX_AAD_BYTES })
  return ctx.pool.run(ctx.opTimeoutMs, 'decrypt', async (s) => {
    const key = resolveKey(s, id, P.CKO_SECRET_KEY, [P.CKK_AES])
    let plaintext: Buffer
    try {
      plaintext = await s.decrypt(gcmMechanism(iv, aad), key.handle, ciphertext, ciphertext.length)
    } catch (err) {
      if (isBadCiphertext(err) && s.isHealthy()) throw invalidCiphertext(err, 'replace')
      throw err
    }
    if (plaintext.length !== ciphertext.length - GCM_TAG_BYTES) {
      plaintext.fill(0)
      throw internalError(new Error('unexpected GCM output length'))
    }
    return { plaintext: plaintext.toString('base64') }
  })
}
