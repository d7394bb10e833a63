/**
 * @module functions/alibaba/actions/asymmetric/asymmetric-encrypt — AsymmetricEncrypt: encrypts a
 * short plaintext (base64) under one key version's public key; the plaintext is zeroized after.
 */
import { toBase64, zeroize } from '../../../../core/crypto/bytes'
import { asymmetricEncrypt } from '../../../../core/domain/keys/asymmetric/asymmetric-encrypt'
import { keyTarget } from '../../../../core/domain/targets'
import { action } from '../../action'
import { base64, optionalBool } from '../../fields'
import { keyUse } from '../../permission'
import { ALGORITHM, KEY_AND_VERSION, MAX_ASYMMETRIC_PLAINTEXT } from './fields'

export const AsymmetricEncrypt = action({
  name: 'AsymmetricEncrypt',
  // Plaintext first: it is the parameter reported when several are wrong, as before.
  params: { Plaintext: base64(MAX_ASYMMETRIC_PLAINTEXT), ...KEY_AND_VERSION, Algorithm: ALGORITHM, DryRun: optionalBool() },
  permission: keyUse(),
  handler: async ({ deps, caller, targets }, input) => {
    try {
      const out = await asymmetricEncrypt(deps, caller, {
        keyId: keyTarget(targets),
        versionId: input.KeyVersionId,
        algorithm: input.Algorithm,
        plaintext: input.Plaintext,
        dryRun: input.DryRun,
      })
      return { KeyId: out.key.keyId, KeyVersionId: out.versionId, CiphertextBlob: toBase64(out.ciphertext) }
    } finally {
      zeroize(input.Plaintext)
    }
  },
})
