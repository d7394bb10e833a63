/** @module functions/alibaba/actions/crypto/encrypt — Encrypt (also under another account's key, by policy). */
import { zeroize } from '../../../../core/crypto/bytes'
import { encrypt, MAX_ENCRYPT_PLAINTEXT } from '../../../../core/domain/keys/symmetric-crypto'
import { keyTarget } from '../../../../core/domain/targets'
import { action } from '../../action'
import { base64, encryptionContext, KEY_ID, optionalBool } from '../../fields'
import { keyUse } from '../../permission'
import { withExternal } from '../key-stores/external'

export const Encrypt = action({
  name: 'Encrypt',
  params: { Plaintext: base64(MAX_ENCRYPT_PLAINTEXT), KeyId: KEY_ID, EncryptionContext: encryptionContext(), DryRun: optionalBool() },
  permission: keyUse(),
  handler: async ({ deps, caller, env, targets }, input) => {
    try {
      const out = await encrypt(withExternal(deps, env), caller, {
        keyId: keyTarget(targets),
        plaintext: input.Plaintext,
        context: input.EncryptionContext,
        dryRun: input.DryRun,
      })
      return { KeyId: out.key.keyId, KeyVersionId: out.versionId, CiphertextBlob: out.ciphertextBlob }
    } finally {
      zeroize(input.Plaintext)
    }
  },
})
