/**
 * @module core/domain/keys/asymmetric/re-encrypt
 *
 * ReEncrypt with an asymmetric source (Alibaba: `SourceKeyId`, `SourceKeyVersionId` and
 * `SourceEncryptionAlgorithm` name the RSA key version that produced the raw OAEP ciphertext):
 * decrypt with that version, seal under the symmetric destination key, never exposing the
 * plaintext. The source is checked with the ReEncryptFrom row of the key-state table.
 */
import { zeroize } from '../../../crypto/bytes'
import { KmsError } from '../../../errors'
import type { Caller } from '../../model'
import type { KeyDeps } from '../../ports'
import type { KeyRef } from '../common'
import { encrypt, type EncryptOutput } from '../symmetric-crypto'
import { asymmetricDecrypt } from './asymmetric-decrypt'

/**
 * @throws KmsError from asymmetricDecrypt (source) and encrypt (destination)
 */
export async function reEncryptFromAsymmetric(
  deps: KeyDeps,
  caller: Caller,
  input: {
    ciphertext: Uint8Array
    sourceKeyId: KeyRef
    sourceVersionId: string
    sourceAlgorithm: string
    destinationKeyId: KeyRef
    destinationContext: Record<string, string>
    dryRun?: boolean
  },
): Promise<EncryptOutput & { source: { keyId: string; versionId: string } }> {
  if (input.dryRun) {
    // Check both ends; each throws dryRun.wouldSucceed once its own checks pass.
    await asymmetricDecrypt(
      deps,
      caller,
      {
        keyId: input.sourceKeyId,
        versionId: input.sourceVersionId,
        algorithm: input.sourceAlgorithm,
        ciphertext: input.ciphertext,
        dryRun: true,
      },
      'ReEncryptFrom',
    ).catch((err: unknown) => {
      if (!KmsError.match(err, 'dryRun.')) throw err
    })
    await encrypt(deps, caller, {
      keyId: input.destinationKeyId,
      plaintext: new Uint8Array(1),
      context: input.destinationContext,
      dryRun: true,
    })
  }
  const opened = await asymmetricDecrypt(
    deps,
    caller,
    {
      keyId: input.sourceKeyId,
      versionId: input.sourceVersionId,
      algorithm: input.sourceAlgorithm,
      ciphertext: input.ciphertext,
    },
    'ReEncryptFrom',
  )
  try {
    const sealed = await encrypt(deps, caller, {
      keyId: input.destinationKeyId,
      plaintext: opened.plaintext,
      context: input.destinationContext,
    })
    return { ...sealed, source: { keyId: opened.key.keyId, versionId: opened.versionId } }
  } finally {
    zeroize(opened.plaintext)
  }
}
