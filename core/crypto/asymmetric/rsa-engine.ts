/**
 * @module core/crypto/asymmetric/rsa-engine
 *
 * The port for the RSA operations WebCrypto cannot do. Its implementation on `node:crypto` lives
 * outside core/crypto (core/platform/node-rsa-engine.ts) and reaches the domain through the deps
 * (`KeyDeps.rsa`, built in functions/deps.ts), so core/crypto and core/domain import no `node:*`.
 *
 * Why: AsymmetricSign/Verify receive a SHA-256 digest, but WebCrypto's RSASSA-PKCS1-v1_5 and
 * RSA-PSS always hash the message themselves; WebCrypto also has no RSAES-PKCS1-v1_5 (needed for
 * BYOK and ExportDataKey wrapping). The padding schemes are encoded in ./rsa.ts; an engine only
 * does the raw and padded primitives. Swap the engine (an HSM, a pure-JS implementation) by
 * passing another one in the deps.
 */

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
