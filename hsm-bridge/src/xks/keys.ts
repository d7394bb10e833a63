/**
 * @module hsm-bridge/xks/keys
 *
 * The XKS keys of the bridge's token and their operations. An XKS key `<externalKeyId>` is an
 * AES-256 secret-key object with `CKA_ID` = `CKA_LABEL` = `xks:<externalKeyId>` (so it can never
 * collide with a KMS HSM key, whose ids are 64 hex digits, nor be listed or reconciled as one).
 * Its XKS `keyStatus` is `ENABLED` while both `CKA_ENCRYPT` and `CKA_DECRYPT` are true, else
 * `DISABLED`; the admin routes flip both attributes (C_SetAttributeValue), so the token itself
 * refuses a disabled key (CKR_KEY_FUNCTION_NOT_PERMITTED) even if a check here were skipped.
 *
 * Ciphertexts: AES-256-GCM in the HSM, 12-byte IV from the bridge's CSPRNG, 16-byte tag. The
 * GCM AAD binds the caller's `additionalAuthenticatedData` and `ciphertextMetadata` with their
 * lengths, exactly as the spec's Encrypt section prescribes (so neither can be shifted into the
 * other); no metadata is produced, but a caller's is honoured on decrypt:
 *
 * ```
 * gcmAad = u16be(len aad) ‖ aad ‖ u8(len metadata) ‖ metadata      (aad ≤ 8192 B, metadata ≤ 20 B)
 * ```
 */

import { createHash, randomBytes } from 'node:crypto'

import { P } from '../pkcs11/module.js'
import { findKeyObjects, generateKeyObjects, readUlong, resolveKey } from '../pkcs11/objects.js'
import type { SessionPool } from '../pkcs11/session-pool.js'
import { GCM_IV_BYTES, GCM_TAG_BYTES, gcmMechanism } from '../ops/gcm.js'
import { isBadCiphertext } from '../pkcs11/errors.js'
import { internalError, invalidCiphertext, keyNotFound } from '../errors.js'
import { XksError } from './errors.js'

export const EXTERNAL_KEY_ID = /^[A-Za-z0-9._-]{1,128}$/
export const MAX_XKS_PLAINTEXT = 64 * 1024
export const MAX_XKS_AAD = 8192
export const MAX_CIPHERTEXT_METADATA = 20

const DISABLED = Symbol('disabled')

function disabled(): XksError {
  return new XksError('InvalidStateException', 'The external key is disabled.')
}

export type XksKeyStatus = 'ENABLED' | 'DISABLED'

export interface XksKeyContext {
  pool: SessionPool
  opTimeoutMs: number
}

/** The token object id of an XKS key. */
export function xksObjectId(externalKeyId: string): string {
  return `xks:${externalKeyId}`
}

/** The spec's AAD for the key manager: u16be(len aad) ‖ aad ‖ u8(len metadata) ‖ metadata. */
export function gcmAad(aad: Buffer, metadata: Buffer): Buffer {
  const aadLen = Buffer.alloc(2)
  aadLen.writeUInt16BE(aad.length, 0)
  return Buffer.concat([aadLen, aad, Buffer.of(metadata.length), metadata])
}

function status(s: Parameters<Parameters<SessionPool['run']>[2]>[0], handle: unknown): XksKeyStatus {
  const [enc, dec] = s.attributes(handle as never, [P.CKA_ENCRYPT, P.CKA_DECRYPT])
  return enc![0] === 1 && dec![0] === 1 ? 'ENABLED' : 'DISABLED'
}

/**
 * GetKeyMetadata.
 *
 * @throws {XksError} KeyNotFoundException; {BridgeError} from the pool.
 */
export async function keyMetadata(
  ctx: XksKeyContext,
  externalKeyId: string,
): Promise<{ keySpec: 'AES_256'; keyUsage: string[]; keyStatus: XksKeyStatus }> {
  return ctx.pool.run(ctx.opTimeoutMs, 'encrypt', async (s) => {
    const key = resolveKey(s, xksObjectId(externalKeyId), P.CKO_SECRET_KEY, [P.CKK_AES])
    const [len] = s.attributes(key.handle, [P.CKA_VALUE_LEN])
    if (readUlong(len!) !== 32) throw keyNotFound()
    return { keySpec: 'AES_256' as const, keyUsage: ['ENCRYPT', 'DECRYPT'], keyStatus: status(s, key.handle) }
  })
}

export interface XksCiphertext {
  ciphertext: Buffer
  iv: Buffer
  tag: Buffer
}

