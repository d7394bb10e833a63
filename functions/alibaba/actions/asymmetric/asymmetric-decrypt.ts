/**
 * @module functions/alibaba/actions/asymmetric/asymmetric-decrypt — AsymmetricDecrypt: decrypts
 * with one key version's private key; a malformed ciphertext is the uniform InvalidCiphertext.
 */
import { toBase64, zeroize } from '../../../../core/crypto/bytes'
import { asymmetricDecrypt } from '../../../../core/domain/keys/asymmetric/asymmetric-decrypt'
import { keyTarget } from '../../../../core/domain/targets'
import { action } from '../../action'
import { optionalBool } from '../../fields'
import { keyUse } from '../../permission'
import { ALGORITHM, KEY_AND_VERSION, MAX_ASYMMETRIC_CIPHERTEXT, ciphertext } from './fields'

export const AsymmetricDecrypt = action({
  name: 'AsymmetricDecrypt',
  params: {
    ...KEY_AND_VERSION,
    Algorithm: ALGORITHM,
    CiphertextBlob: ciphertext(MAX_ASYMMETRIC_CIPHERTEXT),
    DryRun: optionalBool(),
  },
  permission: keyUse(),
  handler: async ({ deps, caller, targets }, input) => {
    const out = await asymmetricDecrypt(deps, caller, {
      keyId: keyTarget(targets),
      versionId: input.KeyVersionId,
      algorithm: input.Algorithm,
      ciphertext: input.CiphertextBlob,
      dryRun: input.DryRun,
    })
    const body = { KeyId: out.key.keyId, KeyVersionId: out.versionId, Plaintext: toBase64(out.plaintext) }
    zeroize(out.plaintext)
    return body
  },
})
