/**
 * @module functions/aws/kms/crypto
 *
 * TrentService Encrypt, Decrypt, ReEncrypt, GenerateDataKey(WithoutPlaintext) over the same
 * descriptors as the Alibaba dialect. Blobs are this service's self-describing envelopes, so
 * Decrypt needs no KeyId; when one is given it must name the ciphertext's key
 * (IncorrectKeyException), as AWS checks it. Responses name the key by its AWS ARN: the AWS
 * Encryption SDK requires the exact ARN back on Decrypt.
 */
import { KmsError, invalidParameter } from '../../../core/errors'
import type { ActionContext } from '../../alibaba/context'
import { awsKeyArn, keyRefFromAws } from '../arn'
import { awsAction, bool, num, params, str, stringMap, type AwsCallContext, type JsonObject } from '../action'
import { alibaba } from './via'

const SYMMETRIC = 'SYMMETRIC_DEFAULT'

function symmetricOnly(body: JsonObject, field: string): void {
  const algorithm = str(body, field)
  if (algorithm !== undefined && algorithm !== SYMMETRIC) {
    throw new KmsError('key.unsupportedOperation', `${field} ${algorithm.slice(0, 32).replace(/[^A-Z0-9_]/g, '?')} is not supported by this operation here; use SYMMETRIC_DEFAULT.`)
  }
}

function keyArnOf(out: Record<string, unknown>, call: AwsCallContext, field = 'KeyId'): string {
  return awsKeyArn(call.region, call.accountId, String(out[field]))
}

/** Whether `requested` (id, key ARN, alias, alias ARN; AWS or Alibaba form) names `keyId`. */
async function namesKey(ctx: ActionContext, requested: string, keyId: string): Promise<boolean> {
  const ref = keyRefFromAws(requested)
  const m = /^acs:kms:[^:]+:(\d+):(key|alias)\/(.+)$/.exec(ref)
  const account = m ? m[1]! : ctx.caller.accountId
  if (m?.[2] === 'key') return m[3] === keyId
  const alias = m ? `alias/${m[3]}` : ref.startsWith('alias/') ? ref : undefined
  if (!alias) return ref === keyId
  const found = await ctx.deps.aliases.get(account, ctx.caller.region, alias)
  return found?.keyId === keyId
}

/** AWS: a symmetric Encrypt takes at most 4096 bytes of plaintext (the core alone allows more). */
const MAX_PLAINTEXT_BYTES = 4096

function assertPlaintextSize(body: JsonObject): void {
  const b64 = str(body, 'Plaintext')
  if (b64 === undefined) return
  const bytes = Math.floor((b64.length * 3) / 4) - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0)
  if (bytes > MAX_PLAINTEXT_BYTES) throw invalidParameter('Plaintext', `must be at most ${MAX_PLAINTEXT_BYTES} bytes.`)
}

export const Encrypt = awsAction({
  service: 'kms',
  name: 'Encrypt',
  via: alibaba('Encrypt'),
  request(body) {
    symmetricOnly(body, 'EncryptionAlgorithm')
    assertPlaintextSize(body)
    return params({
      KeyId: str(body, 'KeyId') !== undefined ? keyRefFromAws(str(body, 'KeyId')!) : undefined,
      Plaintext: str(body, 'Plaintext'),
      EncryptionContext: stringMap(body, 'EncryptionContext'),
      DryRun: bool(body, 'DryRun'),
    })
  },
  response: (out, call) => ({ KeyId: keyArnOf(out, call), CiphertextBlob: String(out.CiphertextBlob), EncryptionAlgorithm: SYMMETRIC }),
})

export const Decrypt = awsAction({
  service: 'kms',
  name: 'Decrypt',
  via: alibaba('Decrypt'),
  request(body) {
    symmetricOnly(body, 'EncryptionAlgorithm')
    if (body.Recipient !== undefined) throw new KmsError('key.unsupportedOperation', 'Recipient (Nitro Enclaves attestation) is not supported by this service.')
    return params({
      CiphertextBlob: str(body, 'CiphertextBlob'),
      EncryptionContext: stringMap(body, 'EncryptionContext'),
      DryRun: bool(body, 'DryRun'),
    })
  },
  async response(out, call, body, ctx) {
    const requested = str(body, 'KeyId')
    if (requested !== undefined && !(await namesKey(ctx, requested, String(out.KeyId)))) {
      throw new KmsError('crypto.incorrectKey', 'The key ID in the request does not identify the key that encrypted the ciphertext.')
    }
    return { KeyId: keyArnOf(out, call), Plaintext: String(out.Plaintext), EncryptionAlgorithm: SYMMETRIC }
  },
})

function dataKeyRequest(body: JsonObject): Record<string, string> {
  return params({
    KeyId: str(body, 'KeyId') !== undefined ? keyRefFromAws(str(body, 'KeyId')!) : undefined,
    KeySpec: str(body, 'KeySpec'),
    NumberOfBytes: num(body, 'NumberOfBytes'),
    EncryptionContext: stringMap(body, 'EncryptionContext'),
    DryRun: bool(body, 'DryRun'),
  })
}

export const GenerateDataKey = awsAction({
  service: 'kms',
  name: 'GenerateDataKey',
  via: alibaba('GenerateDataKey'),
  request(body) {
    if (body.Recipient !== undefined) throw new KmsError('key.unsupportedOperation', 'Recipient (Nitro Enclaves attestation) is not supported by this service.')
    return dataKeyRequest(body)
  },
  response: (out, call) => ({ KeyId: keyArnOf(out, call), CiphertextBlob: String(out.CiphertextBlob), Plaintext: String(out.Plaintext) }),
})

export const GenerateDataKeyWithoutPlaintext = awsAction({
  service: 'kms',
  name: 'GenerateDataKeyWithoutPlaintext',
  via: alibaba('GenerateDataKeyWithoutPlaintext'),
  request: dataKeyRequest,
  response: (out, call) => ({ KeyId: keyArnOf(out, call), CiphertextBlob: String(out.CiphertextBlob) }),
})

export const ReEncrypt = awsAction({
  service: 'kms',
  name: 'ReEncrypt',
  via: alibaba('ReEncrypt'),
  request(body) {
    symmetricOnly(body, 'SourceEncryptionAlgorithm')
    symmetricOnly(body, 'DestinationEncryptionAlgorithm')
    return params({
      CiphertextBlob: str(body, 'CiphertextBlob'),
      SourceEncryptionContext: stringMap(body, 'SourceEncryptionContext'),
      DestinationKeyId: str(body, 'DestinationKeyId') !== undefined ? keyRefFromAws(str(body, 'DestinationKeyId')!) : undefined,
      DestinationEncryptionContext: stringMap(body, 'DestinationEncryptionContext'),
      DryRun: bool(body, 'DryRun'),
    })
  },
  async response(out, call, body, ctx) {
    const requested = str(body, 'SourceKeyId')
    if (requested !== undefined && !(await namesKey(ctx, requested, String(out.SourceKeyId)))) {
      throw new KmsError('crypto.incorrectKey', 'The source key ID in the request does not identify the key that encrypted the ciphertext.')
    }
    return {
      KeyId: keyArnOf(out, call),
      CiphertextBlob: String(out.CiphertextBlob),
      SourceKeyId: keyArnOf(out, call, 'SourceKeyId'),
      SourceEncryptionAlgorithm: SYMMETRIC,
      DestinationEncryptionAlgorithm: SYMMETRIC,
    }
  },
})
