/**
 * @module functions/alibaba/actions/asymmetric/export-data-key
 *
 * ExportDataKey: re-wraps the data key inside a symmetric `CiphertextBlob` under the caller's
 * public key (`PublicKeyBlob`). It reveals the plaintext of any symmetric blob, so it needs
 * kms:Decrypt on the blob's key as well as kms:ExportDataKey.
 */
import { exportDataKey } from '../../../../core/domain/keys/asymmetric/export-data-key'
import { action } from '../../action'
import { encryptionContext } from '../../fields'
import { MAX_SYMMETRIC_BLOB, WRAPPING, ciphertext } from './fields'

export const ExportDataKey = action({
  name: 'ExportDataKey',
  params: { CiphertextBlob: ciphertext(MAX_SYMMETRIC_BLOB), EncryptionContext: encryptionContext(), ...WRAPPING },
  permission: {
    checks: [
      { resource: { kind: 'blob', param: 'CiphertextBlob' }, contextParam: 'EncryptionContext' },
      { action: 'kms:Decrypt', resource: { kind: 'blob', param: 'CiphertextBlob' }, contextParam: 'EncryptionContext' },
    ],
    readOnly: true,
    crossAccount: true,
  },
  handler: async ({ deps, caller, targets }, input) => {
    const out = await exportDataKey(deps, caller, {
      // The blob's key in the account it was authorised in (also another account's).
      ...(targets.blob ? { owner: targets.blob } : {}),
      ciphertextBlob: input.CiphertextBlob,
      context: input.EncryptionContext,
      publicKeyBlob: input.PublicKeyBlob,
      wrappingAlgorithm: input.WrappingAlgorithm,
      wrappingKeySpec: input.WrappingKeySpec,
    })
    return { KeyId: out.key.keyId, KeyVersionId: out.versionId, ExportedDataKey: out.exportedDataKey }
  },
})
