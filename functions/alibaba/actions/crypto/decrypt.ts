/** @module functions/alibaba/actions/crypto/decrypt — Decrypt: authorised on the key named inside the blob, in its account. */
import { toBase64, zeroize } from '../../../../core/crypto/bytes'
import { decrypt } from '../../../../core/domain/keys/symmetric-crypto'
import { action } from '../../action'
import { encryptionContext, optionalBool } from '../../fields'
import { on } from '../../permission'
import { withExternal } from '../key-stores/external'
import { CIPHERTEXT_BLOB } from './fields'

export const Decrypt = action({
  name: 'Decrypt',
  params: { CiphertextBlob: CIPHERTEXT_BLOB, EncryptionContext: encryptionContext(), DryRun: optionalBool() },
  permission: on({ kind: 'blob', param: 'CiphertextBlob' }, true, true, 'EncryptionContext'),
  handler: async ({ deps, caller, env, targets }, input) => {
    const out = await decrypt(withExternal(deps, env), caller, {
      ciphertextBlob: input.CiphertextBlob,
      context: input.EncryptionContext,
      dryRun: input.DryRun,
      ...(targets.blob ? { owner: targets.blob } : {}),
    })
    const body = { KeyId: out.key.keyId, KeyVersionId: out.versionId, Plaintext: toBase64(out.plaintext) }
    zeroize(out.plaintext)
    return body
  },
})
