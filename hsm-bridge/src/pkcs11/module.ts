/**
 * @module hsm-bridge/pkcs11/module
 *
 * Loads a PKCS#11 library through pkcs11js and owns its process-wide lifecycle
 * (`C_Initialize`/`C_Finalize`) and slot selection. Everything above this module talks to the
 * library only through {@link Pkcs11Api}, a structural subset of pkcs11js' `PKCS11`, so a test can
 * wrap the real module (e.g. to inject `CKR_DEVICE_ERROR`) without replacing it.
 */

import pkcs11js from 'pkcs11js'

/** pkcs11js' constants (CKA_*, CKM_*, CKR_* …) and error classes. */
export const P = pkcs11js

export type Handle = Buffer

/** The pkcs11js methods the bridge uses. */
export type Pkcs11Api = Pick<
  pkcs11js.PKCS11,
  | 'load'
  | 'C_Initialize'
  | 'C_Finalize'
  | 'C_GetSlotList'
  | 'C_GetTokenInfo'
  | 'C_OpenSession'
  | 'C_CloseSession'
  | 'C_GetSessionInfo'
  | 'C_Login'
  | 'C_FindObjectsInit'
  | 'C_FindObjects'
  | 'C_FindObjectsFinal'
  | 'C_GetAttributeValue'
  | 'C_SetAttributeValue'
  | 'C_DestroyObject'
  | 'C_GenerateKeyAsync'
  | 'C_GenerateKeyPairAsync'
  | 'C_EncryptInit'
  | 'C_EncryptAsync'
  | 'C_DecryptInit'
  | 'C_DecryptAsync'
  | 'C_SignInit'
  | 'C_SignAsync'
  | 'C_VerifyInit'
  | 'C_VerifyAsync'
>

export interface SlotSelector {
  slot: bigint | undefined
  tokenLabel: string | undefined
}

export interface SelectedSlot {
  slot: Handle
  label: string
}

/**
 * The PKCS#11 return code carried by a pkcs11js error, or undefined for anything else.
 *
 * @throws never
 */
export function pkcs11Code(err: unknown): number | undefined {
  return err instanceof P.Pkcs11Error && typeof err.code === 'number' ? err.code : undefined
}

/**
 * A slot handle (CK_SLOT_ID, little-endian CK_ULONG in pkcs11js) as a number.
 *
 * @throws {RangeError} for a handle shorter than 4 bytes.
 */
export function slotId(handle: Handle): bigint {
  return handle.length >= 8 ? handle.readBigUInt64LE(0) : BigInt(handle.readUInt32LE(0))
}

/** Thrown when no slot matches the configured label or slot id (a configuration problem). */
export class SlotNotFoundError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SlotNotFoundError'
  }
}

/**
 * One loaded PKCS#11 library.
 *
 * WARNING: `C_Finalize` invalidates every session and object handle of the process. Callers must
 * not use any handle obtained before a {@link Pkcs11Module.finalize} afterwards: after the next
 * `C_Initialize` the same numbers can name different sessions or objects.
 */
export class Pkcs11Module {
  readonly api: Pkcs11Api
  private loaded = false

  constructor(
    readonly path: string,
    api: Pkcs11Api = new P.PKCS11(),
  ) {
    this.api = api
  }

  /**
   * Loads the library (once) and calls `C_Initialize` with `CKF_OS_LOCKING_OK`; native calls run
   * on several libuv threads at once, and network-HSM clients (p11-kit) refuse NULL init args.
   *
   * @throws {Error} pkcs11js NativeError when the library cannot be loaded.
   * @throws {Error} pkcs11js Pkcs11Error from `C_Initialize` (other than ALREADY_INITIALIZED).
   */
  initialize(): void {
    if (!this.loaded) {
      this.api.load(this.path)
      this.loaded = true
    }
    try {
      this.api.C_Initialize({ flags: P.CKF_OS_LOCKING_OK })
    } catch (err) {
      if (pkcs11Code(err) !== P.CKR_CRYPTOKI_ALREADY_INITIALIZED) throw err
    }
  }

  /**
   * `C_Finalize`, ignoring failures (the library may already be unusable, which is why we are
   * finalizing).
   *
   * @throws never
   */
  finalize(): void {
    if (!this.loaded) return
    try {
      this.api.C_Finalize()
    } catch {
      // Nothing useful to do: the next C_Initialize reports whether the library is usable.
    }
  }

  /**
   * Finds the slot whose token matches `selector` (by slot id, else by token label).
   *
   * @throws {SlotNotFoundError} when no present token matches.
   * @throws {Error} pkcs11js Pkcs11Error from the slot and token queries.
   */
  selectSlot(selector: SlotSelector): SelectedSlot {
    for (const slot of this.api.C_GetSlotList(true)) {
      const label = this.api.C_GetTokenInfo(slot).label.trimEnd()
      if (selector.slot !== undefined) {
        if (slotId(slot) !== selector.slot) continue
        if (selector.tokenLabel !== undefined && label !== selector.tokenLabel) {
          throw new SlotNotFoundError('the token in HSM_SLOT does not carry HSM_TOKEN_LABEL')
        }
        return { slot, label }
      }
      if (label === selector.tokenLabel) return { slot, label }
    }
    throw new SlotNotFoundError(
      selector.slot !== undefined ? 'no token present in the configured slot' : 'no token with the configured label',
    )
  }
}
