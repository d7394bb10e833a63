/**
 * @module core/domain/secrets/names
 *
 * Checks on everything a request names or sends before any work is done: secret names and ARNs,
 * version ids, stage labels and the value itself. Names and version ids become part of table keys
 * (`SECRET#<account>#<region>#<name>` / `VERSION#<id>`), so `#`, control characters and anything
 * outside the allow-lists are refused. Messages never echo the input.
 */
import { fromBase64, isWellFormedUnicode, utf8 } from '../../crypto/bytes'
import { KmsError, invalidParameter, missingParameter } from '../../errors'
import { parseSecretTarget, type Owner } from '../targets/parse'
import {
  MAX_SECRET_NAME_LENGTH,
  MAX_SECRET_VALUE_BYTES,
  MAX_STAGE_LENGTH,
  MAX_STAGES_PER_SECRET,
  MAX_VERSION_ID_LENGTH,
  STAGE_CURRENT,
  STAGE_PENDING,
  STAGE_PREVIOUS,
  type SecretRecord,
  type SecretValue,
} from './model'

/** Alibaba: letters, digits and `/_+=.@-`, 1–192 characters. */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,192}$/
/** Visible ASCII except `#` (a key separator). */
const VERSION_ID = /^[\x21\x22\x24-\x7e]{1,64}$/
const STAGE = /^[A-Za-z0-9_.+=@/-]{1,64}$/

/** The allow-list, minus `.` and `..` path segments (names are often used as paths by clients). */
function isValidName(name: string): boolean {
  return SECRET_NAME.test(name) && !name.split('/').some((seg) => seg === '.' || seg === '..')
}

export function secretArn(secret: Pick<SecretRecord, 'region' | 'accountId' | 'secretName'>): string {
  return `acs:kms:${secret.region}:${secret.accountId}:secret/${secret.secretName}`
}

/**
 * Checks a name for CreateSecret: the allow-list plus the reserved `acs/` prefix.
 * @throws KmsError validation.invalidParameter
 */
export function assertNewSecretName(name: string, parameter = 'SecretName'): void {
  if (!isValidName(name)) {
    throw invalidParameter(parameter, `must be 1 to ${MAX_SECRET_NAME_LENGTH} of A-Z a-z 0-9 / _ + = . @ -, no . or .. segments.`)
  }
  if (name.toLowerCase().startsWith('acs/')) {
    throw invalidParameter(parameter, 'secret names beginning with "acs/" are reserved.')
  }
}

/**
 * Resolves how a request names a secret: a name or `acs:kms:<region>:<account>:secret/<name>`.
 *
 * `caller` is where the secret is looked for: the caller's account, or the owner's when
 * authorisation allowed cross-account use (core/domain/targets).
 *
 * @throws KmsError validation.invalidParameter for malformed names or an ARN of another region;
 *   auth.forbidden for an ARN of another account (as for keys).
 */
export function parseSecretReference(value: string, caller: Owner, parameter = 'SecretName'): string {
  if (value.length === 0) throw missingParameter(parameter)
  if (value.startsWith('acs:')) {
    const { accountId, name } = parseSecretTarget(value, caller, parameter)
    if (accountId !== caller.accountId) {
      throw new KmsError('auth.forbidden', 'You are not authorized to perform this operation.')
    }
    if (!isValidName(name)) throw invalidParameter(parameter, 'the name in the ARN is malformed.')
    return name
  }
  if (!isValidName(value)) {
    throw invalidParameter(parameter, `must be a secret ARN or 1 to ${MAX_SECRET_NAME_LENGTH} letters, digits or / _ + = . @ -.`)
  }
  return value
}

/** @throws KmsError validation.invalidParameter */
export function assertVersionId(versionId: string, parameter = 'VersionId'): void {
  if (!VERSION_ID.test(versionId)) {
    throw invalidParameter(parameter, `must be 1 to ${MAX_VERSION_ID_LENGTH} visible ASCII characters other than "#".`)
  }
}

