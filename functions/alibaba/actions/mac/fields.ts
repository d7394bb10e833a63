/**
 * @module functions/alibaba/actions/mac/fields
 *
 * The request both HMAC actions read (not an action): `KeyId`, `Algorithm`, `Message` (base64),
 * `DryRun`, as in Alibaba's API reference (kms-20160120 ≥ 3.0 SDK models).
 */
import { MAX_MAC_MESSAGE_BYTES } from '../../../../core/domain/keys/mac/specs'
import { KEY_ID, base64, optionalBool, text } from '../../fields'

export const MAC_REQUEST = {
  KeyId: KEY_ID,
  Algorithm: text({ max: 64 }),
  // One byte over the limit so the domain reports the size precisely.
  Message: base64(MAX_MAC_MESSAGE_BYTES + 1),
  DryRun: optionalBool(),
}
