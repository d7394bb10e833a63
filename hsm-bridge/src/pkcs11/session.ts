/**
 * @module hsm-bridge/pkcs11/session
 *
 * One lent PKCS#11 session: the only way operations reach the library. Each method refuses to
 * touch the library once the session's generation is gone (./session-pool.ts owns generations,
 * lending and recovery).
 */

import type pkcs11js from 'pkcs11js'

import { unavailable } from '../errors.js'
import { P, pkcs11Code, type Handle, type Pkcs11Api, type Pkcs11Module } from './module.js'

/** What a session needs from its pool: the library, and whether the session is still current. */
export interface SessionOwner {
  readonly module: Pkcs11Module
  isCurrent(session: Session): boolean
}

/**
 * One lent session. Every PKCS#11 call goes through these methods, which refuse to touch the
 * library once the session's generation is gone.
 */
export class Session {
  constructor(
    private readonly pool: SessionOwner,
    readonly handle: Handle,
    readonly generation: number,
  ) {}

  private get api(): Pkcs11Api {
    if (!this.pool.isCurrent(this)) throw unavailable(undefined, 'evict')
    return this.pool.module.api
  }

  /**
   * All objects matching `template` (batches of 64).
   *
   * @throws {Error} pkcs11js Pkcs11Error; BridgeError Unavailable for a stale session.
   */
  find(template: pkcs11js.Template): Handle[] {
    const api = this.api
    api.C_FindObjectsInit(this.handle, template)
    const found: Handle[] = []
    try {
      for (;;) {
        const batch = api.C_FindObjects(this.handle, 64)
        if (batch.length === 0) break
        found.push(...batch)
      }
    } finally {
      api.C_FindObjectsFinal(this.handle)
    }
    return found
  }

  /**
   * Attribute values of `object`, in the order of `types`.
   *
   * @throws {Error} pkcs11js Pkcs11Error; BridgeError Unavailable for a stale session.
   */
  attributes(object: Handle, types: number[]): Buffer[] {
    const result = this.api.C_GetAttributeValue(
      this.handle,
      object,
      types.map((type) => ({ type })),
    )
    return result.map((a) => a.value)
  }

  /** @throws {Error} pkcs11js Pkcs11Error; BridgeError Unavailable for a stale session. */
  setAttributes(object: Handle, template: pkcs11js.Template): void {
    this.api.C_SetAttributeValue(this.handle, object, template)
  }

  /** @throws {Error} pkcs11js Pkcs11Error; BridgeError Unavailable for a stale session. */
  destroy(object: Handle): void {
    this.api.C_DestroyObject(this.handle, object)
  }

  /** @throws {Error} pkcs11js Pkcs11Error; BridgeError Unavailable for a stale session. */
  generateKey(mechanism: pkcs11js.Mechanism, template: pkcs11js.Template): Promise<Handle> {
    return this.api.C_GenerateKeyAsync(this.handle, mechanism, template)
  }

  /** @throws {Error} pkcs11js Pkcs11Error; BridgeError Unavailable for a stale session. */
  generateKeyPair(
    mechanism: pkcs11js.Mechanism,
    publicTemplate: pkcs11js.Template,
    privateTemplate: pkcs11js.Template,
  ): Promise<pkcs11js.KeyPair> {
    return this.api.C_GenerateKeyPairAsync(this.handle, mechanism, publicTemplate, privateTemplate)
  }

  /**
   * Single-part encryption; `outLength` is the exact or maximum output size.
   *
   * @throws {Error} pkcs11js Pkcs11Error; BridgeError Unavailable for a stale session.
   */
  async encrypt(mechanism: pkcs11js.Mechanism, key: Handle, data: Buffer, outLength: number): Promise<Buffer> {
    this.api.C_EncryptInit(this.handle, mechanism, key)
    return this.api.C_EncryptAsync(this.handle, data, Buffer.alloc(outLength))
  }

  /** @throws {Error} pkcs11js Pkcs11Error; BridgeError Unavailable for a stale session. */
  async decrypt(mechanism: pkcs11js.Mechanism, key: Handle, data: Buffer, outLength: number): Promise<Buffer> {
    this.api.C_DecryptInit(this.handle, mechanism, key)
    return this.api.C_DecryptAsync(this.handle, data, Buffer.alloc(outLength))
  }

  /** @throws {Error} pkcs11js Pkcs11Error; BridgeError Unavailable for a stale session. */
  async sign(mechanism: pkcs11js.Mechanism, key: Handle, data: Buffer, outLength: number): Promise<Buffer> {
    this.api.C_SignInit(this.handle, mechanism, key)
    return this.api.C_SignAsync(this.handle, data, Buffer.alloc(outLength))
  }

  /**
   * Single-part verification. CKR_SIGNATURE_INVALID and CKR_SIGNATURE_LEN_RANGE are answers, not
   * failures; both terminate the operation (PKCS#11 v2.40 §5.13), so the session stays usable.
   *
   * @throws {Error} pkcs11js Pkcs11Error for other codes; BridgeError Unavailable when stale.
   */
  async verify(mechanism: pkcs11js.Mechanism, key: Handle, data: Buffer, signature: Buffer): Promise<boolean> {
    this.api.C_VerifyInit(this.handle, mechanism, key)
    try {
      return await this.api.C_VerifyAsync(this.handle, data, signature)
    } catch (err) {
      const code = pkcs11Code(err)
      if (code === P.CKR_SIGNATURE_INVALID || code === P.CKR_SIGNATURE_LEN_RANGE) return false
      throw err
    }
  }

  /**
   * True when the session still answers `C_GetSessionInfo` (used to tell a bad GCM tag, which
   * SoftHSM reports as CKR_GENERAL_ERROR, from a broken device).
   *
   * @throws never
   */
  isHealthy(): boolean {
    try {
      this.api.C_GetSessionInfo(this.handle)
      return true
    } catch {
      return false
    }
  }
}
