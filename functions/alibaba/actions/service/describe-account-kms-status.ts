/**
 * @module functions/alibaba/actions/service/describe-account-kms-status — DescribeAccountKmsStatus.
 * Every account of this service has KMS enabled from the start, so the answer is always `Enabled`.
 */
import { action } from '../../action'
import { on } from '../../permission'

export const DescribeAccountKmsStatus = action({
  name: 'DescribeAccountKmsStatus',
  params: {},
  permission: on({ kind: 'service' }, true),
  handler: async () => ({ AccountStatus: 'Enabled' }),
})
