/**
 * @module core/domain/keys/byok/get-parameters-for-import
 *
 * GetParametersForImport: a fresh RSA_2048 wrapping key pair and an import token, valid 24 hours,
 * for a key with Origin=EXTERNAL. The wrapping private key is stored on the key item wrapped
 * under the root key (AAD `importwrap:<keyId>:<tokenId>`), with the token id, the chosen
 * algorithm and the expiry; the next call replaces them (retiring older tokens), a successful
 * import removes them. The wrapping key pair comes from WebCrypto.
 */
import { generateRsaKeyPair } from '../../../crypto/asymmetric/rsa'
import { toBase64, toHex, zeroize } from '../../../crypto/bytes'
import { wrapUnderRoot } from '../../../crypto/root-key'
import { invalidParameter, KmsError } from '../../../errors'
import type { Caller, KeyRecord } from '../../model'
import type { KeyDeps } from '../../ports'
import { assertKeyState, isoSeconds, mutateKey, resolveKey } from '../common'
import { sealImportToken } from './import-token'
import { IMPORT_WRAPPING_KEY_SPECS, wrappingScheme } from './wrapping'

/** Alibaba: the token and public key are valid for 24 hours. */
export const IMPORT_TOKEN_VALIDITY_MS = 24 * 3_600_000

export interface GetParametersForImportOutput {
  key: KeyRecord
  importToken: string
  /** Base64 of the DER SubjectPublicKeyInfo of the RSA_2048 wrapping key. */
  publicKey: string
  tokenExpireTime: string
}

/** @throws KmsError if the key is not EXTERNAL. */
export function assertExternal(key: KeyRecord): void {
  if (key.origin !== 'EXTERNAL') {
    throw new KmsError('key.unsupportedOrigin', 'Key material can only be imported into keys created with Origin=EXTERNAL.')
  }
}

/**
 * @throws KmsError key.notFound, key.unsupportedOrigin, key state errors,
 *   validation.invalidParameter (WrappingAlgorithm, WrappingKeySpec), concurrency.conflict
 */
export async function getParametersForImport(
  deps: Pick<KeyDeps, 'keys' | 'aliases' | 'clock' | 'random' | 'rootKeys'>,
  caller: Caller,
  input: { keyId: string; wrappingAlgorithm: string; wrappingKeySpec: string },
): Promise<GetParametersForImportOutput> {
  const current = await resolveKey(deps, caller, input.keyId)
  assertExternal(current)
  assertKeyState('GetParametersForImport', current)
  if (!(IMPORT_WRAPPING_KEY_SPECS as readonly string[]).includes(input.wrappingKeySpec)) {
    throw invalidParameter('WrappingKeySpec', `must be ${IMPORT_WRAPPING_KEY_SPECS.join(' or ')}.`)
  }
  wrappingScheme(current, input.wrappingAlgorithm)

  const pair = await generateRsaKeyPair(2048)
  const tokenId = toHex(deps.random(16))
  // Second precision, so the stored and the sealed expiry are the same instant.
  const expiresAtMs = Math.floor((deps.clock.now() + IMPORT_TOKEN_VALIDITY_MS) / 1000) * 1000
  let wrappedPrivateKey: string
  try {
    wrappedPrivateKey = await wrapUnderRoot(deps.rootKeys, pair.pkcs8, `importwrap:${current.keyId}:${tokenId}`, deps.random)
  } finally {
    zeroize(pair.pkcs8)
  }
  const importToken = await sealImportToken(deps, current.keyId, { tokenId, expiresAtMs })
  const key = await mutateKey(deps, caller, current.keyId, 'GetParametersForImport', (k) => {
    assertExternal(k)
    return {
      ...k,
      importParameters: {
        tokenId,
        wrappingAlgorithm: input.wrappingAlgorithm,
        wrappingKeySpec: input.wrappingKeySpec,
        wrappedPrivateKey,
        expiresAt: isoSeconds(expiresAtMs),
      },
    }
  })
  return { key, importToken, publicKey: toBase64(pair.spki), tokenExpireTime: isoSeconds(expiresAtMs) }
}
