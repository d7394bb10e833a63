/**
 * @module functions/alibaba/actions/byok/import-key-material — ImportKeyMaterial: key material
 * wrapped under the public key of GetParametersForImport, with its import token and an optional
 * expiry (`KeyMaterialExpireUnix`, 0 = never).
 */
import { importKeyMaterial } from '../../../../core/domain/keys/byok/import-key-material'
import { MAX_IMPORT_TOKEN_LENGTH } from '../../../../core/domain/keys/byok/import-token'
import { action } from '../../action'
import { KEY_ID, base64, optionalInt, text } from '../../fields'
import { keyWrite } from '../../permission'

/** An RSA-4096 PKCS#8 key wrapped with RSA-OAEP + AES-KWP is under 3 KB. */
const MAX_ENCRYPTED_MATERIAL_BYTES = 8192

export const ImportKeyMaterial = action({
  name: 'ImportKeyMaterial',
  params: {
    KeyId: KEY_ID,
    EncryptedKeyMaterial: base64(MAX_ENCRYPTED_MATERIAL_BYTES),
    ImportToken: text({ max: MAX_IMPORT_TOKEN_LENGTH }),
    KeyMaterialExpireUnix: optionalInt(0, 9_999_999_999),
  },
  permission: keyWrite,
  handler: async ({ deps, caller }, input) => {
    await importKeyMaterial(deps, caller, {
      keyId: input.KeyId,
      encryptedKeyMaterial: input.EncryptedKeyMaterial,
      importToken: input.ImportToken,
      keyMaterialExpireUnix: input.KeyMaterialExpireUnix,
    })
    return {}
  },
})
