/**
 * @module functions/alibaba/actions/secrets
 *
 * Secrets manager actions: CreateSecret, GetSecretValue, BatchGetSecretValue, PutSecretValue,
 * UpdateSecretVersionStage, ListSecretVersionIds, DescribeSecret, ListSecrets, UpdateSecret,
 * DeleteSecret, RestoreSecret, GetRandomPassword. Response shapes follow @alicloud/kms20160120
 * 1.2.0 (lists wrapped as `{VersionStage: [...]}`, `{Secret: [...]}`…) plus the newer fields of
 * the 2.x models (SecretType, DKMSInstanceId), which the 1.2.0 SDK ignores.
 *
 * Every export of this file is an action (the registry spreads it); helpers stay private.
 */
import { fromUtf8, toBase64, zeroize } from '../../../core/crypto/bytes'
import { createSecret } from '../../../core/domain/secrets/create-secret'
import { createSecretInInstance } from '../../../core/domain/instances/create-in-instance'
import { deleteSecret } from '../../../core/domain/secrets/delete-secret'
import { describeSecret } from '../../../core/domain/secrets/describe-secret'
import {
  batchGetSecretValue,
  getSecretValue,
  type GetSecretValueInput,
  type SecretValueOutput,
} from '../../../core/domain/secrets/get-secret-value'
import { listSecretVersionIds } from '../../../core/domain/secrets/list-secret-version-ids'
import { listSecrets } from '../../../core/domain/secrets/list-secrets'
import { SHARED_INSTANCE } from '../../../core/domain/model'
import type { SecretRecord } from '../../../core/domain/secrets/model'
import { secretArn } from '../../../core/domain/secrets/names'
import { createSecretWithPolicy } from '../../../core/domain/secrets/create-secret-with-policy'
import { formatRotationInterval } from '../../../core/domain/secrets/rotation/interval'
import { putSecretValue } from '../../../core/domain/secrets/put-secret-value'
import { generateRandomPassword } from '../../../core/domain/secrets/random-password'
import { restoreSecret } from '../../../core/domain/secrets/restore-secret'
import { sortedTags } from '../../../core/domain/secrets/secret-tags'
import { updateSecret } from '../../../core/domain/secrets/update-secret'
import { updateSecretVersionStage } from '../../../core/domain/secrets/update-secret-version-stage'
import { KmsError, invalidParameter, missingParameter } from '../../../core/errors'
import { isManagedSecretKey } from '../../authorize'
import { pageParams, type ActionHandler } from '../context'
import { alibabaError } from '../errors'
import { stringList, tagList, type Params, filterList } from '../params'
import { AUTHZ_PARAMS } from '../permissions'
import { paged } from '../shape'

/** Transport bound only; the domain enforces the 30,720-byte value limit precisely. */
const MAX_SECRET_DATA_CHARS = 128 * 1024
const NAME = { max: 512 }
const VERSION = { max: 64 }

function secretData(params: Params): string | undefined {
  return params.optionalString('SecretData', { max: MAX_SECRET_DATA_CHARS, allowControl: true })
}

/** A JSON-valued parameter the domain only checks for presence. */
function optionalJsonText(params: Params, name: string, max: number): string | undefined {
  return params.optionalString(name, { max, allowControl: true }) || undefined
}

function secretValueBody(out: SecretValueOutput): Record<string, unknown> {
  const binary = out.value.type === 'binary'
  try {
    return {
      SecretName: out.secret.secretName,
      VersionId: out.versionId,
      CreateTime: out.createdAt,
      SecretData: binary ? toBase64(out.value.bytes) : fromUtf8(out.value.bytes),
      SecretDataType: out.value.type,
      VersionStages: { VersionStage: out.stages },
      SecretType: out.secret.secretType,
    }
  } finally {
    zeroize(out.value.bytes)
  }
}

/**
 * Rotation fields of DescribeSecret / GetSecretValue, named as the SDK models name them, for
 * secrets that rotate (managed types, generic secrets with a rotation function). `RotationStatus`,
 * `LastRotationError` and `LastRotationErrorDate` are this service's own (README, Managed secrets).
 */
