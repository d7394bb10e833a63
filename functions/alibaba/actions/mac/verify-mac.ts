/**
 * @module functions/alibaba/actions/mac/verify-mac
 *
 * VerifyMac (HMAC keys, core/domain/keys/mac): GenerateMac's request plus `Mac`; answers `Value`
 * (JSON boolean), with `KeyId`, `Algorithm` and `KeyVersionId` as GenerateMac does.
 */
import { verifyMac } from '../../../../core/domain/keys/mac/verify-mac'
import { keyTarget } from '../../../../core/domain/targets'
import { action } from '../../action'
import { base64 } from '../../fields'
import { KEY, on } from '../../permission'
import { MAC_REQUEST } from './fields'

/** HMAC-SHA-512 tags are 64 bytes; a little slack so a wrong length is `Value: false`. */
const MAX_MAC_BYTES = 256

export const VerifyMac = action({
  name: 'VerifyMac',
  params: { ...MAC_REQUEST, Mac: base64(MAX_MAC_BYTES) },
  // Key use without an encryption context; cross-account like every key use.
  permission: on(KEY, true, true),
  handler: async ({ deps, caller, targets }, input) => {
    const out = await verifyMac(deps, caller, {
      keyId: keyTarget(targets),
      algorithm: input.Algorithm,
      message: input.Message,
      dryRun: input.DryRun,
      mac: input.Mac,
    })
    return { KeyId: out.key.keyId, KeyVersionId: out.versionId, Algorithm: out.algorithm, Value: out.valid }
  },
})
