/** @module functions/alibaba/actions/keys/list-keys — ListKeys, with Alibaba's `Filters` and page numbers. */
import { keyArn } from '../../../../core/domain/keys/common'
import { listKeys } from '../../../../core/domain/keys/list-keys'
import { action } from '../../action'
import { FILTERS, PAGE_NUMBER, PAGE_SIZE } from '../../fields'
import { on } from '../../permission'

export const ListKeys = action({
  name: 'ListKeys',
  params: { PageNumber: PAGE_NUMBER, PageSize: PAGE_SIZE, Filters: FILTERS },
  permission: on({ kind: 'collection', name: 'key' }, true),
  handler: async ({ deps, caller }, { PageNumber, PageSize, Filters }) => {
    const page = { pageNumber: PageNumber, pageSize: PageSize }
    const { keys, totalCount } = await listKeys(deps, caller, Filters ?? [], page)
    return {
      Keys: { Key: keys.map((k) => ({ KeyId: k.keyId, KeyArn: keyArn(k) })) },
      TotalCount: totalCount,
      PageNumber: PageNumber,
      PageSize: PageSize,
    }
  },
})
