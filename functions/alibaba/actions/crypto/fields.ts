/**
 * @module functions/alibaba/actions/crypto/fields — the symmetric crypto actions' shared
 * parameters. Plaintext is base64 on the wire in both directions.
 */
import { KmsError } from '../../../../core/errors'
import { custom } from '../../fields'

/** Blobs are at most a few KB; anything larger is not ours. */
const MAX_BLOB_BYTES = 16 * 1024

/** A ciphertext blob: missing is a missing parameter; malformed is the uniform decrypt failure. */
export const CIPHERTEXT_BLOB = custom(`base64 ≤ ${MAX_BLOB_BYTES} bytes`, (params, name) => {
  try {
    return params.base64(name, MAX_BLOB_BYTES)
  } catch (err) {
    if (KmsError.match(err, 'validation.missingParameter')) throw err
    throw new KmsError('crypto.invalidCiphertext', 'The specified CiphertextBlob is invalid, or does not match the encryption context.')
  }
})
