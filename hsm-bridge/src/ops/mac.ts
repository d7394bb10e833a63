/**
 * @module hsm-bridge/ops/mac
 *
 * HMAC with CKK_GENERIC_SECRET keys (generated with spec HMAC_SHA_224/256/384/512):
 * - `POST /v1/keys/mac` `{id, algorithm, message}` → `{mac}` (full-length tag, C_Sign);
 * - `POST /v1/keys/verify-mac` `{id, algorithm, message, mac}` → `{valid}` (C_Verify: the HSM
 *   compares). A `mac` of the wrong length is a ValidationError.
 *
 * Mechanisms CKM_SHA224_HMAC … CKM_SHA512_HMAC (PKCS#11 errors are mapped as for sign / verify). The algorithm must match the key: its type is
 * checked before every Init (SoftHSM's C_SignInit does not check it, CAPABILITIES.md quirk 4),
 * and its length must be the algorithm's, so one key is only ever used with one hash.
 */

import { unsupportedOperation } from '../errors.js'
import { P } from '../pkcs11/module.js'
import { readUlong, resolveKey } from '../pkcs11/objects.js'
import type { Session } from '../pkcs11/session-pool.js'
import { allowOnly, bytesField, enumField, keyIdField, type Body } from '../validate.js'
import type { OpContext } from './context.js'

export const MAC_ALGORITHMS = ['HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512'] as const
export type MacAlgorithm = (typeof MAC_ALGORITHMS)[number]

/** Messages the Worker sends are at most 4096 bytes (GenerateMac's limit). */
export const MAX_MAC_MESSAGE_BYTES = 4096

const MECHANISMS: Record<MacAlgorithm, { mechanism: number; bytes: number }> = {
  HMAC_SHA_224: { mechanism: P.CKM_SHA224_HMAC, bytes: 28 },
  HMAC_SHA_256: { mechanism: P.CKM_SHA256_HMAC, bytes: 32 },
  HMAC_SHA_384: { mechanism: P.CKM_SHA384_HMAC, bytes: 48 },
  HMAC_SHA_512: { mechanism: P.CKM_SHA512_HMAC, bytes: 64 },
}

export interface MacOutput {
  mac: string
}

export interface VerifyMacOutput {
  valid: boolean
}

function macRequest(body: Body, fields: readonly string[]) {
  allowOnly(body, fields)
  const id = keyIdField(body)
  const algorithm = enumField(body, 'algorithm', MAC_ALGORITHMS)
  const message = bytesField(body, 'message', { min: 1, max: MAX_MAC_MESSAGE_BYTES })
  return { id, algorithm, message }
}

/**
 * The generic-secret key `id`, which must have the algorithm's length.
 *
 * @throws {BridgeError} KeyNotFound, UnsupportedOperation.
 */
function macKey(s: Session, id: string, algorithm: MacAlgorithm) {
  const key = resolveKey(s, id, P.CKO_SECRET_KEY, [P.CKK_GENERIC_SECRET])
  const [len] = s.attributes(key.handle, [P.CKA_VALUE_LEN])
  if (readUlong(len!) !== MECHANISMS[algorithm].bytes) {
    throw unsupportedOperation('The key does not support this algorithm.')
  }
  return key
}

/**
 * HMAC of `message` with the key `id`.
 *
 * @throws {BridgeError} ValidationError, KeyNotFound, UnsupportedOperation, Unavailable, Timeout,
 *   Internal.
 */
export async function generateMac(ctx: OpContext, body: Body): Promise<MacOutput> {
  const { id, algorithm, message } = macRequest(body, ['id', 'algorithm', 'message'])
  const { mechanism, bytes } = MECHANISMS[algorithm]
  return ctx.pool.run(ctx.opTimeoutMs, 'sign', async (s) => {
    const key = macKey(s, id, algorithm)
    const mac = await s.sign({ mechanism }, key.handle, message, bytes)
    return { mac: mac.toString('base64') }
  })
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
