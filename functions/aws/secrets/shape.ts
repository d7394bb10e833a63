/**
 * @module functions/aws/secrets/shape
 *
 * What the Secrets Manager operations share (not an operation): how AWS names a secret
 * (`SecretId`: a name or `arn:aws:secretsmanager:<region>:<account>:secret:<name>`, no random
 * suffix here), stage labels in both directions (`AWSCURRENT`/`AWSPREVIOUS`/`AWSPENDING` ↔
 * `ACSCurrent`/`ACSPrevious`/`ACSPending`, every other label unchanged), the value
 * (`SecretString` → a `text` secret, `SecretBinary` (base64 in JSON) → a `binary` one), tags
 * (`[{Key, Value}]`), pages (`MaxResults`/`NextToken`), and the descriptors the operations run
 * through.
 *
 * Readers name the AWS field in their errors and never echo a value.
 */
import { fromBase64, utf8 } from '../../../core/crypto/bytes'
import { MAX_SECRET_VALUE_BYTES, type SecretRecord } from '../../../core/domain/secrets/model'
import { KmsError, invalidParameter, missingParameter } from '../../../core/errors'
import type { ActionDescriptor } from '../../alibaba/action'
import type { ActionPermission } from '../../alibaba/permission'
import { awsKeyArn, awsSecretArn, keyRefFromAws, secretRefFromAws } from '../arn'
import { list, num, str, type AwsCallContext, type Json, type JsonObject } from '../action'

export { alibaba } from '../kms/via'

/**
 * A descriptor that is authorised exactly as the Alibaba action `base` (same name, so the same
 * RAM action `kms:<name>`; same parameters; the same permission unless one is given) but whose
 * handler returns what the AWS shape needs (e.g. the whole secret record for DescribeSecret).
 * Registered only in the AWS registry.
 */
export function sameAuthorisation(
  base: ActionDescriptor,
  handler: ActionDescriptor['handler'],
  permission: ActionPermission = base.permission,
): ActionDescriptor {
  return { name: base.name, params: base.params, permission, handler }
}

const TO_CORE: Readonly<Record<string, string>> = { AWSCURRENT: 'ACSCurrent', AWSPREVIOUS: 'ACSPrevious', AWSPENDING: 'ACSPending' }
const TO_AWS: Readonly<Record<string, string>> = { ACSCurrent: 'AWSCURRENT', ACSPrevious: 'AWSPREVIOUS', ACSPending: 'AWSPENDING' }

/** An AWS stage label → the core's (custom labels unchanged). */
export function stageToCore(label: string): string {
  return Object.hasOwn(TO_CORE, label) ? TO_CORE[label]! : label
}

/** A core stage label → AWS's (custom labels unchanged). */
export function stageToAws(label: string): string {
  return Object.hasOwn(TO_AWS, label) ? TO_AWS[label]! : label
}

export function stagesToAws(labels: readonly string[]): string[] {
  return labels.map(stageToAws)
}

/** Alibaba's `{VersionStage: [...]}` wrapper (or a plain list) → AWS labels. */
export function wrappedStages(value: unknown): string[] {
  const labels = Array.isArray(value) ? value : ((value as { VersionStage?: unknown } | undefined)?.VersionStage ?? [])
  return stagesToAws((labels as unknown[]).filter((l): l is string => typeof l === 'string'))
}

/** `SecretId` (required): a name or an AWS ARN → the name or Alibaba ARN the core reads. */
export function secretId(body: JsonObject, field = 'SecretId'): string {
  const v = str(body, field)
  if (v === undefined || v === '') throw missingParameter(field)
  if (v.length > 2048) throw invalidParameter(field, 'must be at most 2048 characters.')
  return secretRefFromAws(v)
}

/** The optional stage label `field` in the core's form. */
export function stage(body: JsonObject, field: string): string | undefined {
  const v = str(body, field)
  return v === undefined ? undefined : stageToCore(v)
}

/** `VersionStages` → the core's JSON list. */
export function stageList(body: JsonObject, field = 'VersionStages'): string | undefined {
  const labels = list(body, field)
  if (labels === undefined) return undefined
  if (labels.length > 20 || labels.some((l) => typeof l !== 'string'))
    throw invalidParameter(field, 'must be a list of at most 20 strings.')
  return JSON.stringify((labels as string[]).map(stageToCore))
}

/** `ClientRequestToken` (the new version's id); the SDKs always send one, others get a fresh UUID. */
export function requestToken(body: JsonObject): string {
  const v = str(body, 'ClientRequestToken')
  if (v === undefined) return crypto.randomUUID()
  if (v.length < 32 || v.length > 64) throw invalidParameter('ClientRequestToken', 'must be 32 to 64 characters.')
  return v
}

