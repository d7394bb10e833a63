/**
 * @module core/domain/keys/byok/import-token
 *
 * The opaque `ImportToken` of GetParametersForImport / ImportKeyMaterial.
 *
 * A token is `wrapUnderRoot(JSON {v:1, t:<tokenId>, e:<expiry ms>}, aad = "importtoken:<keyId>")`
 * (AES-256-GCM under the current root key, core/crypto/root-key.ts). So it is authenticated and
 * bound to its key: a token of another key, any edited byte, or a token sealed under a root key
 * the service does not know fails to open → `InvalidImportToken`. The expiry inside the token is
 * authenticated too (→ `ExpiredImportToken` once past). The token id must also equal the id on the
 * key item: a newer GetParametersForImport, or a successful import, retires older tokens.
 */
import { fromUtf8, utf8, zeroize } from '../../../crypto/bytes'
import { unwrapUnderRoot, wrapUnderRoot } from '../../../crypto/root-key'
import { KmsError } from '../../../errors'
import type { KeyDeps } from '../../ports'

/** Longest token accepted (a sealed token is about 150 characters). */
export const MAX_IMPORT_TOKEN_LENGTH = 1024

export interface ImportTokenPayload {
  tokenId: string
  expiresAtMs: number
}

export function invalidImportToken(cause?: unknown): KmsError {
  return new KmsError('import.invalidToken', 'The specified ImportToken is invalid.', { cause })
}

export function expiredImportToken(): KmsError {
  return new KmsError('import.expiredToken', 'The specified ImportToken has expired. Call GetParametersForImport again.')
}

function tokenAad(keyId: string): string {
  return `importtoken:${keyId}`
}

/** Seals a token for `keyId`. */
export function sealImportToken(deps: Pick<KeyDeps, 'rootKeys' | 'random'>, keyId: string, payload: ImportTokenPayload): Promise<string> {
  const json = JSON.stringify({ v: 1, t: payload.tokenId, e: payload.expiresAtMs })
  return wrapUnderRoot(deps.rootKeys, utf8(json), tokenAad(keyId), deps.random)
}

/**
 * Opens a token presented for `keyId` (authenticity and binding only; expiry and the current
 * token id are the caller's checks).
 * @throws KmsError import.invalidToken for anything that is not a token this service sealed for this key
 */
export async function openImportToken(deps: Pick<KeyDeps, 'rootKeys'>, keyId: string, token: string): Promise<ImportTokenPayload> {
  if (token.length === 0 || token.length > MAX_IMPORT_TOKEN_LENGTH) throw invalidImportToken()
  let bytes: Uint8Array
  try {
    bytes = await unwrapUnderRoot(deps.rootKeys, token, tokenAad(keyId))
  } catch (err) {
    throw invalidImportToken(err)
  }
  try {
    const parsed = JSON.parse(fromUtf8(bytes)) as { v?: unknown; t?: unknown; e?: unknown }
    if (parsed.v !== 1 || typeof parsed.t !== 'string' || typeof parsed.e !== 'number' || !Number.isSafeInteger(parsed.e)) {
      throw new Error('unexpected token payload')
    }
    return { tokenId: parsed.t, expiresAtMs: parsed.e }
  } catch (err) {
    throw invalidImportToken(err)
  } finally {
    zeroize(bytes)
  }
}
