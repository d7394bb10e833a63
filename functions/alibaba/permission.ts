/**
 * @module functions/alibaba/permission
 *
 * What an action's descriptor declares for authorisation (functions/authorize.ts): which RAM
 * action is checked on which resource(s) derived from the request parameters, whether the call
 * may change state (its audit record is then written before it acts), and whether it may use
 * another account's key or secret (key and secret use only; management is never cross-account).
 * There is no default: an action without a permission cannot be registered.
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
   * A probe, not a requirement: the check never denies the call; the handler finds
   * `ctx.targets.probes[<name>]` set to `true` when every probe of that name allowed, else `false`.
   */
  probe?: string
}

export interface ActionPermission {
  checks: readonly PermissionCheck[]
  readOnly: boolean
  crossAccount: boolean
}

export const KEY: ResourceSpec = { kind: 'key', params: ['KeyId'] }
export const SECRET: ResourceSpec = { kind: 'secret', param: 'SecretName' }
export const ALIAS: ResourceSpec = { kind: 'alias', param: 'AliasName' }
export const ALIAS_TARGET: ResourceSpec = { kind: 'aliasTarget', param: 'AliasName' }
export const SECRET_KEY: ResourceSpec = { kind: 'secretKey', param: 'SecretName' }

export function on(resource: ResourceSpec, readOnly: boolean, crossAccount = false, contextParam?: string): ActionPermission {
  return { checks: [{ resource, ...(contextParam ? { contextParam } : {}) }], readOnly, crossAccount }
}

export const keyUse = (readOnly = true) => on(KEY, readOnly, true, 'EncryptionContext')
export const keyRead = on(KEY, true)
export const keyWrite = on(KEY, false)
export const secretRead = on(SECRET, true)
export const secretWrite = on(SECRET, false)

export const USER: ResourceSpec = { kind: 'ramUser', param: 'UserName' }
/** A RAM user, or the caller itself when `UserName` is absent (the AccessKey actions). */
export const SELF: ResourceSpec = { kind: 'ramUser', param: 'UserName', self: true }
export const POLICY: ResourceSpec = { kind: 'ramPolicy', param: 'PolicyName' }
export const ROLE: ResourceSpec = { kind: 'ramRole', param: 'RoleName' }
