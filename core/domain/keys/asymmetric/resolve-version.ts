/**
 * @module core/domain/keys/asymmetric/resolve-version
 *
 * What every asymmetric operation does first: find the key (id, alias or ARN), check that it is
 * asymmetric with the right usage, check the key-state table, then find the version the request
 * names. Alibaba requires `KeyVersionId` on every asymmetric call; a version that is not the
 * key's is `Forbidden.KeyVersionNotFound`.
 */
import { invalidParameter, KmsError } from '../../../errors'
import type { Caller, KeyRecord, KeyUsage, KeyVersionRecord } from '../../model'
import type { KeyDeps } from '../../ports'
import { assertKeyState, resolveKey, type KeyRef } from '../common'
import type { KeyOperation } from '../key-state-table'
import { assertSignAlgorithm, DIGEST_BYTES, requireAsymmetric, type AsymmetricSpec, type SignAlgorithm } from './specs'

export interface AsymmetricTarget {
  key: KeyRecord
  spec: AsymmetricSpec
  version: KeyVersionRecord
}

/**
 * @throws KmsError key.notFound, alias.notFound, key.invalidUsage, key state errors,
 *   key.versionNotFound
 */
export async function resolveAsymmetricVersion(
  deps: Pick<KeyDeps, 'keys' | 'aliases'>,
  caller: Caller,
  keyId: KeyRef,
  versionId: string,
  operation: KeyOperation,
  usage?: KeyUsage,
): Promise<AsymmetricTarget> {
  const key = await resolveKey(deps, caller, keyId)
  const spec = requireAsymmetric(key, usage)
  assertKeyState(operation, key)
  const version = key.versions.find((v) => v.versionId === versionId)
  if (!version) throw new KmsError('key.versionNotFound', 'The specified key version is not found.')
  return { key, spec, version }
}

/** The DryRun outcome once every check has passed. */
export function dryRunSucceeded(): KmsError {
  return new KmsError('dryRun.wouldSucceed', 'Request would have succeeded, but the DryRun flag is set.')
}

/**
 * The common start of AsymmetricSign and AsymmetricVerify: the SIGN/VERIFY version, the
 * algorithm checked against its spec, a 32-byte SHA-256 digest, then DryRun.
 * @throws KmsError as {@link resolveAsymmetricVersion}; validation.invalidParameter (Algorithm,
 *   Digest); dryRun.wouldSucceed
 */
export async function resolveSigningVersion(
  deps: Pick<KeyDeps, 'keys' | 'aliases'>,
  caller: Caller,
  input: { keyId: KeyRef; versionId: string; algorithm: string; digest: Uint8Array; dryRun?: boolean },
  operation: 'AsymmetricSign' | 'AsymmetricVerify',
): Promise<AsymmetricTarget & { algorithm: SignAlgorithm }> {
  const target = await resolveAsymmetricVersion(deps, caller, input.keyId, input.versionId, operation, 'SIGN/VERIFY')
  const algorithm = assertSignAlgorithm(target.spec, input.algorithm)
  if (input.digest.length !== DIGEST_BYTES) {
    throw invalidParameter('Digest', 'must be the base64 of a 32-byte SHA-256 digest.')
  }
  if (input.dryRun) throw dryRunSucceeded()
  return { ...target, algorithm }
}
