/**
 * @module core/domain/keys/hsm/create-hsm-key-version
 *
 * CreateKeyVersion for HSM-protected asymmetric keys (RSA_2048/3072/4096, EC_P256), with the
 * intent protocol of ./create-hsm-key.ts applied to one version (one conditional write per step,
 * no transactions needed):
 *
 * 1. **Intent**: the new version is appended with `hsmState: 'Creating'` (conditional on the
 *    key's revision, re-checking Alibaba's limits: Enabled, 50 versions, 7 days). It is not the
 *    primary version, and ./hsm-keys `withHsmVersion` refuses to use a `Creating` version.
 * 2. The key pair is generated in the HSM with `CKA_ID` = key id ‖ version id (the bridge's
 *    `generate-key` op, the same as for CreateKey).
 * 3. **Confirm**: the version becomes `Active` with its public key and the primary version.
 *
 * Failure of step 2 removes the intent version again (best effort) and destroys any object a
 * timed-out generate may have made. A crash after step 2 leaves a `Creating` version whose object
 * exists: the reconciler (./reconcile-hsm-keys) marks it `Active` but not primary (the caller saw
 * an error; the version is usable by its KeyVersionId, and the next CreateKeyVersion after the
 * 7-day interval makes a newer one primary). A crash
 * after step 1 only leaves a `Creating` version without an object, which is never used; it
 * counts against the 50-version limit and the 7-day interval like any version.
 */
import { toBase64 } from '../../../crypto/bytes'
import { KmsError } from '../../../errors'
import type { Caller, KeyRecord, KeyVersionRecord } from '../../model'
import type { HsmDeps, KeyDeps } from '../../ports'
import { isoSeconds, mutateKey } from '../common'
import { uuidV4 } from '../material'
import { hsmObjectId, hsmSpecOf, requireHsm } from './hsm-keys'

/**
 * @param assertCanAddVersion - the limits of ../asymmetric/create-key-version.ts, re-checked on
 *   the fresh item of each write
 * @throws KmsError as CreateKeyVersion; hsm.unavailable (retryable: no version was added)
 */
export async function createHsmKeyVersion(
  deps: Pick<KeyDeps, 'keys' | 'aliases' | 'clock' | 'random'> & HsmDeps,
  caller: Caller,
  current: KeyRecord,
  assertCanAddVersion: (key: KeyRecord, nowMs: number) => void,
): Promise<{ key: KeyRecord; version: KeyVersionRecord }> {
  const hsm = requireHsm(deps)
  const spec = hsmSpecOf(current.keySpec)
  if (!spec || spec === 'AES_256' || spec.startsWith('HMAC_')) {
    throw new KmsError('key.unsupportedProtectionLevel', `The key spec ${current.keySpec} cannot create versions in the HSM.`)
  }
  const versionId = uuidV4(deps.random)
  const createdAt = isoSeconds(deps.clock.now())
  await mutateKey(deps, caller, current.keyId, 'CreateKeyVersion', (k, nowMs) => {
    assertCanAddVersion(k, nowMs)
    return { ...k, versions: [...k.versions, { versionId, createdAt, hsmState: 'Creating' }] }
  })
  const objectId = hsmObjectId(current.keyId, versionId)
  let publicKeySpki: string
  try {
    const generated = await hsm.generateKey(objectId, spec)
    if (!generated.publicKeySpkiDer) throw new KmsError('internal', 'The HSM returned no public key.')
    publicKeySpki = toBase64(generated.publicKeySpkiDer)
  } catch (err) {
    await undoVersionIntent(deps, caller, current.keyId, versionId, objectId)
    throw err
  }
  const version: KeyVersionRecord = { versionId, createdAt, hsmState: 'Active', publicKeySpki }
  const key = await mutateKey(deps, caller, current.keyId, 'CreateKeyVersion', (k) => {
    if (!k.versions.some((v) => v.versionId === versionId)) {
      throw new KmsError('concurrency.conflict', 'The key was modified while the version was being created. Retry the request.')
    }
    return {
      ...k,
      versions: k.versions.map((v) => (v.versionId === versionId ? version : v)),
      primaryVersionId: versionId,
      lastRotationDate: createdAt,
    }
  })
  return { key, version }
}

async function undoVersionIntent(
  deps: Pick<KeyDeps, 'keys' | 'aliases' | 'clock'> & HsmDeps,
  caller: Caller,
  keyId: string,
  versionId: string,
  objectId: string,
): Promise<void> {
  try {
    await requireHsm(deps).destroyKey(objectId)
    await mutateKey(deps, caller, keyId, 'DescribeKey', (k) => {
      const version = k.versions.find((v) => v.versionId === versionId)
      if (!version || version.hsmState !== 'Creating') return undefined
      return { ...k, versions: k.versions.filter((v) => v.versionId !== versionId) }
    })
  } catch (err) {
    // Left as a `Creating` version without an object: never used (see the module comment).
    console.error(JSON.stringify({ level: 'warn', event: 'hsm.undoVersionIntent', error: (err as Error)?.name ?? 'unknown' }))
  }
}
