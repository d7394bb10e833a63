/**
 * @module functions/alibaba/permissions
 *
 * Transitional: the permissions of the actions that have no descriptor file yet, by name. Each
 * entry moves into its action's descriptor (functions/alibaba/action.ts) and leaves this table.
 */
import {
  ALIAS, ALIAS_TARGET, AUTHZ_PARAMS, KEY, POLICY, ROLE, SECRET, SECRET_KEY, SELF, USER,
  keyRead, keyUse, keyWrite, on, secretRead, secretWrite, type ActionPermission,
} from './permission'

export * from './permission'

export const KMS_PERMISSIONS: Readonly<Record<string, ActionPermission>> = {
  DescribeRegions: on({ kind: 'service' }, true),
  DescribeAccountKmsStatus: on({ kind: 'service' }, true),
  OpenKmsService: on({ kind: 'service' }, false),
  // KMS instances (read-only through the API; the operator creates them, functions/local-admin.ts)
  ListKmsInstances: on({ kind: 'service' }, true),
  GetKmsInstance: on({ kind: 'service' }, true),
  GetKmsInstanceQuotaInfos: on({ kind: 'service' }, true),
  // External key stores (XKS proxies, functions/alibaba/actions/key-stores.ts)
  CreateExternalKeyStore: on({ kind: 'service' }, false),
  DescribeExternalKeyStore: on({ kind: 'service' }, true),
  ConnectExternalKeyStore: on({ kind: 'service' }, false),
  DisconnectExternalKeyStore: on({ kind: 'service' }, false),
  CreateKey: on({ kind: 'collection', name: 'key' }, false),
  ListKeys: on({ kind: 'collection', name: 'key' }, true),
  DescribeKey: on(KEY, true, true),
  EnableKey: keyWrite,
  DisableKey: keyWrite,
  UpdateKeyDescription: keyWrite,
  ScheduleKeyDeletion: keyWrite,
  CancelKeyDeletion: keyWrite,
  SetDeletionProtection: on({ kind: 'key', params: ['ProtectedResourceArn', 'KeyId'] }, false),
  GetKeyPolicy: keyRead,
  SetKeyPolicy: keyWrite,
  CreateKeyVersion: keyWrite,
  DescribeKeyVersion: keyRead,
  ListKeyVersions: keyRead,
  UpdateRotationPolicy: keyWrite,
  GetParametersForImport: keyWrite,
  ImportKeyMaterial: keyWrite,
  DeleteKeyMaterial: keyWrite,
  CreateAlias: { checks: [{ resource: ALIAS }, { resource: KEY }], readOnly: false, crossAccount: false },
  // As AWS: the alias, the key it points at now and the new key.
  UpdateAlias: { checks: [{ resource: ALIAS }, { resource: ALIAS_TARGET }, { resource: KEY }], readOnly: false, crossAccount: false },
  DeleteAlias: { checks: [{ resource: ALIAS }, { resource: ALIAS_TARGET }], readOnly: false, crossAccount: false },
  ListAliases: on({ kind: 'collection', name: 'alias' }, true),
  ListAliasesByKeyId: keyRead,
  TagResource: on({ kind: 'keyOrSecret' }, false),
  UntagResource: on({ kind: 'keyOrSecret' }, false),
  ListResourceTags: on({ kind: 'keyOrSecret' }, true),
  // The batch forms: each resource authorised as the single call would authorise it.
  TagResources: { checks: [{ action: 'kms:TagResource', resource: { kind: 'tagTargets' } }], readOnly: false, crossAccount: false },
  UntagResources: { checks: [{ action: 'kms:UntagResource', resource: { kind: 'tagTargets' } }], readOnly: false, crossAccount: false },
  ListTagResources: { checks: [{ action: 'kms:ListResourceTags', resource: { kind: 'tagTargets' } }], readOnly: true, crossAccount: false },
  Encrypt: keyUse(),
  Decrypt: on({ kind: 'blob', param: 'CiphertextBlob' }, true, true, 'EncryptionContext'),
  GenerateDataKey: keyUse(),
  GenerateDataKeyWithoutPlaintext: keyUse(),
  ReEncrypt: {
    checks: [
      { action: 'kms:ReEncryptFrom', resource: { kind: 'reEncryptSource' }, contextParam: 'SourceEncryptionContext' },
      { action: 'kms:ReEncryptTo', resource: { kind: 'key', params: ['DestinationKeyId'] }, contextParam: 'DestinationEncryptionContext' },
    ],
    readOnly: true,
    crossAccount: true,
  },
  // ExportDataKey reveals the plaintext of any symmetric blob (re-wrapped under the caller's
  // public key), so it needs kms:Decrypt on the blob's key as well.
  ExportDataKey: {
    checks: [
      { resource: { kind: 'blob', param: 'CiphertextBlob' }, contextParam: 'EncryptionContext' },
      { action: 'kms:Decrypt', resource: { kind: 'blob', param: 'CiphertextBlob' }, contextParam: 'EncryptionContext' },
    ],
    readOnly: true,
    crossAccount: true,
  },
  GenerateAndExportDataKey: keyUse(),
  AsymmetricEncrypt: keyUse(),
  AsymmetricDecrypt: keyUse(),
  AsymmetricSign: keyUse(),
  AsymmetricVerify: keyUse(),
  GetPublicKey: keyUse(),
  // HMAC keys: key use without an encryption context; cross-account like every key use.
  GenerateMac: on(KEY, true, true),
  VerifyMac: on(KEY, true, true),
  // Secrets under a customer CMK (Alibaba): writes need kms:GenerateDataKey and reads kms:Decrypt
  // on that key; secrets under the default CMK or the secrets service key need neither.
  // A managed secret's rotation acts as the account on what its ExtendedConfig names (another
  // secret's value, a RAM user's AccessKeys): the creator needs those permissions itself.
  CreateSecret: {
    checks: [
      { resource: SECRET },
      { action: 'kms:GenerateDataKey', resource: { kind: 'newSecretKey', param: 'EncryptionKeyId' } },
      { action: 'kms:GetSecretValue', resource: { kind: 'configSecrets', param: 'ExtendedConfig' } },
      { action: 'kms:Decrypt', resource: { kind: 'configSecretKeys', param: 'ExtendedConfig' } },
      { action: 'ram:CreateAccessKey', resource: { kind: 'configRamUser', param: 'ExtendedConfig' } },
      { action: 'ram:DeleteAccessKey', resource: { kind: 'configRamUser', param: 'ExtendedConfig' } },
    ],
    readOnly: false,
    crossAccount: false,
  },
  GetSecretValue: { checks: [{ resource: SECRET }, { action: 'kms:Decrypt', resource: SECRET_KEY }], readOnly: true, crossAccount: true },
  BatchGetSecretValue: {
    checks: [
      { action: 'kms:GetSecretValue', resource: { kind: 'secretList', param: 'SecretsList' } },
      { action: 'kms:Decrypt', resource: { kind: 'secretListKeys', param: 'SecretsList' } },
    ],
    readOnly: true,
    crossAccount: false,
  },
  PutSecretValue: {
    checks: [
      { resource: SECRET },
      { action: 'kms:GenerateDataKey', resource: SECRET_KEY },
      { action: 'kms:GetSecretValue', resource: SECRET, probe: AUTHZ_PARAMS.secretReadable },
      { action: 'kms:Decrypt', resource: SECRET_KEY, probe: AUTHZ_PARAMS.secretReadable },
    ],
    readOnly: false,
    crossAccount: false,
  },
  UpdateSecretVersionStage: secretWrite,
  // A rotation stores a new version under the secret's CMK, as PutSecretValue does.
  RotateSecret: { checks: [{ resource: SECRET }, { action: 'kms:GenerateDataKey', resource: SECRET_KEY }], readOnly: false, crossAccount: false },
  UpdateSecretRotationPolicy: secretWrite,
  UpdateSecret: secretWrite,
  DeleteSecret: secretWrite,
  RestoreSecret: secretWrite,
  DescribeSecret: secretRead,
  ListSecretVersionIds: secretRead,
  ListSecrets: on({ kind: 'collection', name: 'secret' }, true),
  GetRandomPassword: on({ kind: 'service' }, true),
  GetSecretPolicy: secretRead,
  SetSecretPolicy: secretWrite,
}


