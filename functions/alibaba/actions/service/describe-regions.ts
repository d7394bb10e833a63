/** @module functions/alibaba/actions/service/describe-regions — DescribeRegions: the one region this deployment serves. */
import { action } from '../../action'
import { on } from '../../permission'

export const DescribeRegions = action({
  name: 'DescribeRegions',
  params: {},
  permission: on({ kind: 'service' }, true),
  handler: async ({ deps }) => ({ Regions: { Region: [{ RegionId: deps.region }] } }),
})
