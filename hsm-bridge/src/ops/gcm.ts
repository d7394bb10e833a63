/**
 * @module hsm-bridge/ops/gcm
 *
 * The CKM_AES_GCM mechanism as the bridge uses it: 96-bit IV, 128-bit tag appended to the
 * ciphertext (PKCS#11 v2.40 §2.12.3; NIST SP 800-38D). One IV size only, as the KMS requires.
 */

import type pkcs11js from 'pkcs11js'

import { P } from '../pkcs11/module.js'

export const GCM_IV_BYTES = 12
export const GCM_TAG_BYTES = 16
export const MAX_PLAINTEXT_BYTES = 64 * 1024
export const MAX_AAD_BYTES = 64 * 1024

/**
 * The mechanism for one GCM invocation.
 *
 * @throws never
 */
export function gcmMechanism(iv: Buffer, aad: Buffer): pkcs11js.Mechanism {
  const parameter: pkcs11js.AesGCM = {
    type: P.CK_PARAMS_AES_GCM,
    iv,
    ...(aad.length > 0 ? { aad } : {}),
    ivBits: GCM_IV_BYTES * 8,
    tagBits: GCM_TAG_BYTES * 8,
  }
  return { mechanism: P.CKM_AES_GCM, parameter }
}