export const RAM_PERMISSIONS: Readonly<Record<string, ActionPermission>> = {
  CreateUser: on(USER, false),
  GetUser: on(USER, true),
  UpdateUser: on(USER, false),
  DeleteUser: on(USER, false),
  ListUsers: on({ kind: 'ramAccount' }, true),
  CreateAccessKey: on(SELF, false),
  ListAccessKeys: on(SELF, true),
  UpdateAccessKey: on(SELF, false),
  DeleteAccessKey: on(SELF, false),
  CreatePolicy: on(POLICY, false),
  GetPolicy: on(POLICY, true),
  DeletePolicy: on(POLICY, false),
  AttachPolicyToUser: { checks: [{ resource: USER }, { resource: POLICY }], readOnly: false, crossAccount: false },
  DetachPolicyFromUser: { checks: [{ resource: USER }, { resource: POLICY }], readOnly: false, crossAccount: false },
  ListPoliciesForUser: on(USER, true),
  CreateRole: on(ROLE, false),
  GetRole: on(ROLE, true),
  UpdateRole: on(ROLE, false),
  ListRoles: on({ kind: 'ramAccount' }, true),
  DeleteRole: on(ROLE, false),
  AttachPolicyToRole: { checks: [{ resource: ROLE }, { resource: POLICY }], readOnly: false, crossAccount: false },
  DetachPolicyFromRole: { checks: [{ resource: ROLE }, { resource: POLICY }], readOnly: false, crossAccount: false },
  ListPoliciesForRole: on(ROLE, true),
}

/**
 * STS (2015-04-01). AssumeRole needs `sts:AssumeRole` on the role ARN (the role's trust policy is
 * checked by the handler, core/domain/sts/assume-role.ts); it writes nothing, and its credentials
 * are released only once its audit event is written. GetCallerIdentity needs no permission
 * (as Alibaba documents).
 */
export const STS_PERMISSIONS: Readonly<Record<string, ActionPermission>> = {
  AssumeRole: on({ kind: 'ramRoleArn', param: 'RoleArn' }, true),
  GetCallerIdentity: { checks: [], readOnly: true, crossAccount: false },
}

export const TRAIL_PERMISSIONS: Readonly<Record<string, ActionPermission>> = {
  LookupEvents: on({ kind: 'trail' }, true),
}

