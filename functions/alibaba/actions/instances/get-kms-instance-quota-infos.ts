/**
 * @module functions/alibaba/actions/instances/get-kms-instance-quota-infos
 *
 * GetKmsInstanceQuotaInfos: an instance's quotas and use, for every resource type or the one
 * `ResourceType` names (key, secret, qps, vpc).
 */
import { getInstance } from '../../../../core/domain/instances/instances'
import { invalidParameter } from '../../../../core/errors'
import { action } from '../../action'
import { custom, text } from '../../fields'
import { on } from '../../permission'

const RESOURCE_TYPES = ['key', 'secret', 'qps', 'vpc'] as const

/**
 * `ResourceType`, read only once the instance is found (the handler calls it): a missing
 * instance is reported before any error of this parameter.
 */
const RESOURCE_TYPE = custom('optional key | secret | qps | vpc, read after the instance', (p, n) => () => {
  const type = p.optionalString(n, { max: 16 })
  if (type !== undefined && !(RESOURCE_TYPES as readonly string[]).includes(type)) {
    throw invalidParameter(n, 'must be key, secret, qps or vpc.')
  }
  return type as (typeof RESOURCE_TYPES)[number] | undefined
})

export const GetKmsInstanceQuotaInfos = action({
  name: 'GetKmsInstanceQuotaInfos',
  params: { KmsInstanceId: text({ max: 64 }), ResourceType: RESOURCE_TYPE },
  permission: on({ kind: 'service' }, true),
  handler: async ({ deps, caller }, { KmsInstanceId, ResourceType }) => {
    const instance = await getInstance(deps.store, caller, KmsInstanceId)
    const type = ResourceType()
    const all = {
      key: { ResourceType: 'key', ResourceQuota: instance.keyNum, UsedQuantity: instance.keyCount },
      secret: { ResourceType: 'secret', ResourceQuota: instance.secretNum, UsedQuantity: instance.secretCount },
      qps: { ResourceType: 'qps', ResourceQuota: instance.spec, UsedQuantity: 0 },
      vpc: { ResourceType: 'vpc', ResourceQuota: instance.vpcNum, UsedQuantity: 0 },
    }
    return {
      KmsInstanceId: instance.instanceId,
      KmsInstanceQuotaInfos: type ? [all[type]] : Object.values(all),
    }
  },
})
