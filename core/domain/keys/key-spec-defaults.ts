/**
 * @module core/domain/keys/key-spec-defaults
 *
 * The defaults CreateKey applies to what the caller left out, as Alibaba documents them:
 * "If the key supports signing and verification, the default value [of KeyUsage] is SIGN/VERIFY.
 * Otherwise, the default value is ENCRYPT/DECRYPT." Every asymmetric spec served here (RSA_2048/
 * 3072/4096, EC_P256, EC_P256K) can sign, so each defaults to SIGN/VERIFY; RSA keys for
 * encryption must ask for ENCRYPT/DECRYPT explicitly, as on Alibaba.
 */
import { asymmetricSpec } from './asymmetric/specs'

/** The key usage a key of `keySpec` gets when CreateKey names none. */
export function defaultKeyUsage(keySpec: string): 'ENCRYPT/DECRYPT' | 'SIGN/VERIFY' {
  return asymmetricSpec(keySpec) ? 'SIGN/VERIFY' : 'ENCRYPT/DECRYPT'
}
