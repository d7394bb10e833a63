/**
 * @module functions/alibaba/actions/asymmetric/generate-and-export-data-key
 *
 * GenerateAndExportDataKey: a new data key, returned encrypted under `KeyId` (`CiphertextBlob`)
 * and wrapped under the caller's public key (`ExportedDataKey`).
 */
import { generateAndExportDataKey } from '../../../../core/domain/keys/asymmetric/export-data-key'
import { keyTarget } from '../../../../core/domain/targets'
import { action } from '../../action'
import { KEY_ID, encryptionContext, optionalInt, optionalText } from '../../fields'
import { keyUse } from '../../permission'
import { WRAPPING } from './fields'

export const GenerateAndExportDataKey = action({
  name: 'GenerateAndExportDataKey',
  params: {
    KeyId: KEY_ID,
    KeySpec: optionalText({ max: 32 }),
    // A wide range on purpose: the domain checks the real one, so an out-of-range size gets its message.
    NumberOfBytes: optionalInt(-1_000_000, 1_000_000),
    EncryptionContext: encryptionContext(),
    ...WRAPPING,
  },
  permission: keyUse(),
  handler: async ({ deps, caller, targets }, input) => {
    const out = await generateAndExportDataKey(deps, caller, {
      keyId: keyTarget(targets),
      keySpec: input.KeySpec,
      numberOfBytes: input.NumberOfBytes,
      context: input.EncryptionContext,
      publicKeyBlob: input.PublicKeyBlob,
      wrappingAlgorithm: input.WrappingAlgorithm,
      wrappingKeySpec: input.WrappingKeySpec,
    })
    return {
      KeyId: out.key.keyId,
      KeyVersionId: out.versionId,
      CiphertextBlob: out.ciphertextBlob,
      ExportedDataKey: out.exportedDataKey,
    }
  },
})
