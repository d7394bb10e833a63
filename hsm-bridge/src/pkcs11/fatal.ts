/**
 * @module hsm-bridge/pkcs11/fatal
 *
 * The HSM failures no retry can fix (the library cannot load, no token matches, the PIN is
 * refused), and their operator-facing messages. A retried wrong PIN counts towards lockout, so
 * the pool stops instead of retrying these.
 */

import { ckrName } from './errors.js'
import { P, pkcs11Code, SlotNotFoundError } from './module.js'

/** Login failures that must not be retried: each retry with a wrong PIN counts towards lockout. */
const FATAL_LOGIN: ReadonlySet<number> = new Set([
  P.CKR_PIN_INCORRECT,
  P.CKR_PIN_INVALID,
  P.CKR_PIN_LEN_RANGE,
  P.CKR_PIN_LOCKED,
  P.CKR_PIN_EXPIRED,
  P.CKR_USER_PIN_NOT_INITIALIZED,
])

/** Thrown by `SessionPool.start` (./session-pool.ts) for problems no retry can fix. */
export class FatalHsmError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'FatalHsmError'
  }
}

export function isFatalLogin(err: unknown): boolean {
  const code = pkcs11Code(err)
  return code !== undefined && FATAL_LOGIN.has(code)
}

export function fatalMessage(err: unknown): string {
  if (err instanceof SlotNotFoundError) return `hsm: ${err.message}`
  if (isFatalLogin(err)) return `hsm: login refused (${ckrName(pkcs11Code(err)!)}); check HSM_PIN`
  if (err instanceof P.Pkcs11Error) return `hsm: initialisation failed (${ckrName(err.code)})`
  return 'hsm: the PKCS#11 library could not be loaded; check HSM_MODULE'
}
