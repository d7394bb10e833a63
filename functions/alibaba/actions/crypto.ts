/**
 * @module functions/alibaba/actions/crypto
 *
 * Encrypt, Decrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext, ReEncrypt. Plaintext is
 * base64 on the wire in both directions; responses report the key id and the version used.
 */
import { toBase64, zeroize } from '../../../core/crypto/bytes'
import { decrypt, encrypt, generateDataKey, reEncrypt, MAX_ENCRYPT_PLAINTEXT } from '../../../core/domain/keys/symmetric-crypto'
import { KmsError } from '../../../core/errors'
import type { ActionHandler } from '../context'
import type { Params } from '../params'
import { reEncryptFromAsymmetric } from '../../../core/domain/keys/asymmetric/re-encrypt'
import { withExternal } from './key-stores'
import { REENCRYPT_SOURCE_ACCOUNT } from '../../authorize'

/** Blobs are at most a few KB; anything larger is not ours. */
const MAX_BLOB_BYTES = 16 * 1024

function ciphertextBlob(params: Params, name = 'CiphertextBlob'): Uint8Array {
  try {
    return params.base64(name, MAX_BLOB_BYTES)
  } catch (err) {
    // A missing blob is a missing parameter; a malformed one is the uniform decrypt failure.
    if (KmsError.match(err, 'validation.missingParameter')) throw err
    throw new KmsError('crypto.invalidCiphertext', 'The specified CiphertextBlob is invalid, or does not match the encryption context.')
  }
}

export const Encrypt: ActionHandler = async ({ deps, caller, params, env }) => {
  const plaintext = params.base64('Plaintext', MAX_ENCRYPT_PLAINTEXT)
  try {
    const out = await encrypt(withExternal(deps, env), caller, {
      keyId: params.string('KeyId', { max: 512 }),
      plaintext,
      context: params.encryptionContext('EncryptionContext'),
      dryRun: params.optionalBoolean('DryRun'),
    })
    return { KeyId: out.key.keyId, KeyVersionId: out.versionId, CiphertextBlob: out.ciphertextBlob }
  } finally {
    zeroize(plaintext)
  }
}

export const Decrypt: ActionHandler = async ({ deps, caller, params, env }) => {
  const out = await decrypt(withExternal(deps, env), caller, {
    ciphertextBlob: ciphertextBlob(params),
    context: params.encryptionContext('EncryptionContext'),
    dryRun: params.optionalBoolean('DryRun'),
  })
  const body = { KeyId: out.key.keyId, KeyVersionId: out.versionId, Plaintext: toBase64(out.plaintext) }
  zeroize(out.plaintext)
  return body
}

async function dataKey(params: Params, ctx: Parameters<ActionHandler>[0], withoutPlaintext: boolean) {
  const out = await generateDataKey(withExternal(ctx.deps, ctx.env), ctx.caller, {
    keyId: params.string('KeyId', { max: 512 }),
    keySpec: params.optionalString('KeySpec', { max: 32 }),
    numberOfBytes: params.optionalInteger('NumberOfBytes', -1_000_000, 1_000_000),
    context: params.encryptionContext('EncryptionContext'),
    dryRun: params.optionalBoolean('DryRun'),
    withoutPlaintext,
  })
  const body: Record<string, unknown> = {
    KeyId: out.key.keyId,
    KeyVersionId: out.versionId,
    CiphertextBlob: out.ciphertextBlob,
  }
  if (!withoutPlaintext) body.Plaintext = toBase64(out.plaintext)
  zeroize(out.plaintext)
  return body
}

export const GenerateDataKey: ActionHandler = (ctx) => dataKey(ctx.params, ctx, false)
export const GenerateDataKeyWithoutPlaintext: ActionHandler = (ctx) => dataKey(ctx.params, ctx, true)

export const ReEncrypt: ActionHandler = async ({ deps, caller, params, env }) => {
  // Alibaba: an asymmetric source (raw RSA-OAEP ciphertext) is named by SourceKeyId,
  // SourceKeyVersionId and SourceEncryptionAlgorithm.
  if (params.has('SourceEncryptionAlgorithm') || params.has('SourceKeyVersionId')) {
    const out = await reEncryptFromAsymmetric(deps, caller, {
      ciphertext: ciphertextBlob(params, 'CiphertextBlob'),
      sourceKeyId: params.string('SourceKeyId', { max: 512 }),
      sourceVersionId: params.string('SourceKeyVersionId', { max: 128 }),
      sourceAlgorithm: params.string('SourceEncryptionAlgorithm', { max: 64 }),
      destinationKeyId: params.string('DestinationKeyId', { max: 512 }),
      destinationContext: params.encryptionContext('DestinationEncryptionContext'),
      dryRun: params.optionalBoolean('DryRun'),
    })
    return {
      KeyId: out.key.keyId,
      KeyVersionId: out.versionId,
      CiphertextBlob: out.ciphertextBlob,
      SourceKeyId: out.source.keyId,
      SourceKeyVersionId: out.source.versionId,
    }
  }
  // Set only by functions/authorize.ts, for a source key in another account than the destination.
  const sourceAccount = params.optionalString(REENCRYPT_SOURCE_ACCOUNT, { max: 32 }) || undefined
  const out = await reEncrypt(withExternal(deps, env), caller, {
    ...(sourceAccount ? { sourceCaller: { ...caller, accountId: sourceAccount } } : {}),
    ciphertextBlob: ciphertextBlob(params),
    sourceContext: params.encryptionContext('SourceEncryptionContext'),
    destinationKeyId: params.string('DestinationKeyId', { max: 512 }),
    destinationContext: params.encryptionContext('DestinationEncryptionContext'),
    dryRun: params.optionalBoolean('DryRun'),
  })
  return {
    KeyId: out.key.keyId,
    KeyVersionId: out.versionId,
    CiphertextBlob: out.ciphertextBlob,
    SourceKeyId: out.source.key.keyId,
    SourceKeyVersionId: out.source.versionId,
  }
}
