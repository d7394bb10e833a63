/** @module functions/alibaba/actions/asymmetric/asymmetric-sign — AsymmetricSign: signs a digest (`Digest`, base64) with one key version. */
import { toBase64 } from '../../../../core/crypto/bytes'
import { asymmetricSign } from '../../../../core/domain/keys/asymmetric/asymmetric-sign'
import { keyTarget } from '../../../../core/domain/targets'
import { action } from '../../action'
import { base64, optionalBool } from '../../fields'
import { keyUse } from '../../permission'
import { ALGORITHM, KEY_AND_VERSION, MAX_DIGEST_BYTES } from './fields'

export const AsymmetricSign = action({
  name: 'AsymmetricSign',
  params: { ...KEY_AND_VERSION, Algorithm: ALGORITHM, Digest: base64(MAX_DIGEST_BYTES), DryRun: optionalBool() },
  permission: keyUse(),
  handler: async ({ deps, caller, targets }, input) => {
    const out = await asymmetricSign(deps, caller, {
      keyId: keyTarget(targets),
      versionId: input.KeyVersionId,
      algorithm: input.Algorithm,
      digest: input.Digest,
      dryRun: input.DryRun,
    })
    return { KeyId: out.key.keyId, KeyVersionId: out.versionId, Value: toBase64(out.signature) }
  },
})
