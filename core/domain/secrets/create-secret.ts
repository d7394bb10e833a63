/**
 * @module core/domain/secrets/create-secret
 *
 * CreateSecret for generic secrets, RAMCredentials secrets and generic secrets with a rotation
 * function (./rotation/). Every parameter is checked before any work; the first version
 * item is written, then the head conditional on no head of that name existing. A losing creator
 * leaves at most an unreferenced version item, which is invisible and swept later.
 */
import { toHex } from '../../crypto/bytes'
import { KmsError, invalidParameter } from '../../errors'
import { mergeTags, type Tag } from '../keys/tags'
import { isoSeconds, type KeyRef } from '../keys/common'
import { SHARED_INSTANCE, type Caller } from '../model'
import { ConditionFailed, type IamRepository, type SecretDeps } from '../ports'
import { ensureVersionItem, markForSweep } from './common'
import type { ExtendedConfig } from './extended-config'
import { plainMap, MAX_DESCRIPTION_LENGTH, SECRET_TYPE_GENERIC, SECRET_TYPE_RAM, STAGE_CURRENT, type SecretRecord } from './model'
import { assertNewSecretName, assertVersionId, parseSecretReference, parseSecretValue } from './names'
import { purgeSecret } from './purge'
import { resolveSecretKey } from './value-crypto'
import { planRotationPolicy } from './rotation/engine'
import { parseSecretRotationInterval } from './rotation/interval'
import { strategyFor } from './rotation/registry'
import { rotationDueTime, scheduleStore } from './rotation/schedule'

export interface CreateSecretInput {
  secretName: string
  versionId: string
  secretData: string | undefined
  secretDataType?: string
  secretType?: string
  /** The CMK: resolved by authorisation, or as named (id, ARN, alias, alias ARN). */
  encryptionKeyId?: KeyRef
  description?: string
  tags?: Tag[]
  instanceId?: string
  enableAutomaticRotation?: boolean
  rotationInterval?: string
  /** Parsed by ./extended-config.ts; ignored for Generic secrets, as Alibaba documents. */
  extendedConfig?: ExtendedConfig
  policy?: string
}

function alreadyExists(): KmsError {
  return new KmsError('secret.alreadyExists', 'The specified secret already exists.')
}

/**
 * @throws KmsError validation.*, limit.exceeded, key.*, alias.notFound, auth.forbidden,
 *   secret.alreadyExists, secret.invalidState (a secret of that name is still being purged)
 */
