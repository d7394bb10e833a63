/**
 * @module functions/alibaba/actions/service
 *
 * Service-level actions: DescribeRegions, DescribeAccountKmsStatus, OpenKmsService. Every account
 * of this service has KMS enabled from the start: DescribeAccountKmsStatus answers `Enabled` and
 * OpenKmsService (Alibaba's one-time activation) succeeds without changing anything, however often
 * it is called.
 */
import type { ActionHandler } from '../context'

export const DescribeRegions: ActionHandler = async ({ deps }) => ({
  Regions: { Region: [{ RegionId: deps.region }] },
})

export const DescribeAccountKmsStatus: ActionHandler = async () => ({ AccountStatus: 'Enabled' })

export const OpenKmsService: ActionHandler = async () => ({})
