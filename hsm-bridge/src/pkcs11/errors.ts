/**
 * @module hsm-bridge/pkcs11/errors
 *
 * Maps PKCS#11 return codes to bridge errors, per operation (after aws-kms-xks-proxy's
 * `pkcs11_to_http_error` / `decrypt_pkcs11_to_http_error`). Matching is on `Pkcs11Error.code`
 * only, never on message text. The CKR_* name is kept in `cause` for the log and never reaches
 * a response.
 *
 * Device-class codes evict the session and fail fast with `Unavailable` (503): after a device
 * failure no result of that session can be trusted, and the pool re-initialises the library
 * once no session is left.
 */

import {
  BridgeError,
  internalError,
  invalidCiphertext,
  keyNotFound,
  unavailable,
  unsupportedOperation,
  validationError,
} from '../errors.js'
import { P, pkcs11Code } from './module.js'

export type Pkcs11Operation =
  'health' | 'generate' | 'encrypt' | 'decrypt' | 'sign' | 'verify' | 'asymmetricDecrypt' | 'publicKey' | 'destroy' | 'list'

const CKR_NAMES: ReadonlyMap<number, string> = (() => {
  const names = new Map<number, string>()
  for (const [name, value] of Object.entries(P)) {
    if (name.startsWith('CKR_') && typeof value === 'number' && !names.has(value)) {
      names.set(value, name)
    }
  }
  return names
})()

/**
 * The CKR_* name of a return code (for logs only).
 *
 * @throws never
 */
export function ckrName(code: number): string {
  return CKR_NAMES.get(code) ?? `CKR_0x${code.toString(16)}`
}

/**
 * Codes after which the session (and possibly the whole library) is unusable. GENERAL_ERROR and
 * FUNCTION_FAILED are here because a module uses them for "something broke"; in decrypt they
 * are also how SoftHSM (GENERAL_ERROR) and nShield (FUNCTION_FAILED) report a bad tag, which the
 * decrypt operations disambiguate with {@link isDeviceClass} on a follow-up `C_GetSessionInfo`.
 */
const DEVICE_CLASS: ReadonlySet<number> = new Set([
  P.CKR_DEVICE_ERROR,
  P.CKR_DEVICE_REMOVED,
  P.CKR_DEVICE_MEMORY,
  P.CKR_SESSION_HANDLE_INVALID,
  P.CKR_SESSION_CLOSED,
  P.CKR_CRYPTOKI_NOT_INITIALIZED,
  P.CKR_TOKEN_NOT_PRESENT,
  P.CKR_TOKEN_NOT_RECOGNIZED,
  P.CKR_USER_NOT_LOGGED_IN,
  P.CKR_GENERAL_ERROR,
  P.CKR_FUNCTION_FAILED,
])

/** Codes a decrypt operation reports for a ciphertext that does not authenticate. */
const BAD_CIPHERTEXT: ReadonlySet<number> = new Set([
  P.CKR_ENCRYPTED_DATA_INVALID,
  P.CKR_ENCRYPTED_DATA_LEN_RANGE,
  P.CKR_DATA_INVALID,
  P.CKR_DATA_LEN_RANGE,
  P.CKR_GENERAL_ERROR,
  P.CKR_FUNCTION_FAILED,
])

const UNSUPPORTED: ReadonlySet<number> = new Set([
  P.CKR_KEY_TYPE_INCONSISTENT,
  P.CKR_KEY_FUNCTION_NOT_PERMITTED,
  P.CKR_MECHANISM_INVALID,
  P.CKR_KEY_SIZE_RANGE,
])

/**
 * True for device-class codes (see {@link DEVICE_CLASS}).
 *
 * @throws never
 */
export function isDeviceClass(err: unknown): boolean {
  const code = pkcs11Code(err)
  return code !== undefined && DEVICE_CLASS.has(code)
}

/**
 * True when a decrypt failure with this error means "the ciphertext does not authenticate"
 * (provided the session is still healthy).
 *
 * @throws never
 */
export function isBadCiphertext(err: unknown): boolean {
  const code = pkcs11Code(err)
  return code !== undefined && BAD_CIPHERTEXT.has(code)
}

/**
 * Translates a failure inside `op` to a {@link BridgeError}. BridgeErrors pass through; non-PKCS#11
 * errors become `Internal`.
 *
 * @throws never
 */
export function mapPkcs11Error(err: unknown, op: Pkcs11Operation): BridgeError {
  if (err instanceof BridgeError) return err
  const code = pkcs11Code(err)
  if (code === undefined) return internalError(err)

  if ((op === 'decrypt' || op === 'asymmetricDecrypt') && BAD_CIPHERTEXT.has(code) && !DEVICE_CLASS.has(code)) {
    return invalidCiphertext(err, 'replace')
  }
  if (DEVICE_CLASS.has(code)) return unavailable(err, 'evict')
  if (code === P.CKR_OBJECT_HANDLE_INVALID || code === P.CKR_KEY_HANDLE_INVALID) {
    // The object was destroyed between C_FindObjects and its use.
    return new BridgeError('KeyNotFound', keyNotFound().message, { cause: err, session: 'replace' })
  }
  if (UNSUPPORTED.has(code)) {
    return new BridgeError(
      'UnsupportedOperation',
      op === 'generate'
        ? 'This key spec is not supported by the HSM.'
        : unsupportedOperation('The key does not support this operation.').message,
      { cause: err, session: 'replace' },
    )
  }
  if (op === 'sign' && (code === P.CKR_DATA_LEN_RANGE || code === P.CKR_DATA_INVALID)) {
    const e = validationError('digest', 'is not valid for this key')
    return new BridgeError(e.code, e.message, { cause: err, session: 'replace' })
  }
  if (code === P.CKR_OPERATION_ACTIVE || code === P.CKR_SESSION_COUNT || code === P.CKR_PIN_EXPIRED || code === P.CKR_PIN_LOCKED) {
    return unavailable(err, 'replace')
  }
  return internalError(err)
}

/**
 * Log fields for a failure: the CKR name and PKCS#11 function for library errors; name and
 * (truncated) message for others. For the log only, never for a response.
 *
 * @throws never
 */
export function describe(err: unknown): Record<string, string> {
  const code = pkcs11Code(err)
  if (code !== undefined) {
    const method = (err as { method?: unknown }).method
    const fields: Record<string, string> = { ckr: ckrName(code) }
    if (typeof method === 'string' && method !== '') fields.fn = method
    return fields
  }
  if (err instanceof Error) return { error: err.name, detail: err.message.slice(0, 200) }
  return { error: typeof err }
}
