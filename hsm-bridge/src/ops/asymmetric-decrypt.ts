/**
 * @module hsm-bridge/ops/asymmetric-decrypt
 *
 * `POST /v1/keys/asymmetric-decrypt` `{id, algorithm, ciphertext}` → `{plaintext}`: RSAES-OAEP
 * (RFC 8017 §7.1) with the empty label and MGF1 over the same hash.
 *
 * CKM_RSA_PKCS_OAEP is used when the module accepts the parameters. SoftHSM 2.6.1 accepts only
 * SHA-1 (CKR_ARGUMENTS_BAD for SHA-256); then the HSM does the raw private-key operation
 * (CKM_RSA_X_509) and the bridge strips the padding in constant time ({@link oaepDecode}). What
 * the module supports is learnt once per process. Every failure is one `InvalidCiphertext`.
 */

import type pkcs11js from 'pkcs11js'

import { invalidCiphertext } from '../errors.js'
import { oaepDecode, type OaepHash } from '../oaep.js'
import { isBadCiphertext } from '../pkcs11/errors.js'
import { P, pkcs11Code } from '../pkcs11/module.js'
import { resolveKey } from '../pkcs11/objects.js'
import type { Session } from '../pkcs11/session.js'
import { allowOnly, bytesField, enumField, keyIdField, type Body } from '../validate.js'
import type { OpContext } from './context.js'

export const OAEP_ALGORITHMS = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] as const
export type OaepAlgorithm = (typeof OAEP_ALGORITHMS)[number]

const MAX_MODULUS_BYTES = 512

/** Init failures meaning "these OAEP parameters are not supported", not "bad input". */
const PARAMS_UNSUPPORTED: ReadonlySet<number> = new Set([P.CKR_ARGUMENTS_BAD, P.CKR_MECHANISM_PARAM_INVALID, P.CKR_MECHANISM_INVALID])

export interface AsymmetricDecryptOutput {
  plaintext: string
}

function oaepMechanism(hash: OaepHash): pkcs11js.Mechanism {
  const parameter: pkcs11js.RsaOAEP = {
    type: P.CK_PARAMS_RSA_OAEP,
    hashAlg: hash === 'sha1' ? P.CKM_SHA_1 : P.CKM_SHA256,
    mgf: hash === 'sha1' ? P.CKG_MGF1_SHA1 : P.CKG_MGF1_SHA256,
    // CKZ_DATA_SPECIFIED (PKCS#11 v2.40 §2.1.8); pkcs11js does not export the constant.
    source: 1,
  }
  return { mechanism: P.CKM_RSA_PKCS_OAEP, parameter }
}

/**
 * Decrypts an RSAES-OAEP `ciphertext` with the private key `id`.
 *
 * @throws {BridgeError} ValidationError, InvalidCiphertext, KeyNotFound, UnsupportedOperation,
 *   Unavailable, Timeout, Internal.
 */
export async function asymmetricDecrypt(ctx: OpContext, body: Body): Promise<AsymmetricDecryptOutput> {
  allowOnly(body, ['id', 'algorithm', 'ciphertext'])
  const id = keyIdField(body)
  const algorithm = enumField(body, 'algorithm', OAEP_ALGORITHMS)
  const ciphertext = bytesField(body, 'ciphertext', { min: 1, max: MAX_MODULUS_BYTES })
  const hash: OaepHash = algorithm === 'RSAES_OAEP_SHA_1' ? 'sha1' : 'sha256'
  return ctx.pool.run(ctx.opTimeoutMs, 'asymmetricDecrypt', async (s) => {
    const key = resolveKey(s, id, P.CKO_PRIVATE_KEY, [P.CKK_RSA])
    const [modulus] = s.attributes(key.handle, [P.CKA_MODULUS])
    const k = modulus!.length
    if (ciphertext.length !== k) throw invalidCiphertext()
    try {
      const plaintext =
        hash === 'sha256' && ctx.capabilities.oaepSha256 === 'raw'
          ? await rawDecrypt(s, key.handle, ciphertext, hash, k)
          : await nativeDecrypt(ctx, s, key.handle, ciphertext, hash, k)
      return { plaintext: plaintext.toString('base64') }
    } catch (err) {
      if (isBadCiphertext(err) && s.isHealthy()) throw invalidCiphertext(err, 'replace')
      throw err
    }
  })
}

async function nativeDecrypt(ctx: OpContext, s: Session, key: Buffer, ciphertext: Buffer, hash: OaepHash, k: number): Promise<Buffer> {
  try {
    const plaintext = await s.decrypt(oaepMechanism(hash), key, ciphertext, k)
    if (hash === 'sha256') ctx.capabilities.oaepSha256 = 'native'
    return plaintext
  } catch (err) {
    const code = pkcs11Code(err)
    if (hash === 'sha256' && ctx.capabilities.oaepSha256 === 'unknown' && code !== undefined && PARAMS_UNSUPPORTED.has(code)) {
      ctx.capabilities.oaepSha256 = 'raw'
      return rawDecrypt(s, key, ciphertext, hash, k)
    }
    throw err
  }
}

async function rawDecrypt(s: Session, key: Buffer, ciphertext: Buffer, hash: OaepHash, k: number): Promise<Buffer> {
  const out = await s.decrypt({ mechanism: P.CKM_RSA_X_509 }, key, ciphertext, k)
  // CKM_RSA_X_509 may drop leading zero bytes of the result.
  const em = out.length === k ? out : Buffer.concat([Buffer.alloc(k - out.length), out])
  const message = oaepDecode(em, hash, k)
  em.fill(0)
  out.fill(0)
  if (message === undefined) throw invalidCiphertext(undefined, 'keep')
  return message
}
