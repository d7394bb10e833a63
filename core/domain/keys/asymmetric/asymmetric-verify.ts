/**
 * @module core/domain/keys/asymmetric/asymmetric-verify
 *
 * AsymmetricVerify: check a signature over a SHA-256 digest with one version's public key.
 * A signature that does not verify (including a malformed one) is `false`, never an error.
 * ECDSA accepts DER (what Alibaba and OpenSSL produce) with high or low S. HSM keys verify in
 * the HSM; a signature the HSM refuses as malformed is `false` there too.
 */
import type { KeyRef } from '../common'
import { ecdsaVerifyDigest } from '../../../crypto/asymmetric/ec'
import { rsaVerifyPkcs1Digest, rsaVerifyPssDigest } from '../../../crypto/asymmetric/rsa'
import { sm2VerifyDigest } from '../../../crypto/sm/sm2'
import { KmsError } from '../../../errors'
import type { Caller, KeyRecord } from '../../model'
import type { HsmDeps, KeyDeps } from '../../ports'
import { isHsmKey, withHsmVersion } from '../hsm/hsm-keys'
import { versionPublicKey } from './key-material'
import { resolveSigningVersion } from './resolve-version'
import { PSS_SALT_BYTES } from './specs'

export interface AsymmetricVerifyInput {
  keyId: KeyRef
  versionId: string
  algorithm: string
  digest: Uint8Array
  signature: Uint8Array
  dryRun?: boolean
}

export interface AsymmetricVerifyOutput {
  key: KeyRecord
  versionId: string
  valid: boolean
}

/**
 * @throws KmsError key.* (not found, usage, state, version), validation.invalidParameter
 *   (Algorithm, Digest), dryRun.wouldSucceed
 */
export async function asymmetricVerify(
  deps: Pick<KeyDeps, 'keys' | 'aliases' | 'rsa'> & HsmDeps,
  caller: Caller,
  input: AsymmetricVerifyInput,
): Promise<AsymmetricVerifyOutput> {
  const { key, spec, version, algorithm } = await resolveSigningVersion(deps, caller, input, 'AsymmetricVerify')
  if (isHsmKey(key) && algorithm !== 'SM2DSA') {
    const hsmValid = await withHsmVersion(deps, key, version.versionId, (hsm, id) =>
      hsm.verify(id, algorithm, input.digest, input.signature).catch((err: unknown) => {
        if (KmsError.match(err, 'validation.')) return false
        throw err
      }),
    )
    return { key, versionId: version.versionId, valid: hsmValid }
  }
  const spki = versionPublicKey(version)
  let valid: boolean
  try {
    const { digest, signature } = input
    if (spec.kind === 'sm2') valid = sm2VerifyDigest(spki, digest, signature)
    else if (spec.kind === 'ec') valid = ecdsaVerifyDigest(spec.curve, spki, digest, signature)
    else if (algorithm === 'RSA_PSS_SHA_256') {
      valid = rsaVerifyPssDigest(deps.rsa, spki, spec.bits, digest, signature, 'SHA-256', PSS_SALT_BYTES)
    } else valid = rsaVerifyPkcs1Digest(deps.rsa, spki, spec.bits, digest, signature, 'SHA-256')
  } catch (err) {
    throw new KmsError('internal', 'The stored public key could not be used.', { cause: err })
  }
  return { key, versionId: version.versionId, valid }
}
