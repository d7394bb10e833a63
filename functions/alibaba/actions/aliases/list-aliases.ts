/** @module functions/alibaba/actions/aliases/list-aliases — ListAliases (the caller's account and region). */
import { listAliases } from '../../../../core/domain/keys/aliases'
import { action } from '../../action'
import { PAGE_NUMBER, PAGE_SIZE } from '../../fields'
import { on } from '../../permission'
import { aliasEntry, paged } from '../../shape'

export const ListAliases = action({
  name: 'ListAliases',
  params: { PageNumber: PAGE_NUMBER, PageSize: PAGE_SIZE },
  permission: on({ kind: 'collection', name: 'alias' }, true),
  handler: async ({ deps, caller }, { PageNumber, PageSize }) => {
    const { items, totalCount } = paged(await listAliases(deps, caller), { pageNumber: PageNumber, pageSize: PageSize })
    return { Aliases: { Alias: items.map(aliasEntry) }, TotalCount: totalCount, PageNumber, PageSize }
  },
})
