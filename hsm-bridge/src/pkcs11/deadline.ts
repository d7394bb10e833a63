/**
 * @module hsm-bridge/pkcs11/deadline
 *
 * The caller's deadline on an HSM operation: it gets `Timeout` at once, while the native call
 * (which cannot be cancelled) runs on and returns its session to the pool when it ends.
 */

import { BridgeError, internalError } from '../errors.js'

export function timeoutError(): BridgeError {
  return new BridgeError('Timeout', 'The HSM operation timed out.')
}

export function withDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(timeoutError()), Math.max(0, deadline - Date.now()))
    work.then(
      (v) => {
        clearTimeout(timer)
        resolve(v)
      },
      (err: unknown) => {
        clearTimeout(timer)
        reject(err instanceof BridgeError ? err : internalError(err))
      },
    )
  })
}
