/**
 * @module functions/aws/kms/unsupported
 *
 * TrentService operations this service knows but does not implement, answered with a clear
 * UnsupportedOperationException (not UnknownOperationException) after authentication and
 * authorisation (kms:<Operation> on the service), and audited like any refused call:
 * - grants (CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant): the core
 *   has no grants or grant tokens; use key policies and RAM policies;
 * - GenerateDataKeyPair(WithoutPlaintext): the core has no data key pairs (GenerateDataKey and
 *   asymmetric keys are available).
 */
import { KmsError } from '../../../core/errors'
import { action } from '../../alibaba/action'
import { on } from '../../alibaba/permission'
import { awsAction, type AwsAction } from '../action'

const WHY: Readonly<Record<string, string>> = {
  CreateGrant: 'Grants are not supported by this service; use key policies (PutKeyPolicy) or RAM policies.',
  ListGrants: 'Grants are not supported by this service; use key policies (PutKeyPolicy) or RAM policies.',
  ListRetirableGrants: 'Grants are not supported by this service; use key policies (PutKeyPolicy) or RAM policies.',
  RetireGrant: 'Grants are not supported by this service; use key policies (PutKeyPolicy) or RAM policies.',
  RevokeGrant: 'Grants are not supported by this service; use key policies (PutKeyPolicy) or RAM policies.',
  GenerateDataKeyPair: 'Data key pairs are not supported by this service; use GenerateDataKey, or an asymmetric key.',
  GenerateDataKeyPairWithoutPlaintext:
    'Data key pairs are not supported by this service; use GenerateDataKeyWithoutPlaintext, or an asymmetric key.',
}

function unsupportedOperation(name: string): AwsAction {
  const why = WHY[name]!
  return awsAction({
    service: 'kms',
    name,
    via: action({
      name,
      params: {},
      permission: on({ kind: 'service' }, true),
      handler: async () => {
        throw new KmsError('key.unsupportedOperation', why)
      },
    }),
    request: () => ({}),
    response: () => ({}),
  })
}

export const CreateGrant = unsupportedOperation('CreateGrant')
export const ListGrants = unsupportedOperation('ListGrants')
export const ListRetirableGrants = unsupportedOperation('ListRetirableGrants')
export const RetireGrant = unsupportedOperation('RetireGrant')
export const RevokeGrant = unsupportedOperation('RevokeGrant')
export const GenerateDataKeyPair = unsupportedOperation('GenerateDataKeyPair')
export const GenerateDataKeyPairWithoutPlaintext = unsupportedOperation('GenerateDataKeyPairWithoutPlaintext')
