/**
 * @module hsm-bridge/ops/hmac
 *
 * What ./generate-mac.ts and ./verify-mac.ts share: HMAC with CKK_GENERIC_SECRET keys
 * (generated with spec HMAC_SHA_224/256/384/512), the request fields, the mechanisms and the
 * key lookup.
 *
 * Mechanisms CKM_SHA224_HMAC … CKM_SHA512_HMAC (PKCS#11 errors are mapped as for sign and
 * verify). The algorithm must match the key: its type is checked before every Init (SoftHSM's
 * C_SignInit does not check it, CAPABILITIES.md quirk 4), and its length must be the
 * algorithm's, so one key is only ever used with one hash.
 */

import { unsupportedOperation } from '../errors.js'
import { P } from '../pkcs11/module.js'
import { readUlong, resolveKey } from '../pkcs11/objects.js'
import type { Session } from '../pkcs11/session.js'
import { allowOnly, bytesField, enumField, keyIdField, type Body } from '../validate.js'

export const MAC_ALGORITHMS = ['HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512'] as const
export type MacAlgorithm = (typeof MAC_ALGORITHMS)[number]

/** Messages the Worker sends are at most 4096 bytes (GenerateMac's limit). */
export const MAX_MAC_MESSAGE_BYTES = 4096

export const MECHANISMS: Record<MacAlgorithm, { mechanism: number; bytes: number }> = {
  HMAC_SHA_224: { mechanism: P.CKM_SHA224_HMAC, bytes: 28 },
  HMAC_SHA_256: { mechanism: P.CKM_SHA256_HMAC, bytes: 32 },
  HMAC_SHA_384: { mechanism: P.CKM_SHA384_HMAC, bytes: 48 },
  HMAC_SHA_512: { mechanism: P.CKM_SHA512_HMAC, bytes: 64 },
}

/**
 * The common fields of a MAC request.
 *
 * @throws {BridgeError} ValidationError.
 */
export function macRequest(body: Body, fields: readonly string[]) {
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
export function macKey(s: Session, id: string, algorithm: MacAlgorithm) {
  const key = resolveKey(s, id, P.CKO_SECRET_KEY, [P.CKK_GENERIC_SECRET])
  const [len] = s.attributes(key.handle, [P.CKA_VALUE_LEN])
  if (readUlong(len!) !== MECHANISMS[algorithm].bytes) {
    throw unsupportedOperation('The key does not support this algorithm.')
  }
  return key
}
