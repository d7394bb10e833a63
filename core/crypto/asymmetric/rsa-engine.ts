/**
 * @module core/crypto/asymmetric/rsa-engine
 *
 * The port for the RSA operations WebCrypto cannot do, and its one implementation on
 * `node:crypto`.
 *
 * Why: AsymmetricSign/Verify receive a SHA-256 digest, but WebCrypto's RSASSA-PKCS1-v1_5 and
 * RSA-PSS always hash the message themselves; WebCrypto also has no RSAES-PKCS1-v1_5 (needed for
 * BYOK and ExportDataKey wrapping). `node:crypto` under workerd's `nodejs_compat` is backed by
 * BoringSSL and was probed inside workerd 1.20260730 (Miniflare 4.20260730, compatibility date
 * 2026-07-01): `privateEncrypt`/`privateDecrypt`/`publicDecrypt` with `RSA_NO_PADDING` and
 * `RSA_PKCS1_PADDING`, OAEP with `oaepHash` sha1/sha256 (+ `oaepLabel`), and DER PKCS#8/SPKI key
 * input all work; `crypto.sign(null, digest)` and KeyObject arguments to the cipher functions do
 * NOT (so keys are always passed as DER options). Node ≥ 22 has the same API on OpenSSL, which
 * keeps core testable in Node. Raw private operations use the library's blinded, fault-checked
 * RSA private transform; the padding schemes are encoded in ./rsa.ts.
 *
 * Nothing else in core imports `node:*` (this file also takes `Buffer` from `node:buffer`); swap {@link nodeRsaEngine} for another engine (an HSM,
 * a pure-JS implementation) by passing it to the functions of ./rsa.ts.
 */
import { Buffer } from 'node:buffer'
import * as nodeCrypto from 'node:crypto'

/** Hash names for OAEP, as `node:crypto` spells them. */
export type OaepHash = 'sha1' | 'sha256'

/** Raw and padded RSA operations on DER-encoded keys. Every input and output is a fresh buffer. */
export interface RsaEngine {
  /** RSADP/RSASP1 (RFC 8017 §5.1.2/§5.2.1): `m^d mod n`; `m` exactly k bytes and < n. */
  privateRaw(pkcs8: Uint8Array, m: Uint8Array): Uint8Array
  /** RSAEP/RSAVP1: `s^e mod n`; `s` exactly k bytes and < n. */
  publicRaw(spki: Uint8Array, s: Uint8Array): Uint8Array
  /** RSASSA-PKCS1-v1_5 signature primitive over an already-encoded DigestInfo (type-1 padding). */
  privatePkcs1Sign(pkcs8: Uint8Array, digestInfo: Uint8Array): Uint8Array
  /** RSAES-OAEP decryption with MGF1 over the same hash. */
  privateDecryptOaep(pkcs8: Uint8Array, ciphertext: Uint8Array, hash: OaepHash, label?: Uint8Array): Uint8Array
  /** RSAES-PKCS1-v1_5 encryption (public; used only to wrap for a caller's own key). */
  publicEncryptPkcs1(spki: Uint8Array, plaintext: Uint8Array): Uint8Array
  /** Bit length of the modulus. */
  modulusBits(key: { pkcs8: Uint8Array } | { spki: Uint8Array }): number
}

function priv(pkcs8: Uint8Array): { key: Buffer; format: 'der'; type: 'pkcs8' } {
  return { key: Buffer.from(pkcs8.buffer, pkcs8.byteOffset, pkcs8.byteLength), format: 'der', type: 'pkcs8' }
}

function pub(spki: Uint8Array): { key: Buffer; format: 'der'; type: 'spki' } {
  return { key: Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength), format: 'der', type: 'spki' }
}

function fresh(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))
}

const { RSA_NO_PADDING, RSA_PKCS1_PADDING, RSA_PKCS1_OAEP_PADDING } = nodeCrypto.constants

/** The `node:crypto` engine (BoringSSL in workerd, OpenSSL in Node). */
export const nodeRsaEngine: RsaEngine = {
  privateRaw(pkcs8, m) {
    return fresh(nodeCrypto.privateDecrypt({ ...priv(pkcs8), padding: RSA_NO_PADDING }, m))
  },
  publicRaw(spki, s) {
    return fresh(nodeCrypto.publicDecrypt({ ...pub(spki), padding: RSA_NO_PADDING }, s))
  },
  privatePkcs1Sign(pkcs8, digestInfo) {
    return fresh(nodeCrypto.privateEncrypt({ ...priv(pkcs8), padding: RSA_PKCS1_PADDING }, digestInfo))
  },
  privateDecryptOaep(pkcs8, ciphertext, hash, label) {
    return fresh(
      nodeCrypto.privateDecrypt(
        { ...priv(pkcs8), padding: RSA_PKCS1_OAEP_PADDING, oaepHash: hash, ...(label && label.length > 0 ? { oaepLabel: label } : {}) },
        ciphertext,
      ),
    )
  },
  publicEncryptPkcs1(spki, plaintext) {
    return fresh(nodeCrypto.publicEncrypt({ ...pub(spki), padding: RSA_PKCS1_PADDING }, plaintext))
  },
  modulusBits(key) {
    const object = 'pkcs8' in key ? nodeCrypto.createPrivateKey(priv(key.pkcs8)) : nodeCrypto.createPublicKey(pub(key.spki))
    if (object.asymmetricKeyType !== 'rsa') throw new TypeError('not an RSA key')
    const bits = object.asymmetricKeyDetails?.modulusLength
    if (typeof bits !== 'number') throw new TypeError('RSA modulus length unavailable')
    return bits
  },
}