function rotationFields(secret: SecretRecord, withConfig: boolean): Record<string, unknown> {
  const r = secret.rotation
  if (!r) return {}
  return {
    AutomaticRotation: r.enabled ? 'Enabled' : 'Disabled',
    RotationInterval: r.enabled && r.intervalSeconds ? formatRotationInterval(r.intervalSeconds) : undefined,
    NextRotationDate: r.enabled ? r.nextRotationDate : undefined,
    LastRotationDate: r.lastRotationDate,
    ExtendedConfig: withConfig ? secret.extendedConfig : undefined,
    RotationStatus: r.status,
    LastRotationError: r.lastError,
    LastRotationErrorDate: r.lastErrorDate,
  }
}

function tagsBody(secret: SecretRecord) {
  return { Tag: sortedTags(secret.tags) }
}

function withoutUndefined(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined))
}

/**
 * `OwingService` (DescribeSecret, ListSecrets): the cloud service that owns a service-managed
 * secret. Every secret here is created by a user, so no service owns it: an empty string, which
 * keeps the field present for clients that read it.
 */
function owingService(_secret: SecretRecord): string {
  return ''
}

function instanceOf(secret: SecretRecord): string | undefined {
  return secret.instanceId === SHARED_INSTANCE ? undefined : secret.instanceId
}


function secretsList(value: unknown): GetSecretValueInput[] {
  if (!Array.isArray(value)) throw invalidParameter('SecretsList', 'must be a JSON array.')
  return value.map((entry) => {
    const e = entry as Record<string, unknown>
    const optional = (name: string) => {
      const v = e[name]
      if (v === undefined || v === null || v === '') return undefined
      if (typeof v !== 'string' || v.length > 512) {
        throw invalidParameter('SecretsList', `${name} must be a string.`)
      }
      return v
    }
    if (typeof e !== 'object' || e === null || typeof e.SecretName !== 'string' || !e.SecretName) {
      throw invalidParameter('SecretsList', 'each entry must be an object with a SecretName.')
    }
    optional('FetchExtendedConfig')
    return {
      secretName: optional('SecretName')!,
      versionId: optional('VersionId'),
      versionStage: optional('VersionStage'),
    }
  })
}

export const CreateSecret: ActionHandler = async ({ deps, caller, params }) => {
  const input = {
    secretName: params.string('SecretName', NAME),
    versionId: params.string('VersionId', VERSION),
    secretData: secretData(params),
    secretDataType: params.optionalString('SecretDataType', { max: 16 }),
    secretType: params.optionalString('SecretType', { max: 32 }),
    encryptionKeyId: params.optionalString('EncryptionKeyId', NAME) || undefined,
    description: params.optionalString('Description', { max: 8192 }),
    tags: params.optionalJson('Tags', tagList('Tags')),
    instanceId: params.optionalString('DKMSInstanceId', { max: 128 }) || undefined,
    enableAutomaticRotation: params.optionalBoolean('EnableAutomaticRotation'),
    rotationInterval: params.optionalString('RotationInterval', { max: 32 }) || undefined,
    extendedConfig: params.extendedConfig(),
    policy: optionalJsonText(params, 'Policy', 32768),
  }
  // A secret in a KMS instance: the instance must exist and have secret quota left.
  // Policy: the new secret's resource policy (core/domain/secrets/create-secret-with-policy.ts).
  const creation = { ...input, policy: undefined }
  const secret = await createSecretWithPolicy(deps, caller, input, () =>
    input.instanceId
      ? createSecretInInstance({ ...deps, instances: deps.store.instances }, caller, { ...creation, instanceId: input.instanceId })
      : createSecret(deps, caller, creation),
  )
  return withoutUndefined({
    Arn: secretArn(secret),
    VersionId: secret.versions[0]!.versionId,
    SecretName: secret.secretName,
    SecretType: secret.secretType,
    DKMSInstanceId: instanceOf(secret),
  })
}

/**
 * Whether `secret` is still under the CMK its caller was authorised on (functions/authorize.ts
 * `AUTHZ_PARAMS.secretKeys`), or under a managed key that needs no permission. False when the
 * secret was deleted and created again under another customer key after authorisation.
 */