/**
 * Encrypt with an enabled XKS key.
 *
 * @throws {XksError} KeyNotFoundException, InvalidStateException (disabled); {BridgeError}.
 */
export async function xksEncrypt(ctx: XksKeyContext, externalKeyId: string, plaintext: Buffer, aad: Buffer): Promise<XksCiphertext> {
  const out = await ctx.pool.run(ctx.opTimeoutMs, 'encrypt', async (s) => {
    const key = resolveKey(s, xksObjectId(externalKeyId), P.CKO_SECRET_KEY, [P.CKK_AES])
    if (status(s, key.handle) !== 'ENABLED') return DISABLED
    const iv = randomBytes(GCM_IV_BYTES)
    const expected = plaintext.length + GCM_TAG_BYTES
    const out = await s.encrypt(gcmMechanism(iv, gcmAad(aad, Buffer.alloc(0))), key.handle, plaintext, expected)
    if (out.length !== expected) throw internalError(new Error('unexpected GCM output length'))
    return { ciphertext: out.subarray(0, plaintext.length), tag: out.subarray(plaintext.length), iv }
  })
  if (out === DISABLED) throw disabled()
  return out
}

/**
 * Decrypt with an enabled XKS key.
 *
 * @throws {XksError} KeyNotFoundException, InvalidStateException, InvalidCiphertextException;
 *   {BridgeError}.
 */
export async function xksDecrypt(
  ctx: XksKeyContext,
  externalKeyId: string,
  input: { ciphertext: Buffer; iv: Buffer; tag: Buffer; aad: Buffer; metadata: Buffer },
): Promise<Buffer> {
  const out = await ctx.pool.run(ctx.opTimeoutMs, 'decrypt', async (s) => {
    const key = resolveKey(s, xksObjectId(externalKeyId), P.CKO_SECRET_KEY, [P.CKK_AES])
    if (status(s, key.handle) !== 'ENABLED') return DISABLED
    const data = Buffer.concat([input.ciphertext, input.tag])
    let plaintext: Buffer
    try {
      plaintext = await s.decrypt(gcmMechanism(input.iv, gcmAad(input.aad, input.metadata)), key.handle, data, data.length)
    } catch (err) {
      if (isBadCiphertext(err) && s.isHealthy()) throw invalidCiphertext(err, 'replace')
      throw err
    }
    if (plaintext.length !== input.ciphertext.length) {
      plaintext.fill(0)
      throw internalError(new Error('unexpected GCM output length'))
    }
    return plaintext
  })
  if (out === DISABLED) throw disabled()
  return out
}

/** The spec's ciphertext data integrity value: SHA-256(AAD ‖ metadata ‖ IV ‖ ciphertext ‖ tag). */
export function cdiv(aad: Buffer, metadata: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer): Buffer {
  return createHash('sha256').update(aad).update(metadata).update(iv).update(ciphertext).update(tag).digest()
}

/**
 * Admin: creates the XKS key (idempotent), or enables / disables it.
 *
 * @throws {XksError} KeyNotFoundException (enable/disable of an absent key); {BridgeError}.
 */
export async function adminKey(
  ctx: XksKeyContext,
  externalKeyId: string,
  action: 'create' | 'enable' | 'disable',
): Promise<{ keyStatus: XksKeyStatus; created?: boolean }> {
  const id = xksObjectId(externalKeyId)
  return ctx.pool.run(
    action === 'create' ? Math.max(ctx.opTimeoutMs, 30_000) : ctx.opTimeoutMs,
    action === 'create' ? 'generate' : 'encrypt',
    async (s) => {
      const objects = findKeyObjects(s, id)
      if (action === 'create') {
        if (objects.length > 0) {
          const key = resolveKey(s, id, P.CKO_SECRET_KEY, [P.CKK_AES])
          return { keyStatus: status(s, key.handle), created: false }
        }
        // The same AES-256 object as a KMS HSM key (pkcs11/objects.ts), under the `xks:` id.
        await generateKeyObjects(s, id, 'AES_256')
        return { keyStatus: 'ENABLED' as const, created: true }
      }
      const key = resolveKey(s, id, P.CKO_SECRET_KEY, [P.CKK_AES])
      const on = action === 'enable'
      s.setAttributes(key.handle, [
        { type: P.CKA_ENCRYPT, value: on },
        { type: P.CKA_DECRYPT, value: on },
      ])
      return { keyStatus: status(s, key.handle) }
    },
  )
}
