/**
 * @module core/domain/model
 *
 * The records the domain works on. They are plain data: the store persists them as they are
 * (see core/store/SCHEMA.md) and the protocol adapters shape them for the wire.
 *
 * Invariants (enforced by the operations in core/domain/keys, tested in key-state-table.test.ts):
 * - A key has at least one version once it is Enabled; `primaryVersionId` names one of them.
 * - `rev` increases by one on every write; every write is conditional on the `rev` it read, so two
 *   writers can never both succeed on the same base (dynalite has no transactions: one item, one
 *   conditional write).
 * - Key ids are never reused: creation is conditional on the id not existing, and deleted keys
 *   leave a tombstone (`keyState: 'Deleted'`, material removed).
 */

/** Alibaba key states, plus the terminal tombstone state that no API ever reports. */
export const KEY_STATES = ['Enabled', 'Disabled', 'PendingDeletion', 'PendingImport'] as const
export type KeyState = (typeof KEY_STATES)[number] | 'Deleted'

export type KeySpec =
  | 'Aliyun_AES_256'
  | 'Aliyun_AES_128'
  | 'Aliyun_AES_192'
  | 'Aliyun_SM4'
  | 'RSA_2048'
  | 'RSA_3072'
  | 'RSA_4096'
  | 'EC_P256'
  | 'EC_P256K'
  | 'EC_SM2'
  | 'HMAC_SHA_224'
  | 'HMAC_SHA_256'
  | 'HMAC_SHA_384'
  | 'HMAC_SHA_512'

/** `GENERATE/VERIFY_MAC` is the only usage of the HMAC_SHA_* specs (core/domain/keys/mac). */
export type KeyUsage = 'ENCRYPT/DECRYPT' | 'SIGN/VERIFY' | 'GENERATE/VERIFY_MAC'
export type KeyOrigin = 'Aliyun_KMS' | 'EXTERNAL'
export type ProtectionLevel = 'SOFTWARE' | 'HSM'
/** Who manages the key: customers, the per-account default CMK, or an integrated service. */
export type KeyCreatorType = 'User' | 'Default' | 'Service'

export interface KeyVersionRecord {
  versionId: string
  /** ISO-8601 UTC, second precision. */
  createdAt: string
  /**
   * Software keys: the version's key material wrapped under the root key
   * (`rk1.<rootKeyId>.<base64>`, see core/crypto/root-key.ts). Absent for HSM keys, whose
   * material never leaves the HSM.
   */
  wrappedMaterial?: string
  /** Asymmetric keys: the version's public key, base64 of the DER SubjectPublicKeyInfo (public). */
  publicKeySpki?: string
  /**
   * HSM keys: `Creating` from the intent write until the HSM object is confirmed,
   * `Active` once it is, `Missing` when the HSM no longer holds it. Absent for software keys.
   */
  hsmState?: HsmVersionState
}

/** See {@link KeyVersionRecord.hsmState}. */
export type HsmVersionState = 'Creating' | 'Active' | 'Missing'

/**
 * BYOK: the wrapping key pair and token issued by the latest GetParametersForImport
 * (core/domain/keys/byok). Replaced by the next call, removed by a successful import.
 */
export interface ImportParametersRecord {
  /** Random id the (sealed) import token names; a token naming another id is refused. */
  tokenId: string
  wrappingAlgorithm: string
  wrappingKeySpec: string
  /** PKCS#8 of the RSA wrapping key, under the root key with AAD `importwrap:<keyId>:<tokenId>`. */
  wrappedPrivateKey: string
  /** ISO-8601 UTC: the token and the wrapping key are refused after this. */
  expiresAt: string
}

export interface KeyRecord {
  keyId: string
  accountId: string
  region: string
  /** KMS instance; `shared` for keys outside a dedicated instance. */
  instanceId: string
  keySpec: KeySpec
  keyUsage: KeyUsage
  origin: KeyOrigin
  protectionLevel: ProtectionLevel
  creatorType: KeyCreatorType
  keyState: KeyState
  description: string
  /** The account or principal that created the key. */
  creator: string
  createdAt: string
  /** Set while PendingDeletion: when the key will be destroyed. */
  deleteDate?: string
  deletionProtection: boolean
  deletionProtectionDescription?: string
  primaryVersionId?: string
  versions: KeyVersionRecord[]
  automaticRotation: boolean
  /** Rotation interval in seconds, when automatic rotation is configured. */
  rotationIntervalSeconds?: number
  lastRotationDate?: string
  nextRotationDate?: string
  tags: Record<string, string>
  /** Optimistic-concurrency revision. */
  rev: number
  /** BYOK: when the imported material expires (ISO-8601 UTC); absent when it never does. */
  materialExpireTime?: string
  /** BYOK: the pending import parameters, see {@link ImportParametersRecord}. */
  importParameters?: ImportParametersRecord
  /**
   * BYOK: keyed fingerprint of the first imported material (`hm1.<rootKeyId>.<base64>`), so only
   * the same material can ever be imported again.
   */
  materialFingerprint?: string
}

export interface AliasRecord {
  accountId: string
  region: string
  /** Full alias name including the `alias/` prefix. */
  aliasName: string
  keyId: string
  createdAt: string
}

export interface AccessKeyRecord {
  accessKeyId: string
  accountId: string
  /** Principal name inside the account (`root` for the bootstrap admin). */
  principal: string
  status: 'Active' | 'Inactive'
  /** The secret, wrapped under the root key with AAD `accesskey:<accessKeyId>`. */
  wrappedSecret: string
  createdAt: string
}

export interface AccountRecord {
  accountId: string
  createdAt: string
}

/** The authenticated caller of an API request. */
export interface Caller {
  accountId: string
  principal: string
  accessKeyId: string
  /** Region the request is served in. */
  region: string
  /**
   * The account's root (`principal` is `root`), a RAM user (`principal` is the user name) or an
   * STS role session (`principal` is `assumed-role/<role>/<session>`, never a valid user name).
   */
  principalType?: 'root' | 'user' | 'AssumedRoleUser'
  /** `acs:ram::<account>:root`, `…:user/<name>` or `…:assumed-role/<role>/<session>`. */
  principalArn?: string
  /** For STS credentials: the role session (core/auth/security-token.ts). */
  session?: CallerSession
}

/** An STS role session, as its security token asserts it. */
export interface CallerSession {
  roleName: string
  roleId: string
  sessionName: string
  /** Epoch ms. */
  expiresAt: number
  /** The session policy (JSON text), which narrows the role's policies. */
  policy?: string
}

export const SHARED_INSTANCE = 'shared'
