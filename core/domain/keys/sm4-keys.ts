/**
 * @module core/domain/keys/sm4-keys
 *
 * What differs for `Aliyun_SM4` software keys (Chinese national algorithms): 16-byte version
 * material (SM4 keys are 128 bits; BYOK imports 128 bits for this spec) and the ciphertext-blob
 * suite 0x03 (HKDF-SM3 + SM4-GCM, core/crypto/envelope.ts) instead of 0x01. Everything else —
 * versions, rotation, aliases, the key-state table, the uniform decrypt error — is shared with
 * `Aliyun_AES_256`. SoftHSMv2 has no SM4 mechanism, so these keys are software only.
 */
import { SUITE_SOFTWARE_HKDF_AES256GCM, SUITE_SOFTWARE_HKDF_SM4GCM } from '../../crypto/envelope'

export const SM4_KEY_SPEC = 'Aliyun_SM4'

/** Material length of a new version of a symmetric (encryption) key of `keySpec`. */
export function symmetricMaterialBytes(keySpec: string): number {
  return keySpec === SM4_KEY_SPEC ? 16 : 32
}

/** The software blob suite of a symmetric key of `keySpec`. */
export function blobSuiteOf(keySpec: string): typeof SUITE_SOFTWARE_HKDF_AES256GCM | typeof SUITE_SOFTWARE_HKDF_SM4GCM {
  return keySpec === SM4_KEY_SPEC ? SUITE_SOFTWARE_HKDF_SM4GCM : SUITE_SOFTWARE_HKDF_AES256GCM
}
