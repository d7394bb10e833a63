/**
 * @module core/domain/keys/asymmetric/asymmetric-decrypt
 *
 * AsymmetricDecrypt: RSAES-OAEP decryption with one version's private key, through the RSA
 * engine (constant-time OAEP decoding in BoringSSL/OpenSSL). Every failure caused by the
 * ciphertext — wrong length, wrong key or version, wrong algorithm, tampering — is the one
 * uniform `crypto.invalidCiphertext`. HSM keys decrypt in the HSM (OAEP decoding there). EC_SM2 keys
 * decrypt SM2PKE (GM/T 0009 DER) ciphertexts in software (core/crypto/sm/sm2.ts), with the same
 * uniform error.
 */
import { modulusBytes, rsaOaepDecrypt } from '../../../crypto/asymmetric/rsa'
import { zeroize } from '../../../crypto/bytes'
import { sm2Decrypt } from '../../../crypto/sm/sm2'
import { invalidCiphertext, KmsError } from '../../../errors'
import type { Caller, KeyRecord } from '../../model'
import type { HsmDeps, KeyDeps } from '../../ports'
import { isHsmKey, withHsmVersion } from '../hsm/hsm-keys'
import type { KeyRef } from '../common'
import type { KeyOperation } from '../key-state-table'
import { unwrapPrivateKey } from './key-material'
import { dryRunSucceeded, resolveAsymmetricVersion } from './resolve-version'
import { assertEncryptAlgorithm, oaepHashOf } from './specs'

export interface AsymmetricDecryptInput {
  keyId: KeyRef
  versionId: string
  algorithm: string
  ciphertext: Uint8Array
  dryRun?: boolean
}

export interface AsymmetricDecryptOutput {
  key: KeyRecord
  versionId: string
  /** Owned by the caller, who must zeroize it. */
  plaintext: Uint8Array
}

/**
 * @throws KmsError key.* (not found, usage, state, version), validation.invalidParameter
 *   (Algorithm), crypto.invalidCiphertext, dryRun.wouldSucceed
 */
export async function asymmetricDecrypt(
  deps: Pick<KeyDeps, 'keys' | 'aliases' | 'rootKeys' | 'rsa'> & HsmDeps,
  caller: Caller,
  input: AsymmetricDecryptInput,
  operation: KeyOperation = 'AsymmetricDecrypt',
): Promise<AsymmetricDecryptOutput> {
  const { key, spec, version } = await resolveAsymmetricVersion(deps, caller, input.keyId, input.versionId, operation, 'ENCRYPT/DECRYPT')
  const algorithm = assertEncryptAlgorithm(spec, input.algorithm)
  if (algorithm === 'SM2PKE') {
    const pkcs8 = await unwrapPrivateKey(deps, key, version.versionId)
    let sm2Plaintext: Uint8Array
    try {
      sm2Plaintext = sm2Decrypt(pkcs8, input.ciphertext)
    } catch (err) {
      throw invalidCiphertext(err)
    } finally {
      zeroize(pkcs8)
    }
    if (input.dryRun) {
      zeroize(sm2Plaintext)
      throw dryRunSucceeded()
    }
    return { key, versionId: version.versionId, plaintext: sm2Plaintext }
  }
  if (spec.kind !== 'rsa') throw new KmsError('key.invalidUsage', 'The key cannot decrypt.')
  if (input.ciphertext.length !== modulusBytes(spec.bits)) throw invalidCiphertext()
  let plaintext: Uint8Array
  if (isHsmKey(key)) {
    plaintext = await withHsmVersion(deps, key, version.versionId, (hsm, id) =>
      hsm.asymmetricDecrypt(id, algorithm, input.ciphertext).catch((err: unknown) => {
        if (KmsError.match(err, 'validation.')) throw invalidCiphertext(err)
        throw err
      }),
    )
  } else {
    const pkcs8 = await unwrapPrivateKey(deps, key, version.versionId)
    try {
      plaintext = rsaOaepDecrypt(deps.rsa, pkcs8, input.ciphertext, oaepHashOf(algorithm))
    } catch (err) {
      throw invalidCiphertext(err)
    } finally {
      zeroize(pkcs8)
    }
  }
  // DryRun decrypts too (and discards): "would have succeeded" only for a ciphertext that opens.
  if (input.dryRun) {
    zeroize(plaintext)
    throw dryRunSucceeded()
  }
  return { key, versionId: version.versionId, plaintext }
}
