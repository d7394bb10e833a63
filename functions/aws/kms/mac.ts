/**
 * @module functions/aws/kms/mac
 *
 * TrentService GenerateMac and VerifyMac over the HMAC descriptors (kms:GenerateMac /
 * kms:VerifyMac on the key). `MacAlgorithm` names are AWS's and the core's alike. A MAC that
 * does not verify is KMSInvalidMacException, as AWS answers it (the core answers `Value: false`).
 */
import { KmsError } from '../../../core/errors'
import { awsKeyArn, keyRefFromAws } from '../arn'
import { awsAction, bool, params, str, type JsonObject } from '../action'
import { alibaba } from './via'

function macRequest(body: JsonObject): Record<string, string | undefined> {
  const keyId = str(body, 'KeyId')
  return {
    KeyId: keyId === undefined ? undefined : keyRefFromAws(keyId),
    Algorithm: str(body, 'MacAlgorithm'),
    Message: str(body, 'Message'),
    DryRun: bool(body, 'DryRun') === undefined ? undefined : String(bool(body, 'DryRun')),
  }
}

export const GenerateMac = awsAction({
  service: 'kms',
  name: 'GenerateMac',
  via: alibaba('GenerateMac'),
  request: (body) => params(macRequest(body)),
  response: (out, call) => ({
    KeyId: awsKeyArn(call.region, call.accountId, String(out.KeyId)),
    Mac: String(out.Mac),
    MacAlgorithm: String(out.Algorithm),
  }),
})

export const VerifyMac = awsAction({
  service: 'kms',
  name: 'VerifyMac',
  via: alibaba('VerifyMac'),
  request: (body) => params({ ...macRequest(body), Mac: str(body, 'Mac') }),
  response(out, call) {
    if (out.Value !== true) throw new KmsError('crypto.invalidMac', 'The MAC did not verify.')
    return { KeyId: awsKeyArn(call.region, call.accountId, String(out.KeyId)), MacValid: true, MacAlgorithm: String(out.Algorithm) }
  },
})
