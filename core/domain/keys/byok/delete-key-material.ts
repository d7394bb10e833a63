/**
 * @module core/domain/keys/byok/delete-key-material
 *
 * DeleteKeyMaterial: remove imported material (every version's wrapped material) and return the
 * key to PendingImport. The version ids, the public keys and the material fingerprint stay, so
 * re-importing the same material restores the key exactly: old ciphertexts decrypt again, old
 * signatures verify with the same KeyVersionId. Repeating the call on a PendingImport key writes
 * nothing. Expiry of imported material (./expire-material-job.ts) applies the same change.
 */
import type { Caller, KeyRecord } from '../../model'
import type { KeyDeps } from '../../ports'
import { mutateKey } from '../common'
import { assertExternal } from './get-parameters-for-import'

/** The key without its material, in PendingImport. */
export function withoutKeyMaterial(key: KeyRecord): KeyRecord {
  return {
    ...key,
    keyState: 'PendingImport',
    versions: key.versions.map(({ wrappedMaterial: _gone, ...rest }) => rest),
    materialExpireTime: undefined,
  }
}

/** @throws KmsError key.notFound, key.unsupportedOrigin, key state errors, concurrency.conflict */
export function deleteKeyMaterial(deps: Pick<KeyDeps, 'keys' | 'aliases' | 'clock'>, caller: Caller, keyId: string): Promise<KeyRecord> {
  return mutateKey(deps, caller, keyId, 'DeleteKeyMaterial', (key) => {
    assertExternal(key)
    if (key.keyState === 'PendingImport' && key.versions.every((v) => v.wrappedMaterial === undefined)) return undefined
    return withoutKeyMaterial(key)
  })
}