/**
 * `SecretString` | `SecretBinary` → `SecretData` + `SecretDataType`. The size limit is the
 * core's (30,720 bytes of stored value; AWS allows 65,536), checked here so the error names the
 * AWS field.
 */
export function secretValue(body: JsonObject): { SecretData?: string; SecretDataType?: 'text' | 'binary' } {
  const text = str(body, 'SecretString')
  const binary = str(body, 'SecretBinary')
  if (text !== undefined && binary !== undefined) throw invalidParameter('SecretString', 'give SecretString or SecretBinary, not both.')
  if (text !== undefined) {
    if (text.length > MAX_SECRET_VALUE_BYTES || utf8(text).length > MAX_SECRET_VALUE_BYTES) {
      throw invalidParameter('SecretString', `must be at most ${MAX_SECRET_VALUE_BYTES} bytes here.`)
    }
    return { SecretData: text, SecretDataType: 'text' }
  }
  if (binary !== undefined) {
    if (binary.length > Math.ceil(MAX_SECRET_VALUE_BYTES / 3) * 4) {
      throw invalidParameter('SecretBinary', `must be at most ${MAX_SECRET_VALUE_BYTES} bytes here.`)
    }
    const bytes = fromBase64(binary)
    if (bytes === undefined || bytes.length === 0) throw invalidParameter('SecretBinary', 'must be non-empty base64.')
    bytes.fill(0)
    return { SecretData: binary, SecretDataType: 'binary' }
  }
  return {}
}

/** AWS `Tags: [{Key, Value}]` → the core's JSON tag list. */
export function tagsJson(body: JsonObject, field = 'Tags'): string | undefined {
  const tags = list(body, field)
  if (tags === undefined) return undefined
  return JSON.stringify(
    tags.map((t) => {
      const tag = t as { Key?: Json; Value?: Json }
      if (typeof t !== 'object' || t === null || Array.isArray(t) || typeof tag.Key !== 'string' || typeof (tag.Value ?? '') !== 'string') {
        throw invalidParameter(field, 'each tag must be {"Key": string, "Value": string}.')
      }
      return { TagKey: tag.Key, TagValue: tag.Value ?? '' }
    }),
  )
}

/** The core's tag map → AWS's list, sorted by key. */
export function awsTags(tags: Readonly<Record<string, string>>): Array<{ Key: string; Value: string }> {
  return Object.keys(tags)
    .sort()
    .map((Key) => ({ Key, Value: tags[Key]! }))
}

/** `KmsKeyId` (id, key ARN, alias or alias ARN, AWS or Alibaba form). */
export function kmsKeyId(body: JsonObject): string | undefined {
  const v = str(body, 'KmsKeyId')
  return v === undefined || v === '' ? undefined : keyRefFromAws(v)
}

/** `MaxResults` (1–100) and `NextToken` (a page number this service issued) → a page. */
export function pageOf(body: JsonObject, defaultSize = 100): { PageNumber: number; PageSize: number } {
  const max = num(body, 'MaxResults')
  if (max !== undefined && (max < 1 || max > 100)) throw invalidParameter('MaxResults', 'must be between 1 and 100.')
  const token = str(body, 'NextToken')
  if (token !== undefined && !/^[1-9]\d{0,5}$/.test(token))
    throw new KmsError('trail.invalidToken', 'The NextToken is not one this service issued.')
  return { PageNumber: token ? Number(token) : 1, PageSize: max ?? defaultSize }
}

/** `NextToken` of the page after `page` of `size` out of `total`, if any. */
export function nextToken(page: number, size: number, total: number): { NextToken?: string } {
  return page * size < total ? { NextToken: String(page + 1) } : {}
}

/** A secret's AWS ARN in the account the call ran in. */
export function arnOf(call: AwsCallContext, name: string): string {
  return awsSecretArn(call.region, call.accountId, name)
}

/** `{ARN, Name}`, the answer of most write operations. */
export function named(call: AwsCallContext, name: unknown): JsonObject {
  return { ARN: arnOf(call, String(name)), Name: String(name) }
}

/** The CMK of a secret as AWS shows it (`KmsKeyId`: the key's ARN). */
export function keyArnOf(secret: Pick<SecretRecord, 'region' | 'accountId' | 'encryptionKeyId'>): string {
  return awsKeyArn(secret.region, secret.accountId, secret.encryptionKeyId)
}

/** Refuses a field this service has no meaning for, naming it (InvalidRequestException). */
export function refuseField(body: JsonObject, field: string, why: string): void {
  const v = body[field]
  if (v === undefined || v === null || v === false || (Array.isArray(v) && v.length === 0)) return
  throw new KmsError('key.unsupportedOperation', `${field} is not supported by this service: ${why}`)
}
