/**
 * @module core/domain/keys/create-key
 *
 * CreateKey for software-protected keys: symmetric `Aliyun_AES_256` (`ENCRYPT/DECRYPT`) and,
 * the asymmetric specs of ./asymmetric/specs.ts (RSA_2048/3072/4096 with either
 * usage, EC_P256/EC_P256K for SIGN/VERIFY). `Origin=EXTERNAL` (BYOK) creates the key in
 * PendingImport with no version; its material arrives through ImportKeyMaterial (./byok).
 * `ProtectionLevel=HSM` creates Aliyun_AES_256, RSA_2048/3072/4096 and EC_P256 keys in
 * the HSM through ./hsm/create-hsm-key.ts. `Aliyun_SM4` (SM4-GCM, ./sm4-keys.ts) and `EC_SM2`
 * (SM2DSA / SM2PKE) are software keys; `ProtectionLevel=HSM` for them is
 * `Unsupported.ProtectionLevel` (SoftHSMv2 has no SM mechanisms).
 */
import { KmsError } from '../../errors'
import { SHARED_INSTANCE, type Caller, type KeyRecord } from '../model'
import type { HsmDeps, KeyDeps } from '../ports'
import { isoSeconds } from './common'
import { newSoftwareVersion, uuidV4 } from './material'
import { DEFAULT_ROTATION_SECONDS, parseRotationInterval } from './rotation'
import { newAsymmetricVersion } from './asymmetric/key-material'
import { asymmetricSpec, isUsageAllowed } from './asymmetric/specs'
import { mergeTags, type Tag } from './tags'
import { createHsmKey } from './hsm/create-hsm-key'
import { hsmSpecOf, requireHsm } from './hsm/hsm-keys'
import { defaultKeyUsage } from './key-spec-defaults'
import { symmetricMaterialBytes } from './sm4-keys'
import { createMacKey } from './mac/create-mac-key'
import { isUnsupportedMacSpec, macKeySpec } from './mac/specs'

export interface CreateKeyInput {
  keySpec?: string
  keyUsage?: string
  origin?: string
  protectionLevel?: string
  description?: string
  enableAutomaticRotation?: boolean
  rotationInterval?: string
  tags?: Tag[]
  instanceId?: string
  /** A key id drawn by the caller (./create-key-with-policy.ts writes the policy first); server-side only. */
  keyId?: string
}

const SYMMETRIC_SPECS = new Set(['Aliyun_AES_256', 'Aliyun_SM4'])
const KNOWN_SPECS = new Set([
  'Aliyun_AES_256',
  'Aliyun_AES_128',
  'Aliyun_AES_192',
  'Aliyun_SM4',
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'EC_P256',
  'EC_P256K',
  'EC_SM2',
])

/**
 * Validates the request and creates the key with its first version. Nothing is written unless
 * every check passes; the write is conditional on the (fresh, random) id not existing.
 *
 * @throws KmsError validation.*, key.unsupported*, limit.exceeded
 */
