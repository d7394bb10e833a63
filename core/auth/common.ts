/**
 * @module core/auth/common
 *
 * Small pieces shared by the V1 and ACS3 verifiers: the error constructors, the shape checks on
 * the access key id and nonce, and the key order the SDKs sort by.
 */

import { KmsError } from '../errors'

/** A list of decoded `[name, value]` request parameters. */
export type ParamList = ReadonlyArray<readonly [string, string]>

/** Longest access key id and nonce accepted: generous next to the SDKs' 32-hex nonces. */
export const MAX_ACCESS_KEY_ID_LENGTH = 128
export const MAX_NONCE_LENGTH = 128

/** The sentence every `SignatureDoesNotMatch` message starts with (Alibaba's wording). */
export const SIGNATURE_MISMATCH_MESSAGE = 'Specified signature is not matched with our calculation.'

const VISIBLE_ASCII = /^[\x21-\x7e]+$/

export function incompleteSignature(message: string, details?: Record<string, string | number | boolean>): KmsError {
  return new KmsError('auth.incompleteSignature', message, details === undefined ? {} : { details })
}

/**
 * The order every Alibaba SDK sorts parameter names by: JavaScript's default string order
 * (UTF-16 code units) over the *decoded* names, i.e. `Object.keys(params).sort()` before
 * percent-encoding. This differs from the byte order of the encoded names when a name contains a
 * character that gets escaped (`a-b` < `a/b` here, but `a%2Fb` < `a-b` encoded).
 */
export function compareNames(a: readonly [string, string], b: readonly [string, string]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0
}

/**
 * Rejects an access key id that is empty, too long or not visible ASCII.
 *
 * @throws {KmsError} `auth.incompleteSignature`
 */
export function assertAccessKeyIdShape(accessKeyId: string): void {
  if (accessKeyId.length > MAX_ACCESS_KEY_ID_LENGTH || !VISIBLE_ASCII.test(accessKeyId)) {
    throw incompleteSignature('The AccessKeyId in the request signature is invalid.')
  }
}

/**
 * Rejects a nonce that is empty, too long or not visible ASCII (nonces are stored for replay
 * protection, so their size must be bounded).
 *
 * @throws {KmsError} `auth.incompleteSignature`
 */
export function assertNonceShape(nonce: string): void {
  if (nonce.length > MAX_NONCE_LENGTH || !VISIBLE_ASCII.test(nonce)) {
    throw incompleteSignature('The signature nonce is invalid.')
  }
}
