/**
 * @module functions/alibaba/actions/byok
 *
 * Bring your own key: GetParametersForImport, ImportKeyMaterial, DeleteKeyMaterial.
 */
import { deleteKeyMaterial } from '../../../core/domain/keys/byok/delete-key-material'
import { getParametersForImport } from '../../../core/domain/keys/byok/get-parameters-for-import'
import { importKeyMaterial } from '../../../core/domain/keys/byok/import-key-material'
import { MAX_IMPORT_TOKEN_LENGTH } from '../../../core/domain/keys/byok/import-token'
import type { ActionHandler } from '../context'

/** An RSA-4096 PKCS#8 key wrapped with RSA-OAEP + AES-KWP is under 3 KB. */
const MAX_ENCRYPTED_MATERIAL_BYTES = 8192

export const GetParametersForImport: ActionHandler = async ({ deps, caller, params }) => {
  const out = await getParametersForImport(deps, caller, {
    keyId: params.string('KeyId', { max: 512 }),
    wrappingAlgorithm: params.string('WrappingAlgorithm', { max: 64 }),
    wrappingKeySpec: params.string('WrappingKeySpec', { max: 64 }),
  })
  return { KeyId: out.key.keyId, ImportToken: out.importToken, PublicKey: out.publicKey, TokenExpireTime: out.tokenExpireTime }
}

export const ImportKeyMaterial: ActionHandler = async ({ deps, caller, params }) => {
  await importKeyMaterial(deps, caller, {
    keyId: params.string('KeyId', { max: 512 }),
    encryptedKeyMaterial: params.base64('EncryptedKeyMaterial', MAX_ENCRYPTED_MATERIAL_BYTES),
    importToken: params.string('ImportToken', { max: MAX_IMPORT_TOKEN_LENGTH }),
    keyMaterialExpireUnix: params.optionalInteger('KeyMaterialExpireUnix', 0, 9_999_999_999),
  })
  return {}
}

export const DeleteKeyMaterial: ActionHandler = async ({ deps, caller, params }) => {
  await deleteKeyMaterial(deps, caller, params.string('KeyId', { max: 512 }))
  return {}
}
