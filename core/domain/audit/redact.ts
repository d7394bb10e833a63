/**
 * @module core/domain/audit/redact
 *
 * What of a request's parameters goes into its audit event. Safe by default: only names on
 * {@link VERBATIM_PARAMETERS} (identifiers and options, never data) are kept as sent, truncated;
 * every other value — Plaintext, CiphertextBlob, SecretData, EncryptionContext, policy
 * documents, descriptions, anything unknown — becomes `hmac:<hex>` under a key derived from the
 * root key, so equal values can be correlated without being readable.
 */
import type { RootKeyRing } from '../../crypto/root-key'
import { auditKey, hmacHex } from './keys'

/** Parameters recorded as sent. */
export const VERBATIM_PARAMETERS: ReadonlySet<string> = new Set([
  'KeyId', 'DestinationKeyId', 'SourceKeyId', 'KeyVersionId', 'SourceKeyVersionId', 'AliasName',
  'SecretName', 'VersionId', 'VersionStage', 'MoveToVersion', 'RemoveFromVersion', 'KeySpec',
  'KeyUsage', 'Origin', 'ProtectionLevel', 'Algorithm', 'NumberOfBytes', 'PendingWindowInDays',
  'EnableAutomaticRotation', 'RotationInterval', 'EnableDeletionProtection',
  'ProtectedResourceArn', 'DryRun', 'PageNumber', 'PageSize', 'SecretDataType', 'SecretType',
  'RecoveryWindowInDays', 'ForceDeleteWithoutRecovery', 'PolicyName', 'PolicyType', 'UserName',
  'UserAccessKeyId', 'Status', 'CascadingDelete', 'MaxItems', 'MaxResults', 'StartTime',
  'EndTime', 'WrappingAlgorithm', 'WrappingKeySpec', 'DKMSInstanceId', 'FetchTags',
  'IncludeDeprecated',
])

const MAX_VALUE = 256
const MAX_PARAMETERS = 32

/**
 * The parameters of an event.
 * @throws KmsError internal when the ring is unusable (never for parameter values).
 */
export function redactParameters(ring: RootKeyRing, params: ReadonlyArray<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {}
  const key = auditKey(ring, 'param-hmac')
  const sorted = [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, MAX_PARAMETERS)
  for (const [rawName, value] of sorted) {
    const name = rawName.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64)
    const base = name.replace(/\.\d+$/, '')
    out[name] = VERBATIM_PARAMETERS.has(base)
      ? value.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, MAX_VALUE)
      : `hmac:${hmacHex(key, `${rawName}\u0000${value}`).slice(0, 32)}`
  }
  return out
}
