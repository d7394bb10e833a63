/** @module functions/alibaba/actions/secrets/list-secret-version-ids — ListSecretVersionIds. */
import { listSecretVersionIds } from '../../../../core/domain/secrets/list-secret-version-ids'
import { action } from '../../action'
import { optionalBool, PAGE_NUMBER, PAGE_SIZE } from '../../fields'
import { secretRead } from '../../permission'
import { paged } from '../../shape'
import { NAME } from './shape'

export const ListSecretVersionIds = action({
  name: 'ListSecretVersionIds',
  params: { PageNumber: PAGE_NUMBER, PageSize: PAGE_SIZE, SecretName: NAME, IncludeDeprecated: optionalBool() },
  permission: secretRead,
  handler: async ({ deps, caller }, input) => {
    const { secret, versions } = await listSecretVersionIds(deps, caller, input.SecretName, input.IncludeDeprecated ?? false)
    const { items, totalCount } = paged(versions, { pageNumber: input.PageNumber, pageSize: input.PageSize })
    return {
      SecretName: secret.secretName,
      TotalCount: totalCount,
      PageNumber: input.PageNumber,
      PageSize: input.PageSize,
      VersionIds: {
        VersionId: items.map((v) => ({ VersionId: v.versionId, CreateTime: v.createdAt, VersionStages: { VersionStage: v.stages } })),
      },
    }
  },
})
