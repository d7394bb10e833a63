/**
 * @module hsm-bridge/xks/errors
 *
 * The XKS proxy API v1 error names and their HTTP statuses; bodies are
 * `{"errorName", "errorMessage"}`. Messages are fixed texts (never request data, CKR_* names or
 * key material).
 */

import { BridgeError } from '../errors.js'

export const XKS_ERROR_STATUS = {
  ValidationException: 400,
  InvalidStateException: 400,
  InvalidCiphertextException: 400,
  InvalidKeyUsageException: 400,
  AuthenticationFailedException: 401,
  AccessDeniedException: 403,
  KeyNotFoundException: 404,
  InvalidUriPathException: 404,
  ThrottlingException: 429,
  InternalException: 500,
  UnsupportedOperationException: 501,
  DependencyTimeoutException: 503,
} as const

export type XksErrorName = keyof typeof XKS_ERROR_STATUS

export class XksError extends Error {
  readonly status: number
  constructor(
    readonly errorName: XksErrorName,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message)
    this.name = 'XksError'
    this.status = XKS_ERROR_STATUS[errorName]
  }
}

/**
 * The XKS error for a failure of the HSM layer (pool, PKCS#11 or validation).
 *
 * @throws never
 */
export function toXksError(err: unknown): XksError {
  if (err instanceof XksError) return err
  if (err instanceof BridgeError) {
    switch (err.code) {
      case 'ValidationError':
        return new XksError('ValidationException', err.message, err)
      case 'InvalidCiphertext':
        return new XksError('InvalidCiphertextException', 'The ciphertext is invalid.', err)
      case 'KeyNotFound':
        return new XksError('KeyNotFoundException', 'No such external key.', err)
      case 'UnsupportedOperation':
        return new XksError('InvalidKeyUsageException', 'The key does not support this operation.', err)
      case 'Unavailable':
      case 'Timeout':
        return new XksError('DependencyTimeoutException', 'The HSM is temporarily unavailable.', err)
      default:
        return new XksError('InternalException', 'Internal error.', err)
    }
  }
  return new XksError('InternalException', 'Internal error.', err)
}
