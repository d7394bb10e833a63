/** @module functions/alibaba/actions/aliases — the alias actions, one file each. */
import type { ActionDescriptor } from '../../action'
import { CreateAlias } from './create-alias'
import { DeleteAlias } from './delete-alias'
import { ListAliases } from './list-aliases'
import { ListAliasesByKeyId } from './list-aliases-by-key-id'
import { UpdateAlias } from './update-alias'

export const ALIAS_ACTIONS: readonly ActionDescriptor[] = [CreateAlias, UpdateAlias, DeleteAlias, ListAliases, ListAliasesByKeyId]