/**
 * Checks the syntax of a stage label a client reads by (any label, reserved ones included).
 * @throws KmsError validation.invalidParameter
 */
export function assertStageSyntax(stage: string, parameter = 'VersionStage'): void {
  if (!STAGE.test(stage)) {
    throw invalidParameter(parameter, `a stage label must be 1 to ${MAX_STAGE_LENGTH} letters, digits or _ . + = @ / -.`)
  }
}

/**
 * Checks a stage label a client may set. Any label of the right syntax may be set, including
 * other labels beginning with `ACS` (Alibaba's own PutSecretValue example sets
 * `["ACSCurrent","ACSNext"]`). The built-in labels keep their meaning: ACSCurrent and ACSPrevious
 * move as ./stages.ts describes, and `ACSPending` stays reserved for rotation.
 * @throws KmsError validation.invalidParameter
 */
export function assertStageLabel(stage: string, parameter = 'VersionStage'): void {
  assertStageSyntax(stage, parameter)
  if (stage === STAGE_PENDING) {
    throw invalidParameter(parameter, 'ACSPending is reserved for rotation.')
  }
}

/**
 * The labels PutSecretValue attaches to a new version (default: ACSCurrent).
 * @throws KmsError validation.invalidParameter, limit.exceeded
 */
export function normaliseNewVersionStages(stages: string[] | undefined, parameter = 'VersionStages'): string[] {
  if (stages === undefined) return [STAGE_CURRENT]
  if (stages.length === 0) throw invalidParameter(parameter, 'give at least one stage label.')
  const unique = [...new Set(stages)]
  for (const s of unique) assertStageLabel(s, parameter)
  if (unique.includes(STAGE_CURRENT) && unique.includes(STAGE_PREVIOUS)) {
    throw invalidParameter(parameter, 'a new version cannot be both ACSCurrent and ACSPrevious.')
  }
  if (unique.length > MAX_STAGES_PER_SECRET) {
    throw new KmsError('limit.exceeded', `A secret can carry at most ${MAX_STAGES_PER_SECRET} stage labels.`)
  }
  return unique
}

/**
 * Turns `SecretData` / `SecretDataType` into the bytes to store: `text` as UTF-8, `binary` as
 * strict standard base64. The limit applies to the stored bytes.
 *
 * @throws KmsError validation.missingParameter, validation.invalidParameter
 */
export function parseSecretValue(data: string | undefined, dataType: string | undefined): SecretValue {
  const type = dataType === undefined || dataType === '' ? 'text' : dataType
  if (type !== 'text' && type !== 'binary') {
    throw invalidParameter('SecretDataType', 'must be text or binary.')
  }
  if (data === undefined || data === '') throw missingParameter('SecretData')
  let bytes: Uint8Array
  if (type === 'binary') {
    const maxEncoded = Math.ceil(MAX_SECRET_VALUE_BYTES / 3) * 4
    const decoded = data.length <= maxEncoded ? fromBase64(data) : undefined
    if (decoded === undefined) {
      if (data.length > maxEncoded) {
        throw invalidParameter('SecretData', `must be at most ${MAX_SECRET_VALUE_BYTES} bytes.`)
      }
      throw invalidParameter('SecretData', 'binary secret data must be valid standard base64.')
    }
    bytes = decoded
  } else {
    if (data.length > MAX_SECRET_VALUE_BYTES) {
      throw invalidParameter('SecretData', `must be at most ${MAX_SECRET_VALUE_BYTES} bytes.`)
    }
    if (!isWellFormedUnicode(data)) {
      throw invalidParameter('SecretData', 'text secret data must be well-formed Unicode.')
    }
    bytes = utf8(data)
  }
  if (bytes.length > MAX_SECRET_VALUE_BYTES) {
    bytes.fill(0)
    throw invalidParameter('SecretData', `must be at most ${MAX_SECRET_VALUE_BYTES} bytes.`)
  }
  return { type, bytes }
}
