/**
 * @module functions/aws/kms/data-key-pairs — GenerateDataKeyPair(WithoutPlaintext) (not yet:
 * UnsupportedOperationException).
 */
import { unsupportedOperation } from './unsupported'

export const GenerateDataKeyPair = unsupportedOperation(
  'GenerateDataKeyPair',
  'Data key pairs are not supported by this service; use GenerateDataKey, or an asymmetric key.',
)
export const GenerateDataKeyPairWithoutPlaintext = unsupportedOperation(
  'GenerateDataKeyPairWithoutPlaintext',
  'Data key pairs are not supported by this service; use GenerateDataKeyWithoutPlaintext, or an asymmetric key.',
)
