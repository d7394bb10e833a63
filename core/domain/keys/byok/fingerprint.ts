/**
 * @module core/domain/keys/byok/fingerprint
 *
 * Alibaba: once material has been imported into a key, only the same material may ever be
 * imported again. The key item keeps a keyed fingerprint of the first material, never the
 * material: `hm1.<rootKeyId>.<base64(HMAC-SHA256(K, keyId ‖ 0x00 ‖ material))>` with
 * `K = HKDF-SHA256(ikm = root key, salt = "", info = "edge-kms/import-fingerprint/v1")`.
 * Keyed (so a stored fingerprint cannot be used to test guesses of a symmetric key offline) and
 * bound to the key id (the same material in two keys gives unrelated fingerprints). The root key
 * id is recorded so fingerprints still verify after root-key rotation.
 *
 * "Material" is canonical: the 32 key bytes for symmetric keys, the DER SubjectPublicKeyInfo
 * for asymmetric keys (which determines the private key), so a re-encoded PKCS#8 of the same key
 * counts as the same material.
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, fromBase64, timingSafeEqual, toBase64, utf8, zeroize } from '../../../crypto/bytes'
import type { RootKeyRing } from '../../../crypto/root-key'
import { KmsError } from '../../../errors'

const INFO = utf8('edge-kms/import-fingerprint/v1')

function mac(rootKey: Uint8Array, keyId: string, material: Uint8Array): Uint8Array {
  const k = hkdf(sha256, rootKey, new Uint8Array(0), INFO, 32)
  try {
    return hmac(sha256, k, concatBytes(utf8(keyId), Uint8Array.of(0), material))
  } finally {
    zeroize(k)
  }
}

/** The fingerprint of `material` for `keyId` under the current root key. */
export function materialFingerprint(ring: RootKeyRing, keyId: string, material: Uint8Array): string {
  return `hm1.${ring.current.id}.${toBase64(mac(ring.current.key, keyId, material))}`
}

/**
 * Whether `material` is the material `stored` was computed from (constant-time comparison).
 * @throws KmsError internal when the fingerprint is malformed or its root key is gone
 */
export function fingerprintMatches(ring: RootKeyRing, keyId: string, stored: string, material: Uint8Array): boolean {
  const m = /^hm1\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9+/=]+)$/.exec(stored)
  const rootKey = m ? ring.byId.get(m[1]!) : undefined
  const expected = m ? fromBase64(m[2]!) : undefined
  if (!rootKey || !expected) throw new KmsError('internal', 'The stored key material fingerprint cannot be checked.')
  return timingSafeEqual(mac(rootKey.key, keyId, material), expected)
}
