/**
 * @module functions/alibaba/actions/mac/generate-mac
 *
 * GenerateMac (HMAC keys, core/domain/keys/mac): answers `KeyId`, `Algorithm` and `Mac` (base64).
 * `KeyId` is the key's id, also when the request named an alias or ARN. The answer also carries
 * `KeyVersionId` (not in Alibaba's models, which ignore unknown fields; Encrypt and AsymmetricSign
 * return it too), so the audit event records the version used.
 */
import { toBase64 } from '../../../../core/crypto/bytes'
import { generateMac } from '../../../../core/domain/keys/mac/generate-mac'
import { keyTarget } from '../../../../core/domain/targets'
import { action } from '../../action'
import { KEY, on } from '../../permission'
import { MAC_REQUEST } from './fields'

export const GenerateMac = action({
  name: 'GenerateMac',
  params: MAC_REQUEST,
  // Key use without an encryption context; cross-account like every key use.
  permission: on(KEY, true, true),
  handler: async ({ deps, caller, targets }, input) => {
    const out = await generateMac(deps, caller, {
      keyId: keyTarget(targets),
      algorithm: input.Algorithm,
      message: input.Message,
      dryRun: input.DryRun,
    })
    return { KeyId: out.key.keyId, KeyVersionId: out.versionId, Algorithm: out.algorithm, Mac: toBase64(out.mac) }
  },
})
