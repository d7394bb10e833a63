/**
 * @module functions/alibaba/actions/instances/list-kms-instances
 *
 * ListKmsInstances: the caller's KMS 3.0 instances, with page numbers (PageSize default 20, not
 * 10). Instances are created by the operator (functions/local-admin.ts, `npm run instance`), never
 * through the API (Alibaba sells them; ConnectKmsInstance / ReleaseKmsInstance are billing and
 * VPC plumbing). `Filters` is refused rather than ignored.
 */
import { listInstances } from '../../../../core/domain/instances/instances'
import { invalidParameter } from '../../../../core/errors'
import { action } from '../../action'
import { PAGE_NUMBER, custom } from '../../fields'
import { on } from '../../permission'
import { paged } from '../../shape'
import { instanceArn } from './shape'

export const ListKmsInstances = action({
  name: 'ListKmsInstances',
  params: {
    Filters: custom('absent or empty (not supported)', (p, n) => {
      if (p.optionalString(n, { max: 4096 })) throw invalidParameter(n, 'filters are not supported for ListKmsInstances.')
      return undefined
    }),
    PageNumber: PAGE_NUMBER,
    PageSize: custom('optional integer 1..100, default 20', (p, n) => p.optionalInteger(n, 1, 100) ?? 20),
  },
  permission: on({ kind: 'service' }, true),
  handler: async ({ deps, caller }, { PageNumber, PageSize }) => {
    const { items, totalCount } = paged(await listInstances(deps.store, caller), { pageNumber: PageNumber, pageSize: PageSize })
    return {
      KmsInstances: { KmsInstance: items.map((i) => ({ KmsInstanceId: i.instanceId, KmsInstanceArn: instanceArn(i) })) },
      TotalCount: totalCount,
      PageNumber: PageNumber,
      PageSize: PageSize,
    }
  },
})
