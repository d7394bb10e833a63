/**
 * @module functions/aws/kms/via
 *
 * The Alibaba-dialect descriptor an AWS operation runs through, looked up once at load time
 * (a missing one is a programming error, refused before the Worker serves anything).
 */
import type { ActionDescriptor } from '../../alibaba/action'
import { KMS_ACTIONS } from '../../alibaba/registry'

export function alibaba(name: string): ActionDescriptor {
  const descriptor = KMS_ACTIONS.get(name)
  if (!descriptor) throw new Error(`AWS dialect: no Alibaba action ${name}`)
  return descriptor
}
