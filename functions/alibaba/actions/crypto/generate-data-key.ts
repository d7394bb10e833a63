/**
 * @module functions/alibaba/actions/crypto/generate-data-key — GenerateDataKey and
 * GenerateDataKeyWithoutPlaintext (also under another account's key, by policy).
 */
import { toBase64, zeroize } from '../../../../core/crypto/bytes'
import { generateDataKey } from '../../../../core/domain/keys/symmetric-crypto'
import { keyTarget } from '../../../../core/domain/targets'
import { action, type ActionDescriptor } from '../../action'
import { encryptionContext, KEY_ID, optionalBool, optionalInt, optionalText } from '../../fields'
import { keyUse } from '../../permission'
import { withExternal } from '../key-stores/external'

const PARAMS = {
  KeyId: KEY_ID,
  KeySpec: optionalText({ max: 32 }),
  NumberOfBytes: optionalInt(-1_000_000, 1_000_000),
  EncryptionContext: encryptionContext(),
  DryRun: optionalBool(),
}

function dataKeyAction(name: string, withoutPlaintext: boolean): ActionDescriptor<typeof PARAMS> {
  return action({
    name,
    params: PARAMS,
    permission: keyUse(),
    handler: async ({ deps, caller, env, targets }, input) => {
      const out = await generateDataKey(withExternal(deps, env), caller, {
        keyId: keyTarget(targets),
        keySpec: input.KeySpec,
        numberOfBytes: input.NumberOfBytes,
        context: input.EncryptionContext,
        dryRun: input.DryRun,
        withoutPlaintext,
      })
      const body: Record<string, unknown> = { KeyId: out.key.keyId, KeyVersionId: out.versionId, CiphertextBlob: out.ciphertextBlob }
      if (!withoutPlaintext) body.Plaintext = toBase64(out.plaintext)
      zeroize(out.plaintext)
      return body
    },
  })
}

export const GenerateDataKey = dataKeyAction('GenerateDataKey', false)
export const GenerateDataKeyWithoutPlaintext = dataKeyAction('GenerateDataKeyWithoutPlaintext', true)
