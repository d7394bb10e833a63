/**
 * @module functions/alibaba/permissions
 *
 * Per-action authorisation metadata, keyed by action name: which RAM action is checked on which
 * resource(s) derived from the request parameters, whether the call may change state (its audit
 * record is then written before it acts), and whether it may use another account's key or
 * secret (key and secret use only; management is never cross-account).
 *
 * Actions missing from the table (added later by other modules) get a safe default: `kms:<Action>`
 * on the key (`KeyId`), secret (`SecretName`), ciphertext key (`CiphertextBlob`) or the account,
 * treated as state-changing and same-account only.
 */

/** Where a checked resource comes from. */
export type ResourceSpec =
  /** A key named by id, key ARN, alias or alias ARN in the first present parameter. */
  | { kind: 'key'; params: readonly string[] }
  /** The key named inside a ciphertext blob. */
  | { kind: 'blob'; param: string }
  /** ReEncrypt's source: `SourceKeyId` for an asymmetric source, else the blob's key. */
  | { kind: 'reEncryptSource' }
  /** An alias name. */
  | { kind: 'alias'; param: string }
  /** The key an existing alias points at now (UpdateAlias, DeleteAlias). */
  | { kind: 'aliasTarget'; param: string }
  /**
   * The customer CMK a new secret names (`EncryptionKeyId`, resolved like `key`): nothing when
   * the parameter is absent or names the default CMK (`alias/acs/kms`) or a service key.
   */
  | { kind: 'newSecretKey'; param: string }
  /** A secret named by name or ARN. */
  | { kind: 'secret'; param: string }
  /** The customer CMK of an existing secret; nothing for a missing secret or a default/service key. */
  | { kind: 'secretKey'; param: string }
  /** Every secret of a JSON `SecretsList` (BatchGetSecretValue). */
  | { kind: 'secretList'; param: string }
  /** The customer CMKs of every secret of a JSON `SecretsList`. */
  | { kind: 'secretListKeys'; param: string }
  /** A key (`KeyId`) or else a secret (`SecretName`): the tag actions. */
  | { kind: 'keyOrSecret' }
  /** Every key or secret of `ResourceType` + `ResourceId` (params.tagTargets): the batch tag actions. */
  | { kind: 'tagTargets' }
  /** `acs:kms:<region>:<account>:key|alias|secret`: listing and creating. */
  | { kind: 'collection'; name: 'key' | 'alias' | 'secret' }
  /** `acs:kms:<region>:<account>:*`: service-level calls. */
  | { kind: 'service' }
  /** A RAM user; with `self`, the caller itself when the parameter is absent. */
  | { kind: 'ramUser'; param: string; self?: boolean }
  | { kind: 'ramPolicy'; param: string }
  /** `acs:ram::<account>:*`: RAM listings. */
  | { kind: 'ramAccount' }
  /** A RAM role by name: `acs:ram::<account>:role/<name>`. */
  | { kind: 'ramRole'; param: string }
  /** A RAM role by ARN (AssumeRole's `RoleArn`), any account (another account's is then refused). */
  | { kind: 'ramRoleArn'; param: string }
  /** `acs:actiontrail:<region>:<account>:*`. */
  | { kind: 'trail' }
  /**
   * The other secrets a new secret's `ExtendedConfig` names (`AdminSecretName`,
   * `RotationFunctionSigningSecretName`), which its rotation reads as the account: the creator
   * must be able to read them itself (nothing when the config is absent or malformed).
   */
  | { kind: 'configSecrets'; param: string }
  /** The customer CMKs of the secrets of `configSecrets`. */
  | { kind: 'configSecretKeys'; param: string }
  /**
   * The RAM user a new RAMCredentials secret's `ExtendedConfig.UserName` names: its rotation
   * makes and deletes AccessKeys of that user, so the creator must be allowed to.
   */
  | { kind: 'configRamUser'; param: string }

