/**
 * @module functions/alibaba/actions/asymmetric
 *
 * Asymmetric keys and data-key export: AsymmetricSign, AsymmetricVerify, AsymmetricEncrypt,
 * AsymmetricDecrypt, GetPublicKey, ExportDataKey, GenerateAndExportDataKey (ReEncrypt with an
 * asymmetric source is in ./crypto.ts). Every export is an action: the registry spreads them. Binary values are base64 on the wire; responses
 * follow @alicloud/kms20160120 1.2.0 (`Value`, `KeyId`, `KeyVersionId`, …; AsymmetricVerify's
 * `Value` is a JSON boolean).
 */
import { toBase64, zeroize } from '../../../core/crypto/bytes'
import { asymmetricDecrypt } from '../../../core/domain/keys/asymmetric/asymmetric-decrypt'
import { asymmetricEncrypt } from '../../../core/domain/keys/asymmetric/asymmetric-encrypt'
import { asymmetricSign } from '../../../core/domain/keys/asymmetric/asymmetric-sign'
import { asymmetricVerify } from '../../../core/domain/keys/asymmetric/asymmetric-verify'
import { exportDataKey, generateAndExportDataKey } from '../../../core/domain/keys/asymmetric/export-data-key'
import { getPublicKey } from '../../../core/domain/keys/asymmetric/get-public-key'
import { invalidCiphertext, KmsError } from '../../../core/errors'
import type { ActionHandler } from '../context'
import type { Params } from '../params'

/** Digests are 32 bytes; a little slack lets the domain report the wrong length precisely. */
const MAX_DIGEST_BYTES = 128
/** RSA-4096 signatures are 512 bytes, DER ECDSA at most 72. */
const MAX_SIGNATURE_BYTES = 1024
/** SM2PKE takes at most 6047 bytes (RSA-4096 with OAEP-SHA-1: 470); the domain checks per spec. */
const MAX_ASYMMETRIC_PLAINTEXT = 8192
/** RSA-4096: 512 bytes; an SM2PKE ciphertext is its plaintext plus at most 109 bytes of DER. */
const MAX_ASYMMETRIC_CIPHERTEXT = 8192
const MAX_SYMMETRIC_BLOB = 16 * 1024
/** An RSA-4096 SPKI is 550 bytes. */
const MAX_PUBLIC_KEY_BLOB = 4096

function keyAndVersion(params: Params) {
  return { keyId: params.string('KeyId', { max: 512 }), versionId: params.string('KeyVersionId', { max: 128 }) }
}

/** A ciphertext parameter: missing → MissingParameter, malformed → the uniform InvalidCiphertext. */
function ciphertext(params: Params, name: string, max: number): Uint8Array {
  try {
    return params.base64(name, max)
  } catch (err) {
    if (KmsError.match(err, 'validation.missingParameter')) throw err
    throw invalidCiphertext()
  }
}

export const AsymmetricSign: ActionHandler = async ({ deps, caller, params }) => {
  const out = await asymmetricSign(deps, caller, {
    ...keyAndVersion(params),
    algorithm: params.string('Algorithm', { max: 64 }),
    digest: params.base64('Digest', MAX_DIGEST_BYTES),
    dryRun: params.optionalBoolean('DryRun'),
  })
  return { KeyId: out.key.keyId, KeyVersionId: out.versionId, Value: toBase64(out.signature) }
}

export const AsymmetricVerify: ActionHandler = async ({ deps, caller, params }) => {
  const out = await asymmetricVerify(deps, caller, {
    ...keyAndVersion(params),
    algorithm: params.string('Algorithm', { max: 64 }),
    digest: params.base64('Digest', MAX_DIGEST_BYTES),
    signature: params.base64('Value', MAX_SIGNATURE_BYTES),
    dryRun: params.optionalBoolean('DryRun'),
  })
  return { KeyId: out.key.keyId, KeyVersionId: out.versionId, Value: out.valid }
}

export const AsymmetricEncrypt: ActionHandler = async ({ deps, caller, params }) => {
  const plaintext = params.base64('Plaintext', MAX_ASYMMETRIC_PLAINTEXT)
  try {
    const out = await asymmetricEncrypt(deps, caller, {
      ...keyAndVersion(params),
      algorithm: params.string('Algorithm', { max: 64 }),
      plaintext,
      dryRun: params.optionalBoolean('DryRun'),
    })
    return { KeyId: out.key.keyId, KeyVersionId: out.versionId, CiphertextBlob: toBase64(out.ciphertext) }
  } finally {
    zeroize(plaintext)
  }
}

export const AsymmetricDecrypt: ActionHandler = async ({ deps, caller, params }) => {
  const out = await asymmetricDecrypt(deps, caller, {
    ...keyAndVersion(params),
    algorithm: params.string('Algorithm', { max: 64 }),
    ciphertext: ciphertext(params, 'CiphertextBlob', MAX_ASYMMETRIC_CIPHERTEXT),
    dryRun: params.optionalBoolean('DryRun'),
  })
  const body = { KeyId: out.key.keyId, KeyVersionId: out.versionId, Plaintext: toBase64(out.plaintext) }
  zeroize(out.plaintext)
  return body
}

export const GetPublicKey: ActionHandler = async ({ deps, caller, params }) => {
  const out = await getPublicKey(deps, caller, { ...keyAndVersion(params), dryRun: params.optionalBoolean('DryRun') })
  return { KeyId: out.key.keyId, KeyVersionId: out.versionId, PublicKey: out.pem }
}

function wrappingParams(params: Params) {
  return {
    publicKeyBlob: params.base64('PublicKeyBlob', MAX_PUBLIC_KEY_BLOB),
    wrappingAlgorithm: params.string('WrappingAlgorithm', { max: 64 }),
    wrappingKeySpec: params.string('WrappingKeySpec', { max: 64 }),
  }
}

export const ExportDataKey: ActionHandler = async ({ deps, caller, params }) => {
  const out = await exportDataKey(deps, caller, {
    ciphertextBlob: ciphertext(params, 'CiphertextBlob', MAX_SYMMETRIC_BLOB),
    context: params.encryptionContext('EncryptionContext'),
    ...wrappingParams(params),
  })
  return { KeyId: out.key.keyId, KeyVersionId: out.versionId, ExportedDataKey: out.exportedDataKey }
}

export const GenerateAndExportDataKey: ActionHandler = async ({ deps, caller, params }) => {
  const out = await generateAndExportDataKey(deps, caller, {
    keyId: params.string('KeyId', { max: 512 }),
    keySpec: params.optionalString('KeySpec', { max: 32 }),
    numberOfBytes: params.optionalInteger('NumberOfBytes', -1_000_000, 1_000_000),
    context: params.encryptionContext('EncryptionContext'),
    ...wrappingParams(params),
  })
  return {
    KeyId: out.key.keyId,
    KeyVersionId: out.versionId,
    CiphertextBlob: out.ciphertextBlob,
    ExportedDataKey: out.exportedDataKey,
  }
}
