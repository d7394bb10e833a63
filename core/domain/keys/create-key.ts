/**
 * @module core/domain/keys/create-key
 *
 * CreateKey for software-protected symmetric keys (`Aliyun_AES_256`, `ENCRYPT/DECRYPT`).
 * Asymmetric specs, HSM protection and BYOK (`Origin=EXTERNAL`) are refused with Alibaba's
 * `Unsupported.*` codes until their issues land.
 */
import { KmsError } from '../../errors'
import { SHARED_INSTANCE, type Caller, type KeyRecord } from '../model'
import type { KeyDeps } from '../ports'
import { isoSeconds } from './common'
import { newSoftwareVersion, uuidV4 } from './material'
import { DEFAULT_ROTATION_SECONDS, parseRotationInterval } from './rotation'
import { mergeTags, type Tag } from './tags'

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
}

const SYMMETRIC_SPECS = new Set(['Aliyun_AES_256'])
const KNOWN_SPECS = new Set([
  'Aliyun_AES_256', 'Aliyun_AES_128', 'Aliyun_AES_192', 'Aliyun_SM4',
  'RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_P256', 'EC_P256K', 'EC_SM2',
])

/**
 * Validates the request and creates the key with its first version. Nothing is written unless
 * every check passes; the write is conditional on the (fresh, random) id not existing.
 *
 * @throws KmsError validation.*, key.unsupported*, limit.exceeded
 */
export async function createKey(deps: KeyDeps, caller: Caller, input: CreateKeyInput): Promise<KeyRecord> {
  const keySpec = input.keySpec ?? 'Aliyun_AES_256'
  const keyUsage = input.keyUsage ?? 'ENCRYPT/DECRYPT'
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
  if (!SYMMETRIC_SPECS.has(keySpec)) {
    throw new KmsError('key.unsupportedSpec', `The key spec ${keySpec} is not supported by this service yet.`)
  }
  if (keyUsage !== 'ENCRYPT/DECRYPT') {
    throw new KmsError('key.invalidUsage', `The key spec ${keySpec} supports only the key usage ENCRYPT/DECRYPT.`)
  }
  if (origin !== 'Aliyun_KMS') {
    throw new KmsError('key.unsupportedOrigin', 'Keys with Origin=EXTERNAL are not supported yet.')
  }
  if (protectionLevel !== 'SOFTWARE') {
    throw new KmsError('key.unsupportedProtectionLevel', 'Hardware-protected keys are not available on this deployment.')
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
  if (automaticRotation && rotationIntervalSeconds === undefined) rotationIntervalSeconds = DEFAULT_ROTATION_SECONDS
  const tags = mergeTags({}, input.tags ?? [])

  const now = deps.clock.now()
  const keyId = uuidV4(deps.random)
  const version = await newSoftwareVersion(deps, keyId, now)
  const key: KeyRecord = {
    keyId,
    accountId: caller.accountId,
    region: caller.region,
    instanceId: input.instanceId ?? SHARED_INSTANCE,
    keySpec: keySpec as KeyRecord['keySpec'],
    keyUsage: keyUsage as KeyRecord['keyUsage'],
    origin: 'Aliyun_KMS',
    protectionLevel: 'SOFTWARE',
    creatorType: 'User',
    keyState: 'Enabled',
    description,
    creator: caller.accountId,
    createdAt: isoSeconds(now),
    deletionProtection: false,
    primaryVersionId: version.versionId,
    versions: [version],
    automaticRotation,
    rotationIntervalSeconds,
    lastRotationDate: isoSeconds(now),
    nextRotationDate:
      automaticRotation && rotationIntervalSeconds !== undefined
        ? isoSeconds(now + rotationIntervalSeconds * 1000)
        : undefined,
    tags,
    rev: 1,
  }
  await deps.keys.create(key)
  return key
}
