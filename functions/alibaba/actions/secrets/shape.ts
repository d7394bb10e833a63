/**
 * @module functions/alibaba/actions/secrets/shape — response shapes and parameters shared by the
 * secret actions. Shapes follow @alicloud/kms20160120 1.2.0 (lists wrapped as
 * `{VersionStage: [...]}`, `{Secret: [...]}`…) plus the newer fields of the 2.x models
 * (SecretType, DKMSInstanceId), which the 1.2.0 SDK ignores.
 */
import { fromUtf8, toBase64, zeroize } from '../../../../core/crypto/bytes'
import type { GetSecretValueInput, SecretValueOutput } from '../../../../core/domain/secrets/get-secret-value'
import { SHARED_INSTANCE } from '../../../../core/domain/model'
import type { SecretRecord } from '../../../../core/domain/secrets/model'
import { formatRotationInterval } from '../../../../core/domain/secrets/rotation/interval'
import { sortedTags } from '../../../../core/domain/secrets/secret-tags'
import { invalidParameter } from '../../../../core/errors'
import { custom, optionalText, text } from '../../fields'

/** Transport bound only; the domain enforces the 30,720-byte value limit precisely. */
const MAX_SECRET_DATA_CHARS = 128 * 1024

/** A secret by name or ARN (the handlers' bound; authorisation reads up to 1024). */
export const NAME = text({ max: 512 })
export const VERSION_ID = text({ max: 64 })
export const OPTIONAL_VERSION_ID = custom('optional string ≤ 64', (p, n) => p.optionalString(n, { max: 64 }) || undefined)
export const SECRET_DATA = optionalText({ max: MAX_SECRET_DATA_CHARS, allowControl: true })
/** A JSON-valued parameter the domain only checks for presence (`''` is absent). */
export function optionalJsonText(max: number) {
  return custom(`optional JSON text ≤ ${max}`, (p, n) => p.optionalString(n, { max, allowControl: true }) || undefined)
}
/** `ExtendedConfig`, parsed. */
export const EXTENDED_CONFIG = custom('optional JSON object', (p, n) => p.extendedConfig(n))

export function secretValueBody(out: SecretValueOutput): Record<string, unknown> {
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
export function rotationFields(secret: SecretRecord, withConfig: boolean): Record<string, unknown> {
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

export function tagsBody(secret: SecretRecord) {
  return { Tag: sortedTags(secret.tags) }
}

export function withoutUndefined(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined))
}

/**
 * `OwingService` (DescribeSecret, ListSecrets): the cloud service that owns a service-managed
 * secret. Every secret here is created by a user, so no service owns it: an empty string, which
 * keeps the field present for clients that read it.
 */
export function owingService(_secret: SecretRecord): string {
  return ''
}

export function instanceOf(secret: SecretRecord): string | undefined {
  return secret.instanceId === SHARED_INSTANCE ? undefined : secret.instanceId
}

/** BatchGetSecretValue's `SecretsList`. */
export function secretsList(value: unknown): GetSecretValueInput[] {
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
