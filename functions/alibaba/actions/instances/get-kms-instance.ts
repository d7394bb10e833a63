/** @module functions/alibaba/actions/instances/get-kms-instance — GetKmsInstance: one of the caller's KMS 3.0 instances (./shape.ts). */
import { getInstance } from '../../../../core/domain/instances/instances'
import { action } from '../../action'
import { text } from '../../fields'
import { on } from '../../permission'
import { instanceShape } from './shape'

export const GetKmsInstance = action({
  name: 'GetKmsInstance',
  params: { KmsInstanceId: text({ max: 64 }) },
  permission: on({ kind: 'service' }, true),
  handler: async ({ deps, caller }, { KmsInstanceId }) => {
    const instance = await getInstance(deps.store, caller, KmsInstanceId)
    return { KmsInstance: instanceShape(instance) }
  },
})
