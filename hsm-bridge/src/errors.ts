/**
 * @module hsm-bridge/errors
 *
 * The bridge's one error class and its single code → HTTP status table. Every failure that leaves
 * the bridge is a {@link BridgeError}; its `message` is written for the caller and never carries
 * native PKCS#11 text (CKR_* names and codes go to the log through `cause` only).
 */

export const BRIDGE_ERROR_STATUS = {
  ValidationError: 400,
  InvalidCiphertext: 400,
  UnsupportedOperation: 400,
  Unauthorized: 401,
  NotFound: 404,
  KeyNotFound: 404,
  KeyExists: 409,
  PayloadTooLarge: 413,
  Internal: 500,
  Unavailable: 503,
  Timeout: 504,
} as const

export type BridgeErrorCode = keyof typeof BRIDGE_ERROR_STATUS

/**
 * What the session pool does with the session an operation failed on.
 * - `keep`: the failure happened before any PKCS#11 operation was started; reuse the session.
 * - `replace`: a PKCS#11 call failed; close the session and open a fresh one, because SoftHSM
 *   (and others) can leave an operation active on it.
 * - `evict`: device-class failure; drop the session and check the rest of the pool.
 */
export type SessionDisposition = 'keep' | 'replace' | 'evict'

export interface BridgeErrorOptions {
  cause?: unknown
  session?: SessionDisposition
}

/** A coded bridge failure. `message` is safe to return to the caller. */
export class BridgeError extends Error {
  readonly code: BridgeErrorCode
  readonly session: SessionDisposition

  constructor(code: BridgeErrorCode, message: string, options: BridgeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'BridgeError'
    this.code = code
    this.session = options.session ?? 'keep'
  }

  get status(): number {
    return BRIDGE_ERROR_STATUS[this.code]
  }
}

/**
 * A 400 naming the field (never its value).
 *
 * @throws never
 */
export function validationError(field: string, why: string): BridgeError {
  return new BridgeError('ValidationError', `"${field}" ${why}`)
}

/**
 * The 503 for every HSM outage; the caller retries after `Retry-After`.
 *
 * @throws never
 */
export function unavailable(cause?: unknown, session: SessionDisposition = 'keep'): BridgeError {
  return new BridgeError('Unavailable', 'The HSM is temporarily unavailable.', { cause, session })
}

/**
 * The 404 for an id with no objects.
 *
 * @throws never
 */
export function keyNotFound(): BridgeError {
  return new BridgeError('KeyNotFound', 'No key with this id exists in the HSM.')
}

/**
 * The 400 for a key of the wrong kind.
 *
 * @throws never
 */
export function unsupportedOperation(why: string): BridgeError {
  return new BridgeError('UnsupportedOperation', why)
}

/**
 * The one decrypt failure: tag, IV, AAD, padding, wrong key and wrong length look alike.
 *
 * @throws never
 */
export function invalidCiphertext(cause?: unknown, session: SessionDisposition = 'keep'): BridgeError {
  const message = 'The ciphertext is invalid or was not produced by this key.'
  return new BridgeError('InvalidCiphertext', message, { cause, session })
}

/**
 * The 500 for anything unexpected; `cause` is logged, never returned.
 *
 * @throws never
 */
export function internalError(cause?: unknown, session: SessionDisposition = 'replace'): BridgeError {
  return new BridgeError('Internal', 'Internal error.', { cause, session })
}
