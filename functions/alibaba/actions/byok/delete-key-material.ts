/** @module functions/alibaba/actions/byok/delete-key-material — DeleteKeyMaterial: removes a key's imported material. */
import { deleteKeyMaterial } from '../../../../core/domain/keys/byok/delete-key-material'
import { action } from '../../action'
import { KEY_ID } from '../../fields'
import { keyWrite } from '../../permission'

export const DeleteKeyMaterial = action({
  name: 'DeleteKeyMaterial',
  params: { KeyId: KEY_ID },
  permission: keyWrite,
  handler: async ({ deps, caller }, { KeyId }) => {
    await deleteKeyMaterial(deps, caller, KeyId)
    return {}
  },
})
