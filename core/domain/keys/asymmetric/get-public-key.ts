/**
 * @module core/domain/keys/asymmetric/get-public-key
 *
 * GetPublicKey: the public key of one version of an asymmetric key, as PEM
 * (`-----BEGIN PUBLIC KEY-----`, SubjectPublicKeyInfo), which OpenSSL, Node and Java read as is.
 * HSM keys: read from the HSM.
 */
import type { KeyRef } from '../common'
import { toPem } from '../../../crypto/asymmetric/der'
import type { Caller, KeyRecord } from '../../model'
import type { HsmDeps, KeyDeps } from '../../ports'
import { isHsmKey, withHsmVersion } from '../hsm/hsm-keys'
import { versionPublicKey } from './key-material'
import { dryRunSucceeded, resolveAsymmetricVersion } from './resolve-version'

/** @throws KmsError key.* (not found, usage, state, version), dryRun.wouldSucceed, hsm.unavailable */
export async function getPublicKey(
  deps: Pick<KeyDeps, 'keys' | 'aliases'> & HsmDeps,
  caller: Caller,
  input: { keyId: KeyRef; versionId: string; dryRun?: boolean },
): Promise<{ key: KeyRecord; versionId: string; pem: string }> {
  const { key, version } = await resolveAsymmetricVersion(deps, caller, input.keyId, input.versionId, 'GetPublicKey')
  if (input.dryRun) throw dryRunSucceeded()
  const spki = isHsmKey(key)
    ? await withHsmVersion(deps, key, version.versionId, (hsm, id) => hsm.getPublicKey(id))
    : versionPublicKey(version)
  return { key, versionId: version.versionId, pem: toPem(spki, 'PUBLIC KEY') }
}