function authorisedKey(params: Params): (secret: SecretRecord) => boolean {
  const text = params.optionalString(AUTHZ_PARAMS.secretKeys, { max: 64 * 1024 })
  const checked = (text ? JSON.parse(text) : {}) as Record<string, string>
  return (secret) => {
    const id = `${secret.accountId}/${secret.region}/${secret.secretName}`
    const keyId = Object.hasOwn(checked, id) ? checked[id] : ''
    return secret.encryptionKeyId === keyId || isManagedSecretKey(secret.encryptionKeyId, secret.accountId, secret.region)
  }
}

function keyChangedSinceAuthorised(): KmsError {
  return new KmsError('concurrency.conflict', 'The secret was modified concurrently. Retry the request.')
}

export const GetSecretValue: ActionHandler = async ({ deps, caller, params }) => {
  const fetchConfig = params.optionalBoolean('FetchExtendedConfig') ?? false
  const out = await getSecretValue(deps, caller, {
    secretName: params.string('SecretName', NAME),
    versionId: params.optionalString('VersionId', VERSION) || undefined,
    versionStage: params.optionalString('VersionStage', { max: 64 }) || undefined,
    dryRun: params.optionalBoolean('DryRun'),
  })
  if (!authorisedKey(params)(out.secret)) {
    zeroize(out.value.bytes)
    throw keyChangedSinceAuthorised()
  }
  const { AutomaticRotation, RotationInterval, NextRotationDate, LastRotationDate, ExtendedConfig } = rotationFields(out.secret, fetchConfig)
  return withoutUndefined({ ...secretValueBody(out), AutomaticRotation, RotationInterval, NextRotationDate, LastRotationDate, ExtendedConfig })
}

export const BatchGetSecretValue: ActionHandler = async ({ deps, caller, params }) => {
  const entries = params.optionalJson('SecretsList', secretsList)
  if (!entries) throw missingParameter('SecretsList')
  const results = await batchGetSecretValue(deps, caller, entries)
  const underAuthorisedKey = authorisedKey(params)
  const SecretValues: Record<string, unknown>[] = []
  const Errors: Record<string, unknown>[] = []
  const refuse = (secretName: string, error: KmsError) => {
    const wire = alibabaError(error.code)
    Errors.push({ SecretName: secretName, Code: wire.code, HttpStatus: wire.status, Message: error.message })
  }
  for (const r of results) {
    if ('ok' in r) {
      if (underAuthorisedKey(r.ok.secret)) SecretValues.push(secretValueBody(r.ok))
      else {
        zeroize(r.ok.value.bytes)
        refuse(r.ok.secret.secretName, keyChangedSinceAuthorised())
      }
    } else {
      refuse(r.secretName, r.error)
    }
  }
  return { SecretValues, Errors }
}

export const PutSecretValue: ActionHandler = async ({ deps, caller, params }) => {
  const out = await putSecretValue(deps, caller, {
    secretName: params.string('SecretName', NAME),
    versionId: params.string('VersionId', VERSION),
    secretData: secretData(params),
    secretDataType: params.optionalString('SecretDataType', { max: 16 }),
    versionStages: params.optionalJson('VersionStages', stringList('VersionStages', 20)),
    // Set only by authorisation (functions/authorize.ts); absent means "may not read".
    callerCanRead: params.optionalString(AUTHZ_PARAMS.secretReadable, { max: 8 }) === 'true',
    keyAuthorised: authorisedKey(params),
  })
  return {
    SecretName: out.secret.secretName,
    VersionId: out.versionId,
    VersionStages: { VersionStage: out.stages },
  }
}

export const UpdateSecretVersionStage: ActionHandler = async ({ deps, caller, params }) => {
  const secret = await updateSecretVersionStage(deps, caller, params.string('SecretName', NAME), {
    stage: params.string('VersionStage', { max: 64 }),
    moveToVersion: params.optionalString('MoveToVersion', VERSION) || undefined,
    removeFromVersion: params.optionalString('RemoveFromVersion', VERSION) || undefined,
  })
  return { SecretName: secret.secretName }
}