export async function createSecret(deps: SecretDeps, caller: Caller, input: CreateSecretInput): Promise<SecretRecord> {
  // An ARN of the caller's account and region may name the new secret, like any other.
  const secretName = input.secretName.startsWith('acs:') ? parseSecretReference(input.secretName, caller) : input.secretName
  if (input.secretType === 'ECS') {
    // Alibaba: the names of ECS secrets begin with acs/ecs/.
    if (!secretName.startsWith('acs/ecs/')) throw invalidParameter('SecretName', 'ECS secret names must begin with "acs/ecs/".')
    assertNewSecretName(secretName.slice('acs/ecs/'.length))
  } else {
    assertNewSecretName(secretName)
  }
  assertVersionId(input.versionId)
  const secretType = input.secretType ?? SECRET_TYPE_GENERIC
  if (secretType === 'Redis' || secretType === 'PolarDB') {
    throw invalidParameter('SecretType', `${secretType} secrets are not supported yet (Generic and RAMCredentials are).`)
  }
  if (secretType !== SECRET_TYPE_GENERIC && secretType !== SECRET_TYPE_RAM && secretType !== 'Rds' && secretType !== 'ECS') {
    throw invalidParameter('SecretType', 'must be Generic, RAMCredentials, Rds or ECS.')
  }
  // Alibaba: ExtendedConfig "is ignored" for Generic secrets; here a Generic secret keeps it only
  // when it names a rotation function (./rotation/function.ts). Managed types require it.
  const config = input.extendedConfig
  const strategy = strategyFor(secretType, config ?? {})
  if (secretType !== SECRET_TYPE_GENERIC && !config) throw invalidParameter('ExtendedConfig', `is required for ${secretType} secrets.`)
  if (strategy) strategy.validate(config ?? {}, secretType === SECRET_TYPE_GENERIC ? '' : (input.secretData ?? ''))
  if (secretType === SECRET_TYPE_RAM) {
    // Alibaba: the RAM user must exist (its AccessKeys are what the secret rotates).
    const iam = (deps as SecretDeps & { iam?: Pick<IamRepository, 'getUser'> }).iam
    const user = iam ? await iam.getUser(caller.accountId, String(config!.UserName)) : undefined
    if (iam && (!user || user.state !== 'Active')) throw invalidParameter('ExtendedConfig.UserName', 'names no RAM user of this account.')
  }
  let intervalSeconds: number | undefined
  if (input.enableAutomaticRotation === true) {
    // Generic secrets without a rotation function: nothing would rotate them.
    if (!strategy)
      throw invalidParameter('EnableAutomaticRotation', 'generic secrets rotate automatically only with a RotationFunctionUrl.')
    if (input.rotationInterval === undefined) throw invalidParameter('RotationInterval', 'is required with EnableAutomaticRotation.')
    intervalSeconds = parseSecretRotationInterval(input.rotationInterval)
  }
  if (input.policy !== undefined) {
    // Accepting and ignoring a resource policy would leave the secret less protected than asked.
    throw invalidParameter('Policy', 'secret policies are not supported yet.')
  }
  const description = input.description ?? ''
  if (description.length > MAX_DESCRIPTION_LENGTH) {
    throw invalidParameter('Description', `must be at most ${MAX_DESCRIPTION_LENGTH} characters.`)
  }
  const tags = mergeTags({}, input.tags ?? [])
  const instanceId = input.instanceId ?? SHARED_INSTANCE
  if (instanceId !== SHARED_INSTANCE && input.encryptionKeyId === undefined) {
    throw invalidParameter('EncryptionKeyId', 'a secret in a KMS instance needs a key of it.')
  }
  const value = parseSecretValue(input.secretData, input.secretDataType)
  try {
    const existing = await deps.secrets.getHead(caller.accountId, caller.region, secretName)
    if (existing) {
      if (existing.state !== 'Deleted') throw alreadyExists()
      // A force-deleted secret of this name: finish its purge so the name can be reused now.
      const outcome = await purgeSecret(deps, existing, deps.clock.now())
      if (outcome !== 'purged') {
        throw new KmsError('secret.invalidState', 'A secret of this name is still being deleted. Retry later.')
      }
    }
    const key = await resolveSecretKey(deps, caller, input.encryptionKeyId, instanceId)
    const now = deps.clock.now()
    const createdAt = isoSeconds(now)
    const head: SecretRecord = {
      accountId: caller.accountId,
      region: caller.region,
      secretName,
      secretType: secretType as SecretRecord['secretType'],
      description,
      encryptionKeyId: key.keyId,
      instanceId,
      creator: caller.accountId,
      createdAt,
      updatedAt: createdAt,
      state: 'Enabled',
      stages: plainMap({ [STAGE_CURRENT]: input.versionId }),
      versions: [{ versionId: input.versionId, createdAt }],
      tags,
      rev: 1,
      uid: toHex(deps.random(16)),
      ...(strategy && config ? { extendedConfig: JSON.stringify(config) } : {}),
    }
    if (strategy) head.rotation = planRotationPolicy(head, intervalSeconds !== undefined, intervalSeconds)
    const due = head.rotation ? rotationDueTime(head) : undefined
    const schedules = scheduleStore(deps.secrets)
    if (due !== undefined && schedules) await schedules.putRotationSchedule(head, due)
    await ensureVersionItem(deps, head, key, input.versionId, value, createdAt, alreadyExists)
    try {
      await deps.secrets.createHead(head)
    } catch (err) {
      if (!(err instanceof ConditionFailed)) throw err
      await markForSweep(deps, head)
      throw alreadyExists()
    }
    return head
  } finally {
    value.bytes.fill(0)
  }
}
