/**
 * @module core/domain/keys/mac/specs
 *
 * HMAC key specs (Alibaba `CreateKey` KeySpec `HMAC_SHA_224/256/384/512`, KeyUsage
 * `GENERATE/VERIFY_MAC`, used by GenerateMac / VerifyMac). Where Alibaba's documentation is
 * silent this follows AWS KMS's HMAC keys:
 *
 * | KeySpec | Material | Algorithm |
 * |---|---|---|
 * | HMAC_SHA_224 | 28 bytes | HMAC_SHA_224 |
 * | HMAC_SHA_256 | 32 bytes | HMAC_SHA_256 |
 * | HMAC_SHA_384 | 48 bytes | HMAC_SHA_384 |
 * | HMAC_SHA_512 | 64 bytes | HMAC_SHA_512 |
 *
 * - each spec allows exactly its own algorithm (AWS: "the MAC algorithm must be compatible with
 *   the key spec");
 * - messages are 1 to 4096 bytes (AWS's limit; Alibaba's API reference names none);
 * - no automatic rotation and no new versions (AWS: HMAC keys do not rotate), no imported
 *   material (`Origin=EXTERNAL` is `Unsupported.Origin`);
 * - `HMAC_SM3` is `Unsupported.KeySpec` (no SM3 implementation here).
 */
import { invalidParameter, KmsError } from '../../../errors'
import type { MacAlgorithm } from '../../../crypto/mac'
import type { KeyRecord } from '../../model'

export interface MacKeySpec {
  keySpec: 'HMAC_SHA_224' | 'HMAC_SHA_256' | 'HMAC_SHA_384' | 'HMAC_SHA_512'
  algorithm: MacAlgorithm
  /** Key material length in bytes (the hash's output length, as AWS). */
  materialBytes: number
}

export const MAC_KEY_SPECS: Readonly<Record<string, MacKeySpec>> = {
  HMAC_SHA_224: { keySpec: 'HMAC_SHA_224', algorithm: 'HMAC_SHA_224', materialBytes: 28 },
  HMAC_SHA_256: { keySpec: 'HMAC_SHA_256', algorithm: 'HMAC_SHA_256', materialBytes: 32 },
  HMAC_SHA_384: { keySpec: 'HMAC_SHA_384', algorithm: 'HMAC_SHA_384', materialBytes: 48 },
  HMAC_SHA_512: { keySpec: 'HMAC_SHA_512', algorithm: 'HMAC_SHA_512', materialBytes: 64 },
}

export const MAC_KEY_USAGE = 'GENERATE/VERIFY_MAC' as const
/** Longest message GenerateMac / VerifyMac accept (AWS's limit). */
export const MAX_MAC_MESSAGE_BYTES = 4096

/** The HMAC spec of a KeySpec value, or undefined for every other spec. */
export function macKeySpec(keySpec: string): MacKeySpec | undefined {
  return Object.hasOwn(MAC_KEY_SPECS, keySpec) ? MAC_KEY_SPECS[keySpec] : undefined
}

/** Whether `keySpec` is an HMAC spec this service knows but does not implement. */
export function isUnsupportedMacSpec(keySpec: string): boolean {
  return keySpec === 'HMAC_SM3'
}

/**
 * The HMAC spec of `key`, which must be an HMAC key.
 * @throws KmsError key.invalidUsage (`Rejected.UnsupportedKeyUsage`)
 */
export function requireMacKey(key: KeyRecord): MacKeySpec {
  const spec = macKeySpec(key.keySpec)
  if (!spec || key.keyUsage !== MAC_KEY_USAGE) {
    throw new KmsError('key.invalidUsage', `The operation requires a key with the key usage ${MAC_KEY_USAGE}.`)
  }
  return spec
}

/**
 * Checks the request's `Algorithm` against the key's spec.
 * @throws KmsError validation.invalidParameter (Algorithm)
 */
export function assertMacAlgorithm(spec: MacKeySpec, algorithm: string): MacAlgorithm {
  if (algorithm !== spec.algorithm) {
    throw invalidParameter('Algorithm', `the key spec ${spec.keySpec} supports only ${spec.algorithm}.`)
  }
  return spec.algorithm
}

/**
 * @throws KmsError validation.invalidParameter (Message)
 */
export function assertMacMessage(message: Uint8Array): void {
  if (message.length < 1 || message.length > MAX_MAC_MESSAGE_BYTES) {
    throw invalidParameter('Message', `must be the base64 of 1 to ${MAX_MAC_MESSAGE_BYTES} bytes.`)
  }
}
