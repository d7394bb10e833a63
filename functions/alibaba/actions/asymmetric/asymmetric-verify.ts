/**
 * @module functions/alibaba/actions/asymmetric/asymmetric-verify — AsymmetricVerify: checks a
 * signature (`Value`) over a digest; the answer's `Value` is a JSON boolean.
 */
import { asymmetricVerify } from '../../../../core/domain/keys/asymmetric/asymmetric-verify'
import { keyTarget } from '../../../../core/domain/targets'
import { action } from '../../action'
import { base64, optionalBool } from '../../fields'
import { keyUse } from '../../permission'
import { ALGORITHM, KEY_AND_VERSION, MAX_DIGEST_BYTES, MAX_SIGNATURE_BYTES } from './fields'

export const AsymmetricVerify = action({
  name: 'AsymmetricVerify',
  params: {
    ...KEY_AND_VERSION,
    Algorithm: ALGORITHM,
    Digest: base64(MAX_DIGEST_BYTES),
    Value: base64(MAX_SIGNATURE_BYTES),
    DryRun: optionalBool(),
  },
  permission: keyUse(),
  handler: async ({ deps, caller, targets }, input) => {
    const out = await asymmetricVerify(deps, caller, {
      keyId: keyTarget(targets),
      versionId: input.KeyVersionId,
      algorithm: input.Algorithm,
      digest: input.Digest,
      signature: input.Value,
      dryRun: input.DryRun,
    })
    return { KeyId: out.key.keyId, KeyVersionId: out.versionId, Value: out.valid }
  },
})
