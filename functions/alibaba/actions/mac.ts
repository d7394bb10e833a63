/**
 * @module functions/alibaba/actions/mac
 *
 * GenerateMac and VerifyMac (HMAC keys, core/domain/keys/mac). Request and response fields as
 * in Alibaba's API reference (kms-20160120 ≥ 3.0 SDK models): GenerateMac `KeyId`, `Message`
 * (base64), `Algorithm`, `DryRun` → `KeyId`, `Algorithm`, `Mac` (base64); VerifyMac adds `Mac`
 * and answers `Value` (JSON boolean). `KeyId` in the response is the key's id, also when the
 * request named an alias or ARN. Both responses also carry `KeyVersionId` (not in Alibaba's
 * models, which ignore unknown fields; Encrypt and AsymmetricSign return it too), so the audit
 * event records the version used.
 */
import { toBase64 } from '../../../core/crypto/bytes'
import { generateMac } from '../../../core/domain/keys/mac/generate-mac'
import { verifyMac } from '../../../core/domain/keys/mac/verify-mac'
import { MAX_MAC_MESSAGE_BYTES } from '../../../core/domain/keys/mac/specs'
import type { ActionHandler } from '../context'
import type { Params } from '../params'

/** HMAC-SHA-512 tags are 64 bytes; a little slack so a wrong length is `Value: false`. */
const MAX_MAC_BYTES = 256

function macRequest(params: Params) {
  return {
    keyId: params.string('KeyId', { max: 512 }),
    algorithm: params.string('Algorithm', { max: 64 }),
    // One byte over the limit so the domain reports the size precisely.
    message: params.base64('Message', MAX_MAC_MESSAGE_BYTES + 1),
    dryRun: params.optionalBoolean('DryRun'),
  }
}

export const GenerateMac: ActionHandler = async ({ deps, caller, params }) => {
  const out = await generateMac(deps, caller, macRequest(params))
  return { KeyId: out.key.keyId, KeyVersionId: out.versionId, Algorithm: out.algorithm, Mac: toBase64(out.mac) }
}

export const VerifyMac: ActionHandler = async ({ deps, caller, params }) => {
  const out = await verifyMac(deps, caller, { ...macRequest(params), mac: params.base64('Mac', MAX_MAC_BYTES) })
  return { KeyId: out.key.keyId, KeyVersionId: out.versionId, Algorithm: out.algorithm, Value: out.valid }
}
