/**
 * @module functions/alibaba/actions/service
 *
 * Service-level actions: DescribeRegions, DescribeAccountKmsStatus.
 */
import type { ActionHandler } from '../context'

export const DescribeRegions: ActionHandler = async ({ deps }) => ({
  Regions: { Region: [{ RegionId: deps.region }] },
})

export const DescribeAccountKmsStatus: ActionHandler = async () => ({ AccountStatus: 'Enabled' })
