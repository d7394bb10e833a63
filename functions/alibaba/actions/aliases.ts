/**
 * @module functions/alibaba/actions/aliases
 *
 * CreateAlias, UpdateAlias, DeleteAlias, ListAliases, ListAliasesByKeyId.
 */
import { createAlias, deleteAlias, listAliases, listAliasesByKeyId, updateAlias } from '../../../core/domain/keys/aliases'
import { KmsError } from '../../../core/errors'
import { pageParams, type ActionHandler } from '../context'
import { AUTHZ_PARAMS } from '../permissions'
import { aliasEntry, paged } from '../shape'

export const CreateAlias: ActionHandler = async ({ deps, caller, params }) => {
  await createAlias(deps, caller, params.string('AliasName', { max: 512 }), params.string('KeyId', { max: 512 }))
  return {}
}

/** The key the alias pointed at when the call was authorised (functions/authorize.ts). */
function authorisedTarget(params: Parameters<ActionHandler>[0]['params']): string {
  const keyId = params.optionalString(AUTHZ_PARAMS.aliasKeyId, { max: 64 })
  if (!keyId) throw new KmsError('internal', 'The alias was not resolved at authorisation.')
  return keyId
}

export const UpdateAlias: ActionHandler = async ({ deps, caller, params }) => {
  await updateAlias(deps, caller, params.string('AliasName', { max: 512 }), params.string('KeyId', { max: 512 }), authorisedTarget(params))
  return {}
}

export const DeleteAlias: ActionHandler = async ({ deps, caller, params }) => {
  await deleteAlias(deps, caller, params.string('AliasName', { max: 512 }), authorisedTarget(params))
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
