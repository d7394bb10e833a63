/**
 * @module functions/alibaba/actions/byok/get-parameters-for-import — GetParametersForImport: the
 * first step of bringing your own key material: a wrapping public key and an import token.
 */
import { getParametersForImport } from '../../../../core/domain/keys/byok/get-parameters-for-import'
import { action } from '../../action'
import { KEY_ID, text } from '../../fields'
import { keyWrite } from '../../permission'

export const GetParametersForImport = action({
  name: 'GetParametersForImport',
  params: { KeyId: KEY_ID, WrappingAlgorithm: text({ max: 64 }), WrappingKeySpec: text({ max: 64 }) },
  permission: keyWrite,
  handler: async ({ deps, caller }, input) => {
    const out = await getParametersForImport(deps, caller, {
      keyId: input.KeyId,
      wrappingAlgorithm: input.WrappingAlgorithm,
      wrappingKeySpec: input.WrappingKeySpec,
    })
    return { KeyId: out.key.keyId, ImportToken: out.importToken, PublicKey: out.publicKey, TokenExpireTime: out.tokenExpireTime }
  },
})
