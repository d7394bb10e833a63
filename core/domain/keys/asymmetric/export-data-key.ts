/**
 * @module core/domain/keys/asymmetric/export-data-key
 *
 * ExportDataKey and GenerateAndExportDataKey: hand a data key (from a symmetric CiphertextBlob,
 * or freshly generated) to the holder of an RSA key pair, wrapped under the caller-supplied
 * public key — the plaintext data key never appears in the response.
 *
 * `PublicKeyBlob` is the base64 of a DER SubjectPublicKeyInfo, `WrappingKeySpec` its size
 * (RSA_2048/3072/4096, checked against the key), `WrappingAlgorithm` one of RSAES_OAEP_SHA_256,
 * RSAES_OAEP_SHA_1 (WebCrypto) or RSAES_PKCS1_V1_5 (the RSA engine; WebCrypto has no PKCS#1 v1.5
 * encryption). The public key is validated before the data key is touched.
 */
import type { Owner } from '../../targets/parse'
import type { KeyRef } from '../common'
import { oaepMaxPlaintext, pkcs1MaxPlaintext, rsaOaepEncrypt, rsaPkcs1Encrypt, rsaPublicInfo } from '../../../crypto/asymmetric/rsa'
import type { RsaEngine } from '../../../crypto/asymmetric/rsa-engine'
import { toBase64, zeroize } from '../../../crypto/bytes'
import { invalidParameter, KmsError } from '../../../errors'
import type { Caller, KeyRecord } from '../../model'
import type { KeyDeps } from '../../ports'
import { decrypt, generateDataKey, MAX_DATA_KEY_BYTES } from '../symmetric-crypto'

export const EXPORT_WRAPPING_ALGORITHMS = ['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1', 'RSAES_PKCS1_V1_5'] as const
export type ExportWrappingAlgorithm = (typeof EXPORT_WRAPPING_ALGORITHMS)[number]
const WRAPPING_KEY_BITS: Readonly<Record<string, number>> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 }

export interface WrappingPublicKeyInput {
  publicKeyBlob: Uint8Array
  wrappingAlgorithm: string
  wrappingKeySpec: string
}

interface WrappingKey {
  spki: Uint8Array
  bits: number
  algorithm: ExportWrappingAlgorithm
}

async function parseWrappingKey(input: WrappingPublicKeyInput): Promise<WrappingKey> {
  const algorithm = input.wrappingAlgorithm as ExportWrappingAlgorithm
  if (!EXPORT_WRAPPING_ALGORITHMS.includes(algorithm)) {
    throw invalidParameter('WrappingAlgorithm', `must be one of ${EXPORT_WRAPPING_ALGORITHMS.join(', ')}.`)
  }
  const bits = Object.hasOwn(WRAPPING_KEY_BITS, input.wrappingKeySpec) ? WRAPPING_KEY_BITS[input.wrappingKeySpec]! : undefined
  if (bits === undefined) throw invalidParameter('WrappingKeySpec', 'must be RSA_2048, RSA_3072 or RSA_4096.')
  let info: Awaited<ReturnType<typeof rsaPublicInfo>>
  try {
    info = await rsaPublicInfo(input.publicKeyBlob)
  } catch {
    throw invalidParameter('PublicKeyBlob', 'must be the base64 of a DER-encoded RSA SubjectPublicKeyInfo.')
  }
  if (info.bits !== bits) throw invalidParameter('WrappingKeySpec', 'does not match the size of the key in PublicKeyBlob.')
  return { spki: input.publicKeyBlob, bits, algorithm }
}

function maxPlaintext(w: WrappingKey): number {
  if (w.algorithm === 'RSAES_PKCS1_V1_5') return pkcs1MaxPlaintext(w.bits)
  return oaepMaxPlaintext(w.bits, w.algorithm === 'RSAES_OAEP_SHA_1' ? 'SHA-1' : 'SHA-256')
}

async function wrapFor(w: WrappingKey, dataKey: Uint8Array, engine: RsaEngine): Promise<string> {
  if (dataKey.length > maxPlaintext(w)) {
    throw invalidParameter('PublicKeyBlob', `a ${dataKey.length}-byte data key does not fit ${w.algorithm} under this key.`)
  }
  try {
    if (w.algorithm === 'RSAES_PKCS1_V1_5') return toBase64(rsaPkcs1Encrypt(engine, w.spki, w.bits, dataKey))
    return toBase64(await rsaOaepEncrypt(w.spki, dataKey, w.algorithm === 'RSAES_OAEP_SHA_1' ? 'SHA-1' : 'SHA-256'))
  } catch (err) {
    throw new KmsError('internal', 'The data key could not be wrapped.', { cause: err })
  }
}

export interface ExportDataKeyOutput {
  key: KeyRecord
  versionId: string
  /** Base64 of the data key encrypted under the caller's public key. */
  exportedDataKey: string
}

/**
 * ExportDataKey: decrypt a symmetric CiphertextBlob and re-wrap the data key under a public key.
 * @throws KmsError validation.invalidParameter (wrapping parameters, size), the uniform
 *   crypto.invalidCiphertext, key state errors
 */
export async function exportDataKey(
  deps: KeyDeps,
  caller: Caller,
  input: WrappingPublicKeyInput & {
    ciphertextBlob: Uint8Array
    context: Record<string, string>
    /** Where the blob's key was authorised (ResolvedTargets.blob); defaults to the caller's account. */
    owner?: Owner
  },
): Promise<ExportDataKeyOutput> {
  const wrapping = await parseWrappingKey(input)
  const opened = await decrypt(deps, caller, {
    ciphertextBlob: input.ciphertextBlob,
    context: input.context,
    operation: 'ExportDataKey',
    ...(input.owner ? { owner: input.owner } : {}),
  })
  try {
    return { key: opened.key, versionId: opened.versionId, exportedDataKey: await wrapFor(wrapping, opened.plaintext, deps.rsa) }
  } finally {
    zeroize(opened.plaintext)
  }
}

/**
 * GenerateAndExportDataKey: a fresh data key, returned sealed under the CMK (CiphertextBlob) and
 * wrapped under the caller's public key (ExportedDataKey).
 * @throws KmsError validation.invalidParameter, key.* errors
 */
export async function generateAndExportDataKey(
  deps: KeyDeps,
  caller: Caller,
  input: WrappingPublicKeyInput & {
    keyId: KeyRef
    keySpec?: string
    numberOfBytes?: number
    context: Record<string, string>
  },
): Promise<ExportDataKeyOutput & { ciphertextBlob: string }> {
  const wrapping = await parseWrappingKey(input)
  const length = input.numberOfBytes ?? (input.keySpec === 'AES_128' ? 16 : 32)
  // Out-of-range sizes are left to generateDataKey's own NumberOfBytes check.
  if (Number.isInteger(length) && length <= MAX_DATA_KEY_BYTES && length > maxPlaintext(wrapping)) {
    throw invalidParameter('NumberOfBytes', `a ${length}-byte data key does not fit ${wrapping.algorithm} under this key.`)
  }
  const out = await generateDataKey(deps, caller, {
    keyId: input.keyId,
    keySpec: input.keySpec,
    numberOfBytes: input.numberOfBytes,
    context: input.context,
    operation: 'GenerateAndExportDataKey',
  })
  try {
    const exportedDataKey = await wrapFor(wrapping, out.plaintext, deps.rsa)
    return { key: out.key, versionId: out.versionId, ciphertextBlob: out.ciphertextBlob, exportedDataKey }
  } finally {
    zeroize(out.plaintext)
  }
}
