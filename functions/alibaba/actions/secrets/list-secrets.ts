/** @module functions/alibaba/actions/secrets/list-secrets — ListSecrets (the caller's account and region). */
import { listSecrets } from '../../../../core/domain/secrets/list-secrets'
import { action } from '../../action'
import { FILTERS, optionalBool, PAGE_NUMBER, PAGE_SIZE } from '../../fields'
import { on } from '../../permission'
import { paged } from '../../shape'
import { owingService, tagsBody, withoutUndefined } from './shape'

export const ListSecrets = action({
  name: 'ListSecrets',
  params: { PageNumber: PAGE_NUMBER, PageSize: PAGE_SIZE, FetchTags: optionalBool(), Filters: FILTERS },
  permission: on({ kind: 'collection', name: 'secret' }, true),
  handler: async ({ deps, caller }, input) => {
    const all = await listSecrets(deps, caller, input.Filters ?? [])
    const { items, totalCount } = paged(all, { pageNumber: input.PageNumber, pageSize: input.PageSize })
    return {
      PageNumber: input.PageNumber,
      PageSize: input.PageSize,
      TotalCount: totalCount,
      SecretList: {
        Secret: items.map((s) =>
          withoutUndefined({
            SecretName: s.secretName,
            SecretType: s.secretType,
            CreateTime: s.createdAt,
            UpdateTime: s.updatedAt,
            PlannedDeleteTime: s.state === 'PendingDeletion' ? s.plannedDeleteTime : undefined,
            OwingService: owingService(s),
            Tags: input.FetchTags ? tagsBody(s) : undefined,
          }),
        ),
      },
    }
  },
})
