/**
 * @module core/domain/keys/asymmetric/asymmetric-sign
 *
 * AsymmetricSign: sign a caller-supplied SHA-256 digest with one version of a SIGN/VERIFY key.
 * RSA_PSS_SHA_256 (MGF1-SHA-256, 32-byte random salt) and RSA_PKCS1_SHA_256 through the RSA
 * engine; ECDSA_SHA_256 through @noble/curves, DER-encoded as Alibaba returns it. HSM keys
 * sign in the HSM (same algorithms and encodings). SM2DSA signs e = SM3(Z_A ‖ M), which the caller
 * computes and sends as `Digest` (Alibaba's AsymmetricSign doc), DER-encoded (core/crypto/sm/sm2.ts).
 */
import type { KeyRef } from '../common'
import { ecdsaSignDigest } from '../../../crypto/asymmetric/ec'
import { rsaSignPkcs1Digest, rsaSignPssDigest } from '../../../crypto/asymmetric/rsa'
import { zeroize } from '../../../crypto/bytes'
import { sm2SignDigest } from '../../../crypto/sm/sm2'
import { KmsError } from '../../../errors'
import type { Caller, KeyRecord } from '../../model'
import type { HsmDeps, KeyDeps } from '../../ports'
import { isHsmKey, withHsmVersion } from '../hsm/hsm-keys'
import { unwrapPrivateKey } from './key-material'
import { resolveSigningVersion } from './resolve-version'
import { PSS_SALT_BYTES } from './specs'

export interface AsymmetricSignInput {
  keyId: KeyRef
  versionId: string
  algorithm: string
  /** The SHA-256 digest of the message (32 bytes). */
  digest: Uint8Array
  dryRun?: boolean
}

export interface AsymmetricSignOutput {
  key: KeyRecord
  versionId: string
  /** RSA: k bytes; ECDSA: DER `SEQUENCE { r, s }`. */
  signature: Uint8Array
}

/**
 * @throws KmsError key.* (not found, usage, state, version), validation.invalidParameter
 *   (Algorithm, Digest), dryRun.wouldSucceed
 */
export async function asymmetricSign(
  deps: Pick<KeyDeps, 'keys' | 'aliases' | 'rootKeys' | 'random' | 'rsa'> & HsmDeps,
  caller: Caller,
  input: AsymmetricSignInput,
): Promise<AsymmetricSignOutput> {
  const { key, spec, version, algorithm } = await resolveSigningVersion(deps, caller, input, 'AsymmetricSign')
  if (isHsmKey(key) && algorithm !== 'SM2DSA') {
    const signature = await withHsmVersion(deps, key, version.versionId, (hsm, id) => hsm.sign(id, algorithm, input.digest))
    return { key, versionId: version.versionId, signature }
  }
  const pkcs8 = await unwrapPrivateKey(deps, key, version.versionId)
  try {
    let signature: Uint8Array
    if (spec.kind === 'sm2') {
      signature = sm2SignDigest(pkcs8, input.digest, deps.random)
    } else if (spec.kind === 'ec') {
      signature = ecdsaSignDigest(spec.curve, pkcs8, input.digest, deps.random)
    } else if (algorithm === 'RSA_PSS_SHA_256') {
      signature = rsaSignPssDigest(deps.rsa, pkcs8, spec.bits, input.digest, 'SHA-256', PSS_SALT_BYTES, deps.random)
    } else {
      signature = rsaSignPkcs1Digest(deps.rsa, pkcs8, input.digest, 'SHA-256')
    }
    return { key, versionId: version.versionId, signature }
  } catch (err) {
    if (err instanceof KmsError) throw err
    throw new KmsError('internal', 'The signature could not be computed.', { cause: err })
  } finally {
    zeroize(pkcs8)
  }
}