export async function createKey(deps: KeyDeps & HsmDeps, caller: Caller, input: CreateKeyInput): Promise<KeyRecord> {
  // HMAC specs have their own usage, defaults and limits (./mac/create-mac-key.ts).
  const macSpec = macKeySpec(input.keySpec ?? '')
  if (macSpec) return createMacKey(deps, caller, macSpec, input)
  if (isUnsupportedMacSpec(input.keySpec ?? '')) {
    throw new KmsError('key.unsupportedSpec', `The key spec ${input.keySpec} is not supported by this service yet.`)
  }
  const keySpec = input.keySpec ?? 'Aliyun_AES_256'
  const keyUsage = input.keyUsage ?? defaultKeyUsage(keySpec)
  const origin = input.origin ?? 'Aliyun_KMS'
  const protectionLevel = input.protectionLevel ?? 'SOFTWARE'
  if (!KNOWN_SPECS.has(keySpec)) {
    throw new KmsError('validation.invalidParameter', 'The parameter "KeySpec" is invalid.', {
      details: { parameter: 'KeySpec' },
    })
  }
  if (keyUsage !== 'ENCRYPT/DECRYPT' && keyUsage !== 'SIGN/VERIFY') {
    throw new KmsError('validation.invalidParameter', 'The parameter "KeyUsage" must be ENCRYPT/DECRYPT or SIGN/VERIFY.', {
      details: { parameter: 'KeyUsage' },
    })
  }
  if (origin !== 'Aliyun_KMS' && origin !== 'EXTERNAL') {
    throw new KmsError('validation.invalidParameter', 'The parameter "Origin" must be Aliyun_KMS or EXTERNAL.', {
      details: { parameter: 'Origin' },
    })
  }
  if (protectionLevel !== 'SOFTWARE' && protectionLevel !== 'HSM') {
    throw new KmsError('validation.invalidParameter', 'The parameter "ProtectionLevel" must be SOFTWARE or HSM.', {
      details: { parameter: 'ProtectionLevel' },
    })
  }
  const asymmetric = asymmetricSpec(keySpec)
  if (!SYMMETRIC_SPECS.has(keySpec) && !asymmetric) {
    throw new KmsError('key.unsupportedSpec', `The key spec ${keySpec} is not supported by this service yet.`)
  }
  if (asymmetric ? !isUsageAllowed(asymmetric, keyUsage) : keyUsage !== 'ENCRYPT/DECRYPT') {
    const allowed = asymmetric?.kind === 'rsa' ? 'ENCRYPT/DECRYPT or SIGN/VERIFY' : asymmetric ? 'SIGN/VERIFY' : 'ENCRYPT/DECRYPT'
    throw new KmsError('key.invalidUsage', `The key spec ${keySpec} supports only the key usage ${allowed}.`)
  }
  const hsmSpec = protectionLevel === 'HSM' ? hsmSpecOf(keySpec) : undefined
  if (protectionLevel === 'HSM') {
    requireHsm(deps)
    if (!hsmSpec) throw new KmsError('key.unsupportedProtectionLevel', `The key spec ${keySpec} cannot be protected by the HSM.`)
    if (origin === 'EXTERNAL') throw new KmsError('key.unsupportedProtectionLevel', 'Hardware-protected keys cannot import key material.')
    if (input.enableAutomaticRotation === true) {
      throw new KmsError('key.unsupportedProtectionLevel', 'Hardware-protected keys cannot rotate automatically.')
    }
  }
  const description = input.description ?? ''
  if (description.length > 8192) {
    throw new KmsError('validation.invalidParameter', 'The parameter "Description" must be at most 8192 characters.', {
      details: { parameter: 'Description' },
    })
  }
  let rotationIntervalSeconds: number | undefined
  if (input.rotationInterval !== undefined) rotationIntervalSeconds = parseRotationInterval(input.rotationInterval)
  const automaticRotation = input.enableAutomaticRotation === true
  if (automaticRotation && asymmetric) {
    throw new KmsError('key.invalidUsage', 'Automatic rotation is only available for symmetric keys; use CreateKeyVersion.')
  }
  if (automaticRotation && origin === 'EXTERNAL') {
    throw new KmsError('key.unsupportedOrigin', 'Keys with imported key material cannot rotate automatically.')
  }
  if (automaticRotation && rotationIntervalSeconds === undefined) rotationIntervalSeconds = DEFAULT_ROTATION_SECONDS
  const tags = mergeTags({}, input.tags ?? [])

  const now = deps.clock.now()
  const keyId = input.keyId ?? uuidV4(deps.random)
  const external = origin === 'EXTERNAL'
  const version =
    external || hsmSpec
      ? undefined
      : asymmetric
        ? await newAsymmetricVersion(deps, keyId, asymmetric, now)
        : await newSoftwareVersion(deps, keyId, now, symmetricMaterialBytes(keySpec))
  const key: KeyRecord = {
    keyId,
    accountId: caller.accountId,
    region: caller.region,
    instanceId: input.instanceId ?? SHARED_INSTANCE,
    keySpec: keySpec as KeyRecord['keySpec'],
    keyUsage: keyUsage as KeyRecord['keyUsage'],
    origin: external ? 'EXTERNAL' : 'Aliyun_KMS',
    protectionLevel: 'SOFTWARE',
    creatorType: 'User',
    keyState: external ? 'PendingImport' : 'Enabled',
    description,
    creator: caller.accountId,
    createdAt: isoSeconds(now),
    deletionProtection: false,
    primaryVersionId: version?.versionId,
    versions: version ? [version] : [],
    automaticRotation,
    rotationIntervalSeconds,
    lastRotationDate: isoSeconds(now),
    nextRotationDate:
      automaticRotation && rotationIntervalSeconds !== undefined ? isoSeconds(now + rotationIntervalSeconds * 1000) : undefined,
    tags,
    rev: 1,
  }
  if (hsmSpec) return createHsmKey(deps, key, hsmSpec)
  await deps.keys.create(key)
  return key
}
