/**
 * @module core/domain/keys/asymmetric/asymmetric-encrypt
 *
 * AsymmetricEncrypt: RSAES-OAEP (SHA-256 or SHA-1, MGF1 over the same hash, empty label) with
 * one version's public key, through WebCrypto. The ciphertext is the raw RSA output (Alibaba:
 * decrypting needs KeyId and KeyVersionId again). Plaintext limits are OAEP's k − 2·hLen − 2,
 * which are Alibaba's published limits (RSA_2048: 190 / 214 bytes, RSA_3072: 318 / 342 bytes;
 * RSA_4096: 446 / 470 bytes). EC_SM2 keys encrypt with SM2PKE (core/crypto/sm/sm2.ts, GM/T 0009
 * DER ciphertext), 1–6047 bytes as Alibaba documents.
 */
import type { KeyRef } from '../common'
import { oaepMaxPlaintext, rsaOaepEncrypt } from '../../../crypto/asymmetric/rsa'
import { sm2Encrypt } from '../../../crypto/sm/sm2'
import { invalidParameter, KmsError } from '../../../errors'
import type { Caller, KeyRecord } from '../../model'
import type { KeyDeps } from '../../ports'
import { versionPublicKey } from './key-material'
import { dryRunSucceeded, resolveAsymmetricVersion } from './resolve-version'
import { assertEncryptAlgorithm, oaepHashOf, SM2PKE_MAX_PLAINTEXT } from './specs'

export interface AsymmetricEncryptInput {
  keyId: KeyRef
  versionId: string
  algorithm: string
  plaintext: Uint8Array
  dryRun?: boolean
}

export interface AsymmetricEncryptOutput {
  key: KeyRecord
  versionId: string
  ciphertext: Uint8Array
}

/**
 * @throws KmsError key.* (not found, usage, state, version), validation.invalidParameter
 *   (Algorithm, Plaintext over the limit), dryRun.wouldSucceed
 */
export async function asymmetricEncrypt(
  deps: Pick<KeyDeps, 'keys' | 'aliases'>,
  caller: Caller,
  input: AsymmetricEncryptInput,
): Promise<AsymmetricEncryptOutput> {
  const { key, spec, version } = await resolveAsymmetricVersion(
    deps,
    caller,
    input.keyId,
    input.versionId,
    'AsymmetricEncrypt',
    'ENCRYPT/DECRYPT',
  )
  const algorithm = assertEncryptAlgorithm(spec, input.algorithm)
  if (algorithm === 'SM2PKE') {
    if (input.plaintext.length === 0 || input.plaintext.length > SM2PKE_MAX_PLAINTEXT) {
      throw invalidParameter('Plaintext', `must be 1 to ${SM2PKE_MAX_PLAINTEXT} bytes for EC_SM2 with SM2PKE.`)
    }
    if (input.dryRun) throw dryRunSucceeded()
    try {
      return { key, versionId: version.versionId, ciphertext: sm2Encrypt(versionPublicKey(version), input.plaintext) }
    } catch (err) {
      if (err instanceof KmsError) throw err
      throw new KmsError('internal', 'The stored public key could not be used.', { cause: err })
    }
  }
  if (spec.kind !== 'rsa') throw new KmsError('key.invalidUsage', 'The key cannot encrypt.')
  const hash = oaepHashOf(algorithm)
  const max = oaepMaxPlaintext(spec.bits, hash)
  if (input.plaintext.length === 0 || input.plaintext.length > max) {
    throw invalidParameter('Plaintext', `must be 1 to ${max} bytes for ${spec.keySpec} with ${algorithm}.`)
  }
  if (input.dryRun) throw dryRunSucceeded()
  try {
    const ciphertext = await rsaOaepEncrypt(versionPublicKey(version), input.plaintext, hash)
    return { key, versionId: version.versionId, ciphertext }
  } catch (err) {
    if (err instanceof KmsError) throw err
    throw new KmsError('internal', 'The stored public key could not be used.', { cause: err })
  }
}
