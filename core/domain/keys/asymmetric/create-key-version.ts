/**
 * @module core/domain/keys/asymmetric/create-key-version
 *
 * CreateKeyVersion: manual rotation of an asymmetric key. Alibaba's rules: asymmetric keys in the
 * Enabled state only, at most 50 versions, and at least 7 days between two versions (counted
 * from the newest version's creation, so a key cannot rotate in its first week). The new version
 * (fresh key pair) becomes the primary version; every earlier version keeps signing, verifying
 * and decrypting by its KeyVersionId. Keys with imported material (Origin=EXTERNAL) get new
 * material only by import, so they are refused. HSM-protected asymmetric keys generate the new
 * key pair in the HSM (../hsm/create-hsm-key-version.ts).
 */
import { KmsError } from '../../../errors'
import type { Caller, KeyRecord, KeyVersionRecord } from '../../model'
import type { HsmDeps, KeyDeps } from '../../ports'
import { createHsmKeyVersion } from '../hsm/create-hsm-key-version'
import { assertKeyState, mutateKey, resolveKey } from '../common'
import { MAX_KEY_VERSIONS } from '../key-versions'
import { newAsymmetricVersion } from './key-material'
import { asymmetricSpec, type AsymmetricSpec } from './specs'

/** Alibaba: at least 7 days between two versions of a key. */
export const MIN_VERSION_INTERVAL_MS = 7 * 86_400_000

function assertCanAddVersion(key: KeyRecord, nowMs: number): AsymmetricSpec {
  const spec = asymmetricSpec(key.keySpec)
  if (!spec) {
    throw new KmsError(
      'key.invalidUsage',
      'CreateKeyVersion is only available for asymmetric keys; symmetric keys rotate through UpdateRotationPolicy.',
    )
  }
  if (key.origin !== 'Aliyun_KMS') {
    throw new KmsError('key.unsupportedOrigin', 'Keys with imported key material cannot create versions.')
  }
  if (key.versions.length >= MAX_KEY_VERSIONS) {
    throw new KmsError('limit.exceeded', `A key can have at most ${MAX_KEY_VERSIONS} versions.`)
  }
  const newest = Math.max(...key.versions.map((v) => Date.parse(v.createdAt)))
  if (nowMs - newest < MIN_VERSION_INTERVAL_MS) {
    throw new KmsError('limit.exceeded', 'A new key version can be created at most once every 7 days.')
  }
  return spec
}

/**
 * @throws KmsError key.notFound, key.invalidUsage (symmetric key), key.unsupportedOrigin, key state
 *   errors (Enabled only), limit.exceeded (50 versions, 7 days), concurrency.conflict
 */
export async function createKeyVersion(
  deps: Pick<KeyDeps, 'keys' | 'aliases' | 'clock' | 'random' | 'rootKeys'> & HsmDeps,
  caller: Caller,
  keyId: string,
): Promise<{ key: KeyRecord; version: KeyVersionRecord }> {
  const current = await resolveKey(deps, caller, keyId)
  const spec = asymmetricSpec(current.keySpec)
  if (spec) assertKeyState('CreateKeyVersion', current)
  assertCanAddVersion(current, deps.clock.now())
  if (current.protectionLevel === 'HSM') return createHsmKeyVersion(deps, caller, current, assertCanAddVersion)
  // Generated before the conditional write (key generation is async); the write re-checks the
  // limits on the fresh item, so two racing calls cannot both add a version.
  const version = await newAsymmetricVersion(deps, current.keyId, spec!, deps.clock.now())
  const key = await mutateKey(deps, caller, current.keyId, 'CreateKeyVersion', (k, nowMs) => {
    assertCanAddVersion(k, nowMs)
    return { ...k, versions: [...k.versions, version], primaryVersionId: version.versionId, lastRotationDate: version.createdAt }
  })
  return { key, version }
}
