/**
 * @module hsm-bridge/ops/signing
 *
 * Signing algorithms over a caller-computed SHA-256 digest, and their PKCS#11 mechanisms:
 * - RSA_PSS_SHA_256: CKM_RSA_PKCS_PSS, hash SHA-256, MGF1-SHA-256, 32-byte salt (RFC 8017 §8.1).
 * - RSA_PKCS1_SHA_256: CKM_RSA_PKCS over DigestInfo(SHA-256) ‖ digest (RFC 8017 §8.2, §9.2).
 * - ECDSA_SHA_256: CKM_ECDSA over the digest (SoftHSM 2.6.1 has no CKM_ECDSA_SHA256, and the
 *   digest is pre-computed anyway); raw r‖s on the PKCS#11 side, DER on the wire.
 */

import type pkcs11js from 'pkcs11js'

import { SHA256_DIGEST_INFO_PREFIX } from '../der.js'
import { P } from '../pkcs11/module.js'

export const SIGNING_ALGORITHMS = ['RSA_PSS_SHA_256', 'RSA_PKCS1_SHA_256', 'ECDSA_SHA_256'] as const
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number]

export const DIGEST_BYTES = 32
/** RSA-4096 signatures are 512 bytes; DER P-256 signatures at most 72. */
export const MAX_SIGNATURE_BYTES = 512

/**
 * Key type required by `algorithm`.
 *
 * @throws never
 */
export function keyTypeFor(algorithm: SigningAlgorithm): number {
  return algorithm === 'ECDSA_SHA_256' ? P.CKK_EC : P.CKK_RSA
}

/**
 * The mechanism and the data to pass to C_Sign / C_Verify for `digest`.
 *
 * @throws never
 */
export function signingInput(algorithm: SigningAlgorithm, digest: Buffer): { mechanism: pkcs11js.Mechanism; data: Buffer } {
  switch (algorithm) {
    case 'RSA_PSS_SHA_256': {
      const parameter: pkcs11js.RsaPSS = {
        type: P.CK_PARAMS_RSA_PSS,
        hashAlg: P.CKM_SHA256,
        mgf: P.CKG_MGF1_SHA256,
        saltLen: DIGEST_BYTES,
      }
      return { mechanism: { mechanism: P.CKM_RSA_PKCS_PSS, parameter }, data: digest }
    }
    case 'RSA_PKCS1_SHA_256':
      return {
        mechanism: { mechanism: P.CKM_RSA_PKCS },
        data: Buffer.concat([SHA256_DIGEST_INFO_PREFIX, digest]),
      }
    case 'ECDSA_SHA_256':
      return { mechanism: { mechanism: P.CKM_ECDSA }, data: digest }
  }
}
