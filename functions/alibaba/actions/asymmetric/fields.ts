/**
 * @module functions/alibaba/actions/asymmetric/fields
 *
 * The parameters the asymmetric actions share, with their limits (not an action). Binary values
 * are base64 on the wire; the limits are upper bounds, and the domain checks exact lengths per
 * spec so that a wrong length gets its own message.
 */
import { invalidCiphertext, KmsError } from '../../../../core/errors'
import { KEY_ID, KEY_VERSION_ID, base64, custom, text } from '../../fields'

/** Digests are 32 bytes; a little slack lets the domain report the wrong length precisely. */
export const MAX_DIGEST_BYTES = 128
/** RSA-4096 signatures are 512 bytes, DER ECDSA at most 72. */
export const MAX_SIGNATURE_BYTES = 1024
/** SM2PKE takes at most 6047 bytes (RSA-4096 with OAEP-SHA-1: 470); the domain checks per spec. */
export const MAX_ASYMMETRIC_PLAINTEXT = 8192
/** RSA-4096: 512 bytes; an SM2PKE ciphertext is its plaintext plus at most 109 bytes of DER. */
export const MAX_ASYMMETRIC_CIPHERTEXT = 8192
export const MAX_SYMMETRIC_BLOB = 16 * 1024
/** An RSA-4096 SPKI is 550 bytes. */
const MAX_PUBLIC_KEY_BLOB = 4096

export const ALGORITHM = text({ max: 64 })

/** The key version an asymmetric operation names: `KeyId` and `KeyVersionId`, both required. */
export const KEY_AND_VERSION = { KeyId: KEY_ID, KeyVersionId: KEY_VERSION_ID }

/** A ciphertext parameter: missing → MissingParameter, malformed → the uniform InvalidCiphertext. */
export function ciphertext(max: number) {
  return custom(`ciphertext, base64 ≤ ${max} bytes`, (p, n) => {
    try {
      return p.base64(n, max)
    } catch (err) {
      if (KmsError.match(err, 'validation.missingParameter')) throw err
      throw invalidCiphertext()
    }
  })
}

/** The public key a data key is exported under (ExportDataKey, GenerateAndExportDataKey). */
export const WRAPPING = {
  PublicKeyBlob: base64(MAX_PUBLIC_KEY_BLOB),
  WrappingAlgorithm: text({ max: 64 }),
  WrappingKeySpec: text({ max: 64 }),
}
