/**
 * @module functions/alibaba/actions/service/open-kms-service — OpenKmsService, Alibaba's one-time
 * activation. KMS is enabled for every account from the start, so it succeeds without changing
 * anything, however often it is called.
 */
import { action } from '../../action'
import { on } from '../../permission'

export const OpenKmsService = action({
  name: 'OpenKmsService',
  params: {},
  permission: on({ kind: 'service' }, false),
  handler: async () => ({}),
})
