/**
 * @module core/domain/keys/asymmetric/get-public-key
 *
 * GetPublicKey: the public key of one version of an asymmetric key, as PEM
 * (`-----BEGIN PUBLIC KEY-----`, SubjectPublicKeyInfo), which OpenSSL, Node and Java read as is.
 */
import { toPem } from '../../../crypto/asymmetric/der'
import type { Caller, KeyRecord } from '../../model'
import type { KeyDeps } from '../../ports'
import { versionPublicKey } from './key-material'
import { dryRunSucceeded, resolveAsymmetricVersion } from './resolve-version'

/** @throws KmsError key.* (not found, usage, state, version), dryRun.wouldSucceed */
export async function getPublicKey(
  deps: Pick<KeyDeps, 'keys' | 'aliases'>,
  caller: Caller,
  input: { keyId: string; versionId: string; dryRun?: boolean },
): Promise<{ key: KeyRecord; versionId: string; pem: string }> {
  const { key, version } = await resolveAsymmetricVersion(deps, caller, input.keyId, input.versionId, 'GetPublicKey')
  if (input.dryRun) throw dryRunSucceeded()
  return { key, versionId: version.versionId, pem: toPem(versionPublicKey(version), 'PUBLIC KEY') }
}
