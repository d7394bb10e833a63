/**
 * @module functions/aws/kms/crypto
 *
 * TrentService Encrypt, Decrypt, ReEncrypt, GenerateDataKey(WithoutPlaintext) over the same
 * descriptors as the Alibaba dialect. Blobs are this service's self-describing envelopes, so
 * Decrypt needs no KeyId; when one is given it must name the ciphertext's key
 * (IncorrectKeyException), as AWS checks it. Responses name the key by its AWS ARN: the AWS
 * Encryption SDK requires the exact ARN back on Decrypt. Encrypt and Decrypt with
 * `EncryptionAlgorithm` RSAES_OAEP_SHA_1/256 (RSA keys) or SM2PKE run AsymmetricEncrypt /
 * AsymmetricDecrypt on the key's primary version, authorised as kms:Encrypt / kms:Decrypt.
 */
import { resolveKey } from '../../../core/domain/keys/common'
import { keyTarget } from '../../../core/domain/targets'
import { KmsError, invalidParameter, missingParameter } from '../../../core/errors'
import { action, parseInput, runAction, type Schema } from '../../alibaba/action'
import type { ActionContext } from '../../alibaba/context'
import { awsKeyArn, keyRefFromAws } from '../arn'
import { awsAction, bool, num, params, str, stringMap, type AwsCallContext, type JsonObject } from '../action'
import { alibaba } from './via'

const SYMMETRIC = 'SYMMETRIC_DEFAULT'