export const ListSecretVersionIds: ActionHandler = async ({ deps, caller, params }) => {
  const page = pageParams(params)
  const { secret, versions } = await listSecretVersionIds(
    deps,
    caller,
    params.string('SecretName', NAME),
    params.optionalBoolean('IncludeDeprecated') ?? false,
  )
  const { items, totalCount } = paged(versions, page)
  return {
    SecretName: secret.secretName,
    TotalCount: totalCount,
    PageNumber: page.pageNumber,
    PageSize: page.pageSize,
    VersionIds: {
      VersionId: items.map((v) => ({
        VersionId: v.versionId,
        CreateTime: v.createdAt,
        VersionStages: { VersionStage: v.stages },
      })),
    },
  }
}

export const DescribeSecret: ActionHandler = async ({ deps, caller, params }) => {
  const fetchTags = params.optionalBoolean('FetchTags') ?? false
  const secret = await describeSecret(deps, caller, params.string('SecretName', NAME))
  return withoutUndefined({
    Arn: secretArn(secret),
    SecretName: secret.secretName,
    SecretType: secret.secretType,
    EncryptionKeyId: secret.encryptionKeyId,
    Description: secret.description,
    CreateTime: secret.createdAt,
    UpdateTime: secret.updatedAt,
    PlannedDeleteTime: secret.state === 'PendingDeletion' ? secret.plannedDeleteTime : undefined,
    DKMSInstanceId: instanceOf(secret),
    OwingService: owingService(secret),
    Tags: fetchTags ? tagsBody(secret) : undefined,
    ...rotationFields(secret, true),
  })
}

export const ListSecrets: ActionHandler = async ({ deps, caller, params }) => {
  const page = pageParams(params)
  const fetchTags = params.optionalBoolean('FetchTags') ?? false
  const all = await listSecrets(deps, caller, params.optionalJson('Filters', filterList()) ?? [])
  const { items, totalCount } = paged(all, page)
  return {
    PageNumber: page.pageNumber,
    PageSize: page.pageSize,
    TotalCount: totalCount,
    SecretList: {
      Secret: items.map((s) =>
        withoutUndefined({
          SecretName: s.secretName,
          SecretType: s.secretType,
          CreateTime: s.createdAt,
          UpdateTime: s.updatedAt,
          PlannedDeleteTime: s.state === 'PendingDeletion' ? s.plannedDeleteTime : undefined,
          OwingService: owingService(s),
          Tags: fetchTags ? tagsBody(s) : undefined,
        }),
      ),
    },
  }
}

export const UpdateSecret: ActionHandler = async ({ deps, caller, params }) => {
  const secret = await updateSecret(deps, caller, params.string('SecretName', NAME), {
    description: params.optionalString('Description', { max: 8192 }),
    extendedConfig: params.extendedConfig(),
  })
  return { SecretName: secret.secretName }
}

export const DeleteSecret: ActionHandler = async ({ deps, caller, params }) => {
  const secret = await deleteSecret(deps, caller, params.string('SecretName', NAME), {
    recoveryWindowInDays: params.optionalInteger('RecoveryWindowInDays', -1_000_000, 1_000_000),
    forceDeleteWithoutRecovery: params.optionalBoolean('ForceDeleteWithoutRecovery'),
  })
  return { SecretName: secret.secretName, PlannedDeleteTime: secret.plannedDeleteTime }
}

export const RestoreSecret: ActionHandler = async ({ deps, caller, params }) => {
  const secret = await restoreSecret(deps, caller, params.string('SecretName', NAME))
  return { SecretName: secret.secretName }
}

export const GetRandomPassword: ActionHandler = async ({ deps, params }) => {
  const password = generateRandomPassword(deps.random, {
    passwordLength: params.optionalInteger('PasswordLength', -1_000_000, 1_000_000),
    excludeCharacters: params.optionalString('ExcludeCharacters', { max: 256 }),
    excludeLowercase: params.optionalBoolean('ExcludeLowercase'),
    excludeUppercase: params.optionalBoolean('ExcludeUppercase'),
    excludeNumbers: params.optionalBoolean('ExcludeNumbers'),
    excludePunctuation: params.optionalBoolean('ExcludePunctuation'),
    requireEachIncludedType: params.optionalBoolean('RequireEachIncludedType'),
  })
  return { RandomPassword: password }
}
