/**
 * @module core/domain/keys/key-state-table
 *
 * What every key API does in every key state, as data. One cell = one outcome: `ok`, or the one
 * error code the API returns (mapped to Alibaba's code and HTTP status by the adapter). The test
 * key-state-table.test.ts asserts every cell through the domain, and the integration suite
 * samples the cells through the official SDK.
 *
 * Semantics follow Alibaba KMS (see ../shared/reference/alibaba-kms-api.md and
 * security-checklist.md §1.6):
 * - crypto (Encrypt, Decrypt, GenerateDataKey*, ReEncrypt) works only while Enabled; Decrypt is
 *   not allowed on Disabled keys either (Alibaba and AWS both refuse it);
 * - CancelKeyDeletion returns a PendingDeletion key to Enabled (Alibaba; AWS would go to
 *   Disabled);
 * - a PendingDeletion key can still be described, listed and have its tags and aliases read.
 */
import type { KmsErrorCode } from '../../errors'
import type { KeyState } from '../model'

export type KeyOperation =
  | 'Encrypt'
  | 'Decrypt'
  | 'GenerateDataKey'
  | 'GenerateDataKeyWithoutPlaintext'
  | 'ReEncryptFrom'
  | 'ReEncryptTo'
  | 'DescribeKey'
  | 'EnableKey'
  | 'DisableKey'
  | 'UpdateKeyDescription'
  | 'ScheduleKeyDeletion'
  | 'CancelKeyDeletion'
  | 'SetDeletionProtection'
  | 'CreateAlias'
  | 'UpdateAlias'
  | 'ListAliasesByKeyId'
  | 'TagResource'
  | 'UntagResource'
  | 'ListResourceTags'
  | 'UpdateRotationPolicy'
  | 'AsymmetricSign'
  | 'AsymmetricVerify'
  | 'AsymmetricEncrypt'
  | 'AsymmetricDecrypt'
  | 'GetPublicKey'
  | 'CreateKeyVersion'
  | 'ExportDataKey'
  | 'GenerateAndExportDataKey'
  | 'GetParametersForImport'
  | 'ImportKeyMaterial'
  | 'DeleteKeyMaterial'
  | 'GenerateMac'
  | 'VerifyMac'

export type CellOutcome = 'ok' | KmsErrorCode
type Row = Record<Exclude<KeyState, 'Deleted'>, CellOutcome>

const CRYPTO: Row = {
  Enabled: 'ok',
  Disabled: 'key.disabled',
  PendingDeletion: 'key.pendingDeletion',
  PendingImport: 'key.pendingImport',
}
const READ: Row = { Enabled: 'ok', Disabled: 'ok', PendingDeletion: 'ok', PendingImport: 'ok' }
const MANAGE: Row = {
  Enabled: 'ok',
  Disabled: 'ok',
  PendingDeletion: 'key.pendingDeletion',
  PendingImport: 'ok',
}

export const KEY_STATE_TABLE: Readonly<Record<KeyOperation, Row>> = {
  Encrypt: CRYPTO,
  Decrypt: CRYPTO,
  GenerateDataKey: CRYPTO,
  GenerateDataKeyWithoutPlaintext: CRYPTO,
  ReEncryptFrom: CRYPTO,
  ReEncryptTo: CRYPTO,
  DescribeKey: READ,
  ListAliasesByKeyId: READ,
  ListResourceTags: READ,
  EnableKey: {
    Enabled: 'ok',
    Disabled: 'ok',
    PendingDeletion: 'key.pendingDeletion',
    PendingImport: 'key.pendingImport',
  },
  DisableKey: {
    Enabled: 'ok',
    Disabled: 'ok',
    PendingDeletion: 'key.pendingDeletion',
    PendingImport: 'key.pendingImport',
  },
  UpdateKeyDescription: MANAGE,
  ScheduleKeyDeletion: MANAGE,
  CancelKeyDeletion: {
    Enabled: 'key.invalidState',
    Disabled: 'key.invalidState',
    PendingDeletion: 'ok',
    PendingImport: 'key.invalidState',
  },
  SetDeletionProtection: MANAGE,
  CreateAlias: MANAGE,
  UpdateAlias: MANAGE,
  TagResource: MANAGE,
  UntagResource: MANAGE,
  // Alibaba: the rotation policy can only be changed on Enabled keys.
  UpdateRotationPolicy: CRYPTO,
  // Asymmetric keys: every use, the public key included, needs an Enabled key (AWS's
  // table refuses GetPublicKey and Verify on Disabled keys too); CreateKeyVersion is "Enabled
  // only" in Alibaba's documentation.
  AsymmetricSign: CRYPTO,
  AsymmetricVerify: CRYPTO,
  AsymmetricEncrypt: CRYPTO,
  AsymmetricDecrypt: CRYPTO,
  GetPublicKey: CRYPTO,
  CreateKeyVersion: CRYPTO,
  ExportDataKey: CRYPTO,
  GenerateAndExportDataKey: CRYPTO,
  // BYOK: material can be (re-)imported and deleted in every state but PendingDeletion; a
  // re-import into an Enabled or Disabled key only renews its expiry (same material only).
  GetParametersForImport: MANAGE,
  ImportKeyMaterial: MANAGE,
  DeleteKeyMaterial: MANAGE,
  // HMAC keys: both uses need an Enabled key (AWS's table refuses VerifyMac on Disabled keys too).
  GenerateMac: CRYPTO,
  VerifyMac: CRYPTO,
}

/** The outcome of `operation` on a key in `state` (a Deleted key is never found). */
export function keyStateOutcome(operation: KeyOperation, state: KeyState): CellOutcome {
  if (state === 'Deleted') return 'key.notFound'
  return KEY_STATE_TABLE[operation][state]
}