function symmetricOnly(body: JsonObject, field: string): void {
  const algorithm = str(body, field)
  if (algorithm !== undefined && algorithm !== SYMMETRIC) {
    throw new KmsError(
      'key.unsupportedOperation',
      `${field} ${algorithm.slice(0, 32).replace(/[^A-Z0-9_]/g, '?')} is not supported by this operation here; use SYMMETRIC_DEFAULT.`,
    )
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

/** AWS: Encrypt takes at most 4096 bytes of plaintext (the core alone allows more). */
const MAX_PLAINTEXT_BYTES = 4096

function assertPlaintextSize(body: JsonObject): void {
  const b64 = str(body, 'Plaintext')
  if (b64 === undefined) return
  const bytes = Math.floor((b64.length * 3) / 4) - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0)
  if (bytes > MAX_PLAINTEXT_BYTES) throw invalidParameter('Plaintext', `must be at most ${MAX_PLAINTEXT_BYTES} bytes.`)
}

/** Encryption algorithms of asymmetric keys, through AsymmetricEncrypt / AsymmetricDecrypt. */
const ASYMMETRIC_ALGORITHMS = new Set(['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE'])

/** `SYMMETRIC_DEFAULT` (or absent) → undefined; an asymmetric algorithm → its name; else refused. */
function asymmetricAlgorithm(body: JsonObject): string | undefined {
  const algorithm = str(body, 'EncryptionAlgorithm')
  if (algorithm === undefined || algorithm === SYMMETRIC) return undefined
  if (ASYMMETRIC_ALGORITHMS.has(algorithm)) return algorithm
  throw invalidParameter('EncryptionAlgorithm', 'must be SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256 or SM2PKE.')
}

/** A schema without `KeyVersionId`: AWS names no version, the primary one is used. */
function withoutVersion(schema: Schema): Schema {
  return Object.fromEntries(Object.entries(schema).filter(([name]) => name !== 'KeyVersionId'))
}

const symmetricEncrypt = alibaba('Encrypt')
const asymmetricEncrypt = alibaba('AsymmetricEncrypt')
const symmetricDecrypt = alibaba('Decrypt')
const asymmetricDecrypt = alibaba('AsymmetricDecrypt')

/**
 * AWS Encrypt: Alibaba's Encrypt, or with an RSAES/SM2PKE `Algorithm` its AsymmetricEncrypt on the
 * key's primary version. One permission for both, as AWS: kms:Encrypt on the key (the two Alibaba
 * actions check the same resource and context).
 */
export const EncryptDescriptor = action({
  name: 'Encrypt',
  params: {},
  permission: symmetricEncrypt.permission,
  handler: async (ctx) => {
    const algorithm = ctx.params.optionalString('Algorithm', { max: 64 })
    if (algorithm === undefined) return runAction(symmetricEncrypt, ctx)
    const key = await resolveKey(ctx.deps, ctx.caller, keyTarget(ctx.targets))
    return asymmetricEncrypt.handler(ctx, {
      ...parseInput(withoutVersion(asymmetricEncrypt.params), ctx.params),
      KeyVersionId: key.primaryVersionId,
    })
  },
})

/**
 * AWS Decrypt: Alibaba's Decrypt (authorised on the ciphertext's key), or with an asymmetric
 * algorithm AsymmetricDecrypt on the primary version of the key `KeyId` names (authorised on that
 * key, which the ciphertext does not name) — kms:Decrypt either way. The request mapping puts the
 * key in `SourceKeyId` and the algorithm in `SourceEncryptionAlgorithm`, the parameters the
 * `reEncryptSource` resource reads to tell the two apart (functions/authorize.ts).
 */
export const DecryptDescriptor = action({
  name: 'Decrypt',
  params: {},
  permission: {
    checks: [{ action: 'kms:Decrypt', resource: { kind: 'reEncryptSource' }, contextParam: 'EncryptionContext' }],
    readOnly: symmetricDecrypt.permission.readOnly,
    crossAccount: symmetricDecrypt.permission.crossAccount,
  },
  handler: async (ctx) => {
    const algorithm = ctx.params.optionalString('SourceEncryptionAlgorithm', { max: 64 })
    if (algorithm === undefined) return runAction(symmetricDecrypt, ctx)
    const target = keyTarget(ctx.targets, 'SourceKeyId')
    const key = await resolveKey(ctx.deps, ctx.caller, target)
    const asKeyId = { ...ctx, targets: { ...ctx.targets, keys: { ...ctx.targets.keys, KeyId: target } } }
    return asymmetricDecrypt.handler(asKeyId, {
      ...parseInput(withoutVersion(asymmetricDecrypt.params), ctx.params),
      KeyVersionId: key.primaryVersionId,
    })
  },
})

export const Encrypt = awsAction({
  service: 'kms',
  name: 'Encrypt',
  via: EncryptDescriptor,
  request(body) {
    const algorithm = asymmetricAlgorithm(body)
    assertPlaintextSize(body)
    if (algorithm !== undefined && body.EncryptionContext !== undefined) {
      throw invalidParameter('EncryptionContext', `is not supported with ${algorithm}.`)
    }
    return params({
      KeyId: str(body, 'KeyId') !== undefined ? keyRefFromAws(str(body, 'KeyId')!) : undefined,
      Plaintext: str(body, 'Plaintext'),
      EncryptionContext: stringMap(body, 'EncryptionContext'),
      Algorithm: algorithm,
      DryRun: bool(body, 'DryRun'),
    })
  },
  response: (out, call, body) => ({
    KeyId: keyArnOf(out, call),
    CiphertextBlob: String(out.CiphertextBlob),
    EncryptionAlgorithm: asymmetricAlgorithm(body) ?? SYMMETRIC,
  }),
})

export const Decrypt = awsAction({
  service: 'kms',
  name: 'Decrypt',
  via: DecryptDescriptor,
  request(body) {
    const algorithm = asymmetricAlgorithm(body)
    if (body.Recipient !== undefined)
      throw new KmsError('key.unsupportedOperation', 'Recipient (Nitro Enclaves attestation) is not supported by this service.')
    if (algorithm === undefined) {
      return params({
        CiphertextBlob: str(body, 'CiphertextBlob'),
        EncryptionContext: stringMap(body, 'EncryptionContext'),
        DryRun: bool(body, 'DryRun'),
      })
    }
    const keyId = str(body, 'KeyId')
    if (keyId === undefined) throw missingParameter('KeyId')
    if (body.EncryptionContext !== undefined) throw invalidParameter('EncryptionContext', `is not supported with ${algorithm}.`)
    return params({
      SourceKeyId: keyRefFromAws(keyId),
      KeyId: keyRefFromAws(keyId),
      SourceEncryptionAlgorithm: algorithm,
      Algorithm: algorithm,
      CiphertextBlob: str(body, 'CiphertextBlob'),
      DryRun: bool(body, 'DryRun'),
    })
  },
  async response(out, call, body, ctx) {
    const requested = str(body, 'KeyId')
    if (requested !== undefined && !(await namesKey(ctx, requested, String(out.KeyId)))) {
      throw new KmsError('crypto.incorrectKey', 'The key ID in the request does not identify the key that encrypted the ciphertext.')
    }
    return { KeyId: keyArnOf(out, call), Plaintext: String(out.Plaintext), EncryptionAlgorithm: asymmetricAlgorithm(body) ?? SYMMETRIC }
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
    if (body.Recipient !== undefined)
      throw new KmsError('key.unsupportedOperation', 'Recipient (Nitro Enclaves attestation) is not supported by this service.')
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
