/**
 * @module functions/alibaba/actions/crypto/re-encrypt — ReEncrypt: open under the source key, seal
 * under `DestinationKeyId`, never exposing the plaintext.
 *
 * Alibaba: an asymmetric source (raw RSA-OAEP ciphertext) is named by SourceKeyId,
 * SourceKeyVersionId and SourceEncryptionAlgorithm; otherwise the source is the key inside the
 * blob, which may live in another account than the destination key (each authorised under its
 * own account's policies, functions/authorize.ts): the blob is opened where its key lives
 * (`targets.blob`) and sealed under the destination key in its account.
 */
import { reEncryptFromAsymmetric } from '../../../../core/domain/keys/asymmetric/re-encrypt'
import { reEncrypt } from '../../../../core/domain/keys/symmetric-crypto'
import { keyTarget } from '../../../../core/domain/targets'
import { action, type Field } from '../../action'
import { custom, encryptionContext, KEY_ID, optionalBool } from '../../fields'
import type { Params } from '../../params'
import { withExternal } from '../key-stores/external'
import { CIPHERTEXT_BLOB } from './fields'

function isAsymmetricSource(params: Params): boolean {
  return params.has('SourceEncryptionAlgorithm') || params.has('SourceKeyVersionId')
}

/** A parameter of one source form only: read (required) for that form, else ignored. */
function sourceField<T>(asymmetric: boolean, describe: string, read: (params: Params, name: string) => T): Field<T | undefined> {
  return custom(describe, (params, name) => (isAsymmetricSource(params) === asymmetric ? read(params, name) : undefined))
}

export const ReEncrypt = action({
  name: 'ReEncrypt',
  params: {
    CiphertextBlob: CIPHERTEXT_BLOB,
    SourceKeyId: sourceField(true, 'string ≤ 512 (asymmetric source)', (p, n) => p.string(n, { max: 512 })),
    SourceKeyVersionId: sourceField(true, 'string ≤ 128 (asymmetric source)', (p, n) => p.string(n, { max: 128 })),
    SourceEncryptionAlgorithm: sourceField(true, 'string ≤ 64 (asymmetric source)', (p, n) => p.string(n, { max: 64 })),
    SourceEncryptionContext: sourceField(false, 'encryption context (symmetric source)', (p, n) => p.encryptionContext(n)),
    DestinationKeyId: KEY_ID,
    DestinationEncryptionContext: encryptionContext(),
    DryRun: optionalBool(),
  },
  permission: {
    checks: [
      { action: 'kms:ReEncryptFrom', resource: { kind: 'reEncryptSource' }, contextParam: 'SourceEncryptionContext' },
      { action: 'kms:ReEncryptTo', resource: { kind: 'key', params: ['DestinationKeyId'] }, contextParam: 'DestinationEncryptionContext' },
    ],
    readOnly: true,
    crossAccount: true,
  },
  handler: async ({ deps, caller, env, targets }, input) => {
    const destinationKeyId = keyTarget(targets, 'DestinationKeyId')
    if (input.SourceKeyVersionId !== undefined || input.SourceEncryptionAlgorithm !== undefined) {
      const out = await reEncryptFromAsymmetric(deps, caller, {
        ciphertext: input.CiphertextBlob,
        sourceKeyId: keyTarget(targets, 'SourceKeyId'),
        sourceVersionId: input.SourceKeyVersionId ?? '',
        sourceAlgorithm: input.SourceEncryptionAlgorithm ?? '',
        destinationKeyId,
        destinationContext: input.DestinationEncryptionContext,
        dryRun: input.DryRun,
      })
      return {
        KeyId: out.key.keyId,
        KeyVersionId: out.versionId,
        CiphertextBlob: out.ciphertextBlob,
        SourceKeyId: out.source.keyId,
        SourceKeyVersionId: out.source.versionId,
      }
    }
    const out = await reEncrypt(withExternal(deps, env), caller, {
      ...(targets.blob ? { sourceOwner: targets.blob } : {}),
      ciphertextBlob: input.CiphertextBlob,
      sourceContext: input.SourceEncryptionContext ?? {},
      destinationKeyId,
      destinationContext: input.DestinationEncryptionContext,
      dryRun: input.DryRun,
    })
    return {
      KeyId: out.key.keyId,
      KeyVersionId: out.versionId,
      CiphertextBlob: out.ciphertextBlob,
      SourceKeyId: out.source.key.keyId,
      SourceKeyVersionId: out.source.versionId,
    }
  },
})
