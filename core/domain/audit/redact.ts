/**
 * @module core/domain/audit/redact
 *
 * What of a request's parameters goes into its audit event. Safe by default: only names on
 * {@link VERBATIM_PARAMETERS} (identifiers and options, never data) are kept as sent, truncated;
 * every other value — Plaintext, CiphertextBlob, SecretData, EncryptedKeyMaterial,
 * PublicKeyBlob, Message/Digest, Value/Signature, AccessKeySecret, Password, EncryptionContext,
 * policy documents, descriptions, anything unknown — is recorded only as present, with a coarse
 * size class: `redacted:<class>` (see {@link sizeClass}).
 *
 * No token derived from the value is recorded (no hash, no HMAC, no prefix): a deterministic
 * token, even a keyed one, lets whoever reads the trail confirm guesses of a low-entropy value
 * (a PIN, a weak password) by sending candidate values — refused requests are recorded too —
 * and comparing tokens. Equal values can therefore not be correlated through the trail.
 */

/** Parameters recorded as sent. */
export const VERBATIM_PARAMETERS: ReadonlySet<string> = new Set([
  'KeyId',
  'DestinationKeyId',
  'SourceKeyId',
  'KeyVersionId',
  'SourceKeyVersionId',
  'AliasName',
  'SecretName',
  'VersionId',
  'VersionStage',
  'MoveToVersion',
  'RemoveFromVersion',
  'KeySpec',
  'KeyPairSpec',
  'GrantId',
  'KeyUsage',
  'Origin',
  'ProtectionLevel',
  'Algorithm',
  'NumberOfBytes',
  'PendingWindowInDays',
  'EnableAutomaticRotation',
  'RotationInterval',
  'EnableDeletionProtection',
  'ProtectedResourceArn',
  'DryRun',
  'PageNumber',
  'PageSize',
  'SecretDataType',
  'SecretType',
  'RecoveryWindowInDays',
  'ForceDeleteWithoutRecovery',
  'PolicyName',
  'PolicyType',
  'UserName',
  'UserAccessKeyId',
  'Status',
  'CascadingDelete',
  'MaxItems',
  'MaxResults',
  'StartTime',
  'EndTime',
  'WrappingAlgorithm',
  'WrappingKeySpec',
  'DKMSInstanceId',
  'FetchTags',
  'IncludeDeprecated',
  'RoleName',
  'RoleArn',
  'RoleSessionName',
  'DurationSeconds',
  'MaxSessionDuration',
])

const MAX_VALUE = 256
const MAX_PARAMETERS = 32

/**
 * The size class of a redacted value, by its length in characters: `empty`, `small` (≤ 64),
 * `medium` (≤ 1024), `large` (≤ 16384) or `huge`. Coarse on purpose: it tells a data key from a
 * document, never one short value from another.
 */
export function sizeClass(length: number): string {
  if (length === 0) return 'empty'
  if (length <= 64) return 'small'
  if (length <= 1024) return 'medium'
  if (length <= 16384) return 'large'
  return 'huge'
}

/** The parameters of an event (identifiers verbatim, everything else `redacted:<size class>`). */
export function redactParameters(params: ReadonlyArray<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {}
  const sorted = [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, MAX_PARAMETERS)
  for (const [rawName, value] of sorted) {
    const name = rawName.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64)
    const base = name.replace(/\.\d+$/, '')
    out[name] = VERBATIM_PARAMETERS.has(base)
      ? value.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, MAX_VALUE)
      : `redacted:${sizeClass(value.length)}`
  }
  return out
}