export interface PermissionCheck {
  /** The RAM action; defaults to `<service>:<Action>`. */
  action?: string
  resource: ResourceSpec
  /** The parameter whose encryption context feeds `kms:EncryptionContext:*` conditions. */
  contextParam?: string
  /**
   * A probe, not a requirement: the check never denies the call; the handler receives the
   * parameter named here set to `true` when every probe of that name allowed, else `false`.
   */
  probe?: string
}

export interface ActionPermission {
  checks: readonly PermissionCheck[]
  readOnly: boolean
  crossAccount: boolean
}

const KEY: ResourceSpec = { kind: 'key', params: ['KeyId'] }
const SECRET: ResourceSpec = { kind: 'secret', param: 'SecretName' }
const ALIAS: ResourceSpec = { kind: 'alias', param: 'AliasName' }
const ALIAS_TARGET: ResourceSpec = { kind: 'aliasTarget', param: 'AliasName' }
const SECRET_KEY: ResourceSpec = { kind: 'secretKey', param: 'SecretName' }

/**
 * Parameters that only authorisation sets (functions/authorize.ts removes any a client sends):
 * - `aliasKeyId`: the key an alias pointed at when UpdateAlias/DeleteAlias was authorised; the
 *   change is written only while the alias still points there.
 * - `secretReadable`: `true` when the caller of PutSecretValue may also read the secret
 *   (kms:GetSecretValue on it, kms:Decrypt on its customer CMK); only then does a retry with an
 *   existing VersionId learn whether its value equals the stored one.
 * - `secretKeys`: JSON `{"<account>/<region>/<name>": "<key id>"}`, the customer CMK each secret
 *   was authorised on (`""`: none needed, the secret was missing or under a managed key). The
 *   secret actions refuse a secret whose CMK is another customer key by the time they read it
 *   (deleted and created again under another key in between).
 */
export const AUTHZ_PARAM_PREFIX = 'edge-kms-authz:'
export const AUTHZ_PARAMS = {
  aliasKeyId: `${AUTHZ_PARAM_PREFIX}AliasKeyId`,
  secretReadable: `${AUTHZ_PARAM_PREFIX}SecretReadable`,
  secretKeys: `${AUTHZ_PARAM_PREFIX}SecretKeys`,
} as const

function on(resource: ResourceSpec, readOnly: boolean, crossAccount = false, contextParam?: string): ActionPermission {
  return { checks: [{ resource, ...(contextParam ? { contextParam } : {}) }], readOnly, crossAccount }
}

const keyUse = (readOnly = true) => on(KEY, readOnly, true, 'EncryptionContext')
const keyRead = on(KEY, true)
const keyWrite = on(KEY, false)
const secretRead = on(SECRET, true)
const secretWrite = on(SECRET, false)

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

const USER: ResourceSpec = { kind: 'ramUser', param: 'UserName' }
const SELF: ResourceSpec = { kind: 'ramUser', param: 'UserName', self: true }
const POLICY: ResourceSpec = { kind: 'ramPolicy', param: 'PolicyName' }
const ROLE: ResourceSpec = { kind: 'ramRole', param: 'RoleName' }

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

/** The metadata of an action of `service` (with the default for unlisted actions). */
export function permissionOf(service: 'kms' | 'ram' | 'actiontrail' | 'sts', action: string, has: (param: string) => boolean): ActionPermission {
  const table =
    service === 'kms' ? KMS_PERMISSIONS : service === 'ram' ? RAM_PERMISSIONS : service === 'sts' ? STS_PERMISSIONS : TRAIL_PERMISSIONS
  if (Object.hasOwn(table, action)) return table[action]!
  // Deny by default: an STS action without an entry needs a permission nobody can be granted.
  if (service === 'sts') return { checks: [{ action: `sts:${action}`, resource: { kind: 'ramAccount' } }], readOnly: false, crossAccount: false }
  if (service !== 'kms') return on({ kind: service === 'ram' ? 'ramAccount' : 'trail' }, false)
  if (has('KeyId')) return keyWrite
  if (has('SecretName')) return secretWrite
  if (has('CiphertextBlob')) return on({ kind: 'blob', param: 'CiphertextBlob' }, false)
  return on({ kind: 'service' }, false)
}
