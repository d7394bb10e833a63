/**
 * @module functions/aws/kms/unsupported
 *
 * A TrentService operation this service knows but does not implement, answered with a clear
 * UnsupportedOperationException (not UnknownOperationException) after authentication and
 * authorisation (kms:<Operation> on the service), and audited like any refused call.
 */
import { KmsError } from '../../../core/errors'
import { action } from '../../alibaba/action'
import { on } from '../../alibaba/permission'
import { awsAction, type AwsAction } from '../action'

const UNSUPPORTED = new Set<string>()

/** Whether `name` is answered by {@link unsupportedOperation} (the README's ❌ rows, tested). */
export function isUnsupportedOperation(name: string): boolean {
  return UNSUPPORTED.has(name)
}

export function unsupportedOperation(name: string, why: string): AwsAction {
  UNSUPPORTED.add(name)
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
