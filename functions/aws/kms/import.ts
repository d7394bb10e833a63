/**
 * @module functions/aws/kms/import
 *
 * TrentService key material import over the BYOK descriptors (core/domain/keys/byok):
 * GetParametersForImport, ImportKeyMaterial, DeleteImportedKeyMaterial → DeleteKeyMaterial
 * (kms:GetParametersForImport / kms:ImportKeyMaterial / kms:DeleteKeyMaterial on the key). The
 * wrapping algorithms and specs are AWS's names already. AWS carries the import token as a blob:
 * it is the base64 of this service's token text, so it comes back byte for byte. `ValidTo` (epoch
 * seconds) with `ExpirationModel=KEY_MATERIAL_EXPIRES` sets the material's expiry;
 * `KEY_MATERIAL_DOES_NOT_EXPIRE`, or neither field, imports material that never expires.
 */
import { fromBase64, toBase64 } from '../../../core/crypto/bytes'
import { keyTarget } from '../../../core/domain/targets'
import { KmsError, invalidParameter, missingParameter } from '../../../core/errors'
import { awsKeyArn, keyRefFromAws } from '../arn'
import { awsAction, epochSeconds, params, str, type JsonObject } from '../action'
import { alibaba } from './via'

function keyId(body: JsonObject): string | undefined {
  const v = str(body, 'KeyId')
  return v === undefined ? undefined : keyRefFromAws(v)
}

export const GetParametersForImport = awsAction({
  service: 'kms',
  name: 'GetParametersForImport',
  via: alibaba('GetParametersForImport'),
  request: (body) =>
    params({ KeyId: keyId(body), WrappingAlgorithm: str(body, 'WrappingAlgorithm'), WrappingKeySpec: str(body, 'WrappingKeySpec') }),
  response: (out, call) => ({
    KeyId: awsKeyArn(call.region, call.accountId, String(out.KeyId)),
    ImportToken: toBase64(new TextEncoder().encode(String(out.ImportToken))),
    PublicKey: String(out.PublicKey),
    ParametersValidTo: epochSeconds(out.TokenExpireTime) ?? 0,
  }),
})

const EXPIRATION_MODELS = new Set(['KEY_MATERIAL_EXPIRES', 'KEY_MATERIAL_DOES_NOT_EXPIRE'])
const IMPORT_TYPES = new Set(['NEW_KEY_MATERIAL', 'EXISTING_KEY_MATERIAL'])

/** The import token blob → the token text; anything undecodable is InvalidImportTokenException. */
function importToken(body: JsonObject): string | undefined {
  const blob = str(body, 'ImportToken')
  if (blob === undefined) return undefined
  const bytes = fromBase64(blob)
  try {
    const token = bytes ? new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) : ''
    if (/^[\x21-\x7e]{1,8192}$/.test(token)) return token
  } catch {
    // falls through: not a token this service issued
  }
  throw new KmsError('import.invalidToken', 'The import token is not valid.')
}

/** `ValidTo` as whole epoch seconds, per `ExpirationModel`; 0 = never expires. */
function expiry(body: JsonObject): number {
  const model = str(body, 'ExpirationModel')
  if (model !== undefined && !EXPIRATION_MODELS.has(model))
    throw invalidParameter('ExpirationModel', 'must be KEY_MATERIAL_EXPIRES or KEY_MATERIAL_DOES_NOT_EXPIRE.')
  const validTo = body.ValidTo
  if (validTo !== undefined && validTo !== null && (typeof validTo !== 'number' || !Number.isFinite(validTo) || validTo <= 0)) {
    throw invalidParameter('ValidTo', 'must be a timestamp.')
  }
  const seconds = typeof validTo === 'number' ? Math.floor(validTo) : undefined
  if (model === 'KEY_MATERIAL_DOES_NOT_EXPIRE') {
    if (seconds !== undefined) throw invalidParameter('ValidTo', 'must be absent with ExpirationModel KEY_MATERIAL_DOES_NOT_EXPIRE.')
    return 0
  }
  if (model === 'KEY_MATERIAL_EXPIRES' && seconds === undefined) throw missingParameter('ValidTo')
  return seconds ?? 0
}

export const ImportKeyMaterial = awsAction({
  service: 'kms',
  name: 'ImportKeyMaterial',
  via: alibaba('ImportKeyMaterial'),
  request(body) {
    const type = str(body, 'ImportType')
    if (type !== undefined && !IMPORT_TYPES.has(type))
      throw invalidParameter('ImportType', 'must be NEW_KEY_MATERIAL or EXISTING_KEY_MATERIAL.')
    const expireUnix = expiry(body)
    return params({
      KeyId: keyId(body),
      EncryptedKeyMaterial: str(body, 'EncryptedKeyMaterial'),
      ImportToken: importToken(body),
      KeyMaterialExpireUnix: expireUnix,
    })
  },
  response: (_out, call, _body, ctx) => ({ KeyId: awsKeyArn(call.region, call.accountId, keyTarget(ctx.targets).keyId) }),
})

export const DeleteImportedKeyMaterial = awsAction({
  service: 'kms',
  name: 'DeleteImportedKeyMaterial',
  via: alibaba('DeleteKeyMaterial'),
  request: (body) => params({ KeyId: keyId(body) }),
  response: () => ({}),
})
