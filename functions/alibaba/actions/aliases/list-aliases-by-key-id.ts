/** @module functions/alibaba/actions/aliases/list-aliases-by-key-id — ListAliasesByKeyId. */
import { listAliasesByKeyId } from '../../../../core/domain/keys/aliases'
import { keyTarget } from '../../../../core/domain/targets'
import { action } from '../../action'
import { KEY_ID, PAGE_NUMBER, PAGE_SIZE } from '../../fields'
import { keyRead } from '../../permission'
import { aliasEntry, paged } from '../../shape'

export const ListAliasesByKeyId = action({
  name: 'ListAliasesByKeyId',
  params: { PageNumber: PAGE_NUMBER, PageSize: PAGE_SIZE, KeyId: KEY_ID },
  permission: keyRead,
  handler: async ({ deps, caller, targets }, { PageNumber, PageSize }) => {
    const all = await listAliasesByKeyId(deps, caller, keyTarget(targets))
    const { items, totalCount } = paged(all, { pageNumber: PageNumber, pageSize: PageSize })
    return { Aliases: { Alias: items.map(aliasEntry) }, TotalCount: totalCount, PageNumber, PageSize }
  },
})
