/**
 * @module core/domain/keys/mac/create-mac-key
 *
 * CreateKey for the HMAC specs (./specs.ts): KeyUsage `GENERATE/VERIFY_MAC` (the default and
 * the only value), `ProtectionLevel` SOFTWARE (material of the hash's length, wrapped under the
 * root key like every software key) or HSM (a CKK_GENERIC_SECRET token object of that length,
 * made through ../hsm/create-hsm-key.ts). Refused: `Origin=EXTERNAL` (Unsupported.Origin),
 * `EnableAutomaticRotation=true` (HMAC keys do not rotate, as in AWS).
 */
import { KmsError, invalidParameter } from '../../../errors'
import { SHARED_INSTANCE, type Caller, type KeyRecord } from '../../model'
import type { HsmDeps, KeyDeps } from '../../ports'
import { isoSeconds } from '../common'
import { newSoftwareVersion, uuidV4 } from '../material'
import { parseRotationInterval } from '../rotation'
import type { CreateKeyInput } from '../create-key'
import { mergeTags } from '../tags'
import { createHsmKey } from '../hsm/create-hsm-key'
import { hsmSpecOf, requireHsm } from '../hsm/hsm-keys'
import { MAC_KEY_USAGE, type MacKeySpec } from './specs'

/** CreateKey's input without KeySpec (the caller has resolved it to a {@link MacKeySpec}). */
export type CreateMacKeyInput = Omit<CreateKeyInput, 'keySpec'>

/**
 * Validates the request and creates the HMAC key with its one version. Nothing is written
 * unless every check passes.
 *
 * @throws KmsError validation.invalidParameter, key.invalidUsage, key.unsupportedOrigin,
 *   key.unsupportedProtectionLevel (no HSM bridge), hsm.unavailable
 */
export async function createMacKey(
  deps: KeyDeps & HsmDeps,
  caller: Caller,
  spec: MacKeySpec,
  input: CreateMacKeyInput,
): Promise<KeyRecord> {
  const keyUsage = input.keyUsage ?? MAC_KEY_USAGE
  const origin = input.origin ?? 'Aliyun_KMS'
  const protectionLevel = input.protectionLevel ?? 'SOFTWARE'
  if (keyUsage !== MAC_KEY_USAGE) {
    throw new KmsError('key.invalidUsage', `The key spec ${spec.keySpec} supports only the key usage ${MAC_KEY_USAGE}.`)
  }
  if (origin !== 'Aliyun_KMS' && origin !== 'EXTERNAL') throw invalidParameter('Origin', 'must be Aliyun_KMS or EXTERNAL.')
  if (origin === 'EXTERNAL') throw new KmsError('key.unsupportedOrigin', 'HMAC keys cannot import key material.')
  if (protectionLevel !== 'SOFTWARE' && protectionLevel !== 'HSM') {
    throw invalidParameter('ProtectionLevel', 'must be SOFTWARE or HSM.')
  }
  if (input.enableAutomaticRotation === true) {
    throw new KmsError('key.invalidUsage', 'HMAC keys cannot rotate automatically.')
  }
  // Validated like every CreateKey, but meaningless without rotation: not stored.
  if (input.rotationInterval !== undefined) parseRotationInterval(input.rotationInterval)
  const description = input.description ?? ''
  if (description.length > 8192) throw invalidParameter('Description', 'must be at most 8192 characters.')
  const hsmSpec = protectionLevel === 'HSM' ? hsmSpecOf(spec.keySpec) : undefined
  if (protectionLevel === 'HSM') {
    requireHsm(deps)
    if (!hsmSpec) throw new KmsError('key.unsupportedProtectionLevel', `The key spec ${spec.keySpec} cannot be protected by the HSM.`)
  }
  const tags = mergeTags({}, input.tags ?? [])

  const now = deps.clock.now()
  const keyId = input.keyId ?? uuidV4(deps.random)
  const version = hsmSpec ? undefined : await newSoftwareVersion(deps, keyId, now, spec.materialBytes)
  const key: KeyRecord = {
    keyId,
    accountId: caller.accountId,
    region: caller.region,
    instanceId: input.instanceId ?? SHARED_INSTANCE,
    keySpec: spec.keySpec,
    keyUsage: MAC_KEY_USAGE,
    origin: 'Aliyun_KMS',
    protectionLevel: 'SOFTWARE',
    creatorType: 'User',
    keyState: 'Enabled',
    description,
    creator: caller.accountId,
    createdAt: isoSeconds(now),
    deletionProtection: false,
    primaryVersionId: version?.versionId,
    versions: version ? [version] : [],
    automaticRotation: false,
    lastRotationDate: isoSeconds(now),
    tags,
    rev: 1,
  }
  if (hsmSpec) return createHsmKey(deps, key, hsmSpec)
  await deps.keys.create(key)
  return key
}
