/**
 * @module core/platform/node-rsa-engine
 *
 * The {@link RsaEngine} port on `node:crypto`. `node:crypto` under workerd's `nodejs_compat` is
 * backed by BoringSSL and was probed inside workerd 1.20260730 (Miniflare 4.20260730,
 * compatibility date 2026-07-01): `privateEncrypt`/`privateDecrypt`/`publicDecrypt` with
 * `RSA_NO_PADDING` and `RSA_PKCS1_PADDING`, OAEP with `oaepHash` sha1/sha256 (+ `oaepLabel`), and
 * DER PKCS#8/SPKI key input all work; `crypto.sign(null, digest)` and KeyObject arguments to the
 * cipher functions do NOT (so keys are always passed as DER options). Node >= 22 has the same API
 * on OpenSSL, which keeps core testable in Node. Raw private operations use the library's
 * blinded, fault-checked RSA private transform.
 *
 * It lives outside core/crypto and core/domain (which import no `node:*`, enforced by
 * eslint.config.js); functions/deps.ts injects it as `KeyDeps.rsa`.
 */
import { Buffer } from 'node:buffer'
import * as nodeCrypto from 'node:crypto'
import type { RsaEngine } from '../crypto/asymmetric/rsa-engine'

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
