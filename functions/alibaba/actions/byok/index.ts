/** @module functions/alibaba/actions/byok — bring your own key: the key material import actions, one file each. */
import type { ActionDescriptor } from '../../action'
import { DeleteKeyMaterial } from './delete-key-material'
import { GetParametersForImport } from './get-parameters-for-import'
import { ImportKeyMaterial } from './import-key-material'

export const BYOK_ACTIONS: readonly ActionDescriptor[] = [GetParametersForImport, ImportKeyMaterial, DeleteKeyMaterial]
