/**
 * @module functions/alibaba/actions/aliases
 *
 * CreateAlias, UpdateAlias, DeleteAlias, ListAliases, ListAliasesByKeyId.
 */
import { createAlias, deleteAlias, listAliases, listAliasesByKeyId, updateAlias } from '../../../core/domain/keys/aliases'
import { pageParams, type ActionHandler } from '../context'
import { aliasEntry, paged } from '../shape'

export const CreateAlias: ActionHandler = async ({ deps, caller, params }) => {
  await createAlias(deps, caller, params.string('AliasName', { max: 512 }), params.string('KeyId', { max: 512 }))
  return {}
}

export const UpdateAlias: ActionHandler = async ({ deps, caller, params }) => {
  await updateAlias(deps, caller, params.string('AliasName', { max: 512 }), params.string('KeyId', { max: 512 }))
  return {}
}

export const DeleteAlias: ActionHandler = async ({ deps, caller, params }) => {
  await deleteAlias(deps, caller, params.string('AliasName', { max: 512 }))
  return {}
}

export const ListAliases: ActionHandler = async ({ deps, caller, params }) => {
  const page = pageParams(params)
  const { items, totalCount } = paged(await listAliases(deps, caller), page)
  return {
    Aliases: { Alias: items.map(aliasEntry) },
    TotalCount: totalCount,
    PageNumber: page.pageNumber,
    PageSize: page.pageSize,
  }
}

export const ListAliasesByKeyId: ActionHandler = async ({ deps, caller, params }) => {
  const page = pageParams(params)
  const all = await listAliasesByKeyId(deps, caller, params.string('KeyId', { max: 512 }))
  const { items, totalCount } = paged(all, page)
  return {
    Aliases: { Alias: items.map(aliasEntry) },
    TotalCount: totalCount,
    PageNumber: page.pageNumber,
    PageSize: page.pageSize,
  }
}
