/**
 * @module core/domain/keys/mac/resolve-mac-key
 *
 * What GenerateMac and VerifyMac do first: resolve the key (id, alias or ARN), require an HMAC
 * key (`Rejected.UnsupportedKeyUsage` for any other, as Encrypt/Sign with an HMAC key are
 * refused), check the key-state table (Enabled only), the algorithm against the spec and the
 * message length, then DryRun. The key's one (primary) version computes the tag, in the HSM or
 * with its unwrapped material ({@link withMacMaterial}).
 */
import { zeroize } from '../../../crypto/bytes'
import type { MacAlgorithm } from '../../../crypto/mac'
import { KmsError } from '../../../errors'
import type { Caller, KeyRecord } from '../../model'
import type { Hsm, HsmDeps, KeyDeps } from '../../ports'
import { assertKeyState, resolveKey, type KeyRef } from '../common'
import { dryRunSucceeded } from '../asymmetric/resolve-version'
import { isHsmKey, withHsmVersion } from '../hsm/hsm-keys'
import { unwrapVersion } from '../material'
import { assertMacAlgorithm, assertMacMessage, requireMacKey } from './specs'

export type MacDeps = Pick<KeyDeps, 'keys' | 'aliases' | 'rootKeys'> & HsmDeps

export interface MacTarget {
  key: KeyRecord
  versionId: string
  algorithm: MacAlgorithm
}

/**
 * @throws KmsError key.notFound, alias.notFound, key.invalidUsage, key state errors,
 *   validation.invalidParameter (Algorithm, Message), key.versionNotFound, dryRun.wouldSucceed
 */
export async function resolveMacKey(
  deps: MacDeps,
  caller: Caller,
  input: { keyId: KeyRef; algorithm: string; message: Uint8Array; dryRun?: boolean },
  operation: 'GenerateMac' | 'VerifyMac',
): Promise<MacTarget> {
  const key = await resolveKey(deps, caller, input.keyId)
  const spec = requireMacKey(key)
  assertKeyState(operation, key)
  const algorithm = assertMacAlgorithm(spec, input.algorithm)
  assertMacMessage(input.message)
  const versionId = key.primaryVersionId
  if (!versionId) throw new KmsError('key.versionNotFound', 'The specified key version is not found.')
  if (input.dryRun) throw dryRunSucceeded()
  return { key, versionId, algorithm }
}

/**
 * Runs a MAC operation on the target's version: `hsm` for an HSM key, else `software` with the
 * version's unwrapped material, zeroized after.
 *
 * @throws KmsError key.unsupportedProtectionLevel / hsm.unavailable (HSM keys), what the ops throw
 */
export async function withMacMaterial<T>(
  deps: MacDeps,
  target: MacTarget,
  ops: { hsm: (hsm: Hsm, objectId: string) => Promise<T>; software: (material: Uint8Array) => T },
): Promise<T> {
  const { key, versionId } = target
  if (isHsmKey(key)) return withHsmVersion(deps, key, versionId, ops.hsm)
  const material = await unwrapVersion(deps, key, versionId)
  try {
    return ops.software(material)
  } finally {
    zeroize(material)
  }
}
