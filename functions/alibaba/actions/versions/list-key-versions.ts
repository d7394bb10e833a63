/** @module functions/alibaba/actions/versions/list-key-versions — ListKeyVersions, with Alibaba's page numbers. */
import { listKeyVersions } from '../../../../core/domain/keys/key-versions'
import { action } from '../../action'
import { KEY_ID, PAGE_NUMBER, PAGE_SIZE } from '../../fields'
import { keyRead } from '../../permission'
import { paged } from '../../shape'

export const ListKeyVersions = action({
  name: 'ListKeyVersions',
  params: { PageNumber: PAGE_NUMBER, PageSize: PAGE_SIZE, KeyId: KEY_ID },
  permission: keyRead,
  handler: async ({ deps, caller }, { PageNumber, PageSize, KeyId }) => {
    const { key, versions } = await listKeyVersions(deps, caller, KeyId)
    const { items, totalCount } = paged(versions, { pageNumber: PageNumber, pageSize: PageSize })
    return {
      KeyVersions: {
        KeyVersion: items.map((v) => ({ KeyId: key.keyId, KeyVersionId: v.versionId, CreationDate: v.createdAt })),
      },
      TotalCount: totalCount,
      PageNumber: PageNumber,
      PageSize: PageSize,
    }
  },
})
