/**
 * @module core/domain/ports
 *
 * What the domain needs from the outside world. core/store implements the repositories on
 * DynamoDB (dynamodb-toolbox); tests use the in-memory fakes in test/fakes.
 *
 * Every write is a single-item conditional write. Conditional failures surface as
 * {@link ConditionFailed}, which operations turn into a retry (optimistic concurrency) or a
 * domain error (already exists, lost race).
 */
import type { RootKeyRing } from '../crypto/root-key'
import type { RandomSource } from '../crypto/random'
import type { RsaEngine } from '../crypto/asymmetric/rsa-engine'
import type { AccessKeyRecord, AccountRecord, AliasRecord, KeyRecord } from './model'

/** Thrown by repositories when the condition of a conditional write does not hold. */
export class ConditionFailed extends Error {
  constructor(what: string) {
    super(`condition failed: ${what}`)
    this.name = 'ConditionFailed'
  }
}

export interface KeyRepository {
  get(keyId: string): Promise<KeyRecord | undefined>
  /** Creates the key; ConditionFailed when the id exists (ids are never reused). */
  create(key: KeyRecord): Promise<void>
  /** Replaces the key; ConditionFailed unless the stored `rev` equals `expectedRev`. */
  replace(key: KeyRecord, expectedRev: number): Promise<void>
  /**
   * Ids of keys whose rotation or deletion is due at or before `untilIso`, earliest first,
   * through the due-time index (never a scan); at most `limit`, with `more` when others remain.
   */
  listDue(job: 'rotation' | 'deletion' | 'materialExpiry', untilIso: string, limit: number): Promise<{ keyIds: string[]; more: boolean }>
  /** Keys of an account in a region, oldest first. */
  listByAccount(accountId: string, region: string): Promise<KeyRecord[]>
}

export interface AliasRepository {
  get(accountId: string, region: string, aliasName: string): Promise<AliasRecord | undefined>
  /** ConditionFailed when the alias exists. */
  create(alias: AliasRecord): Promise<void>
  /**
   * Re-points the alias; ConditionFailed when it does not exist or, with `expectedKeyId`, no
   * longer points at that key.
   */
  update(alias: AliasRecord, expectedKeyId?: string): Promise<void>
  /** Deletes the alias; with `expectedKeyId`, only while it still points at that key. */
  delete(accountId: string, region: string, aliasName: string, expectedKeyId?: string): Promise<void>
  listByAccount(accountId: string, region: string): Promise<AliasRecord[]>
}

export interface CredentialRepository {
  getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined>
  /** ConditionFailed when the access key id exists. */
  createAccessKey(record: AccessKeyRecord): Promise<void>
  /** Creates or replaces an access key (bootstrap credentials from configuration). */
  putAccessKey(record: AccessKeyRecord): Promise<void>
  getAccount(accountId: string): Promise<AccountRecord | undefined>
  /** Idempotent: an existing account is left as it is. */
  ensureAccount(record: AccountRecord): Promise<void>
  /** Drops any copy of the access key cached in this isolate (after disabling or deleting it). */
  forget?(accessKeyId: string): void
}

export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** Everything a key operation may use. */
export interface KeyDeps {
  keys: KeyRepository
  aliases: AliasRepository
  clock: Clock
  random: RandomSource
  rootKeys: RootKeyRing
  /** The RSA primitives WebCrypto lacks (core/platform/node-rsa-engine.ts in the Worker and tests). */
  rsa: RsaEngine
}

// --- Secrets manager -----------------------------------------------------------------
// The import sits here so this section stays an append-only addition; ES imports are hoisted.
import type { SecretRecord, SecretVersionRecord } from './secrets/model'

/** A secret found through the due-time index, before its head is re-read. */
export interface DueSecretRef {
  accountId: string
  region: string
  secretName: string
  /** The due time the index holds (ISO-8601). */
  due: string
}

/**
 * Heads and version items of secrets. Heads change only through conditional writes on `rev`;
 * version items are created conditional on absence and replaced or deleted conditional on the
 * `token` that was read.
 */
export interface SecretRepository {
  /** Consistent read; includes `Deleted` tombstones. */
  getHead(accountId: string, region: string, secretName: string): Promise<SecretRecord | undefined>
  /** ConditionFailed when a head of that name exists (in any state). */
  createHead(head: SecretRecord): Promise<void>
  /** ConditionFailed unless the stored `rev` equals `expectedRev`. */
  replaceHead(head: SecretRecord, expectedRev: number): Promise<void>
  /** ConditionFailed unless the stored `rev` equals `expectedRev`. */
  deleteHead(accountId: string, region: string, secretName: string, expectedRev: number): Promise<void>
  /** Heads of an account in a region (every state), by name. */
  listByAccount(accountId: string, region: string): Promise<SecretRecord[]>
  /** Consistent read of one version item, referenced or not. */
  getVersion(accountId: string, region: string, secretName: string, versionId: string): Promise<SecretVersionRecord | undefined>
  /** ConditionFailed when an item for that version id exists. */
  createVersion(version: SecretVersionRecord): Promise<void>
  /** ConditionFailed unless the stored item carries `expectedToken`. */
  replaceVersion(version: SecretVersionRecord, expectedToken: string): Promise<void>
  /** ConditionFailed unless the stored item carries `expectedToken`. */
  deleteVersion(accountId: string, region: string, secretName: string, versionId: string, expectedToken: string): Promise<void>
  /** Every version item stored for the secret, referenced or not (consistent). */
  listVersionItems(accountId: string, region: string, secretName: string): Promise<SecretVersionRecord[]>
  /** Heads whose due time is at or before `nowIso`, earliest first, at most `limit`. */
  listDue(nowIso: string, limit: number): Promise<{ items: DueSecretRef[]; more: boolean }>
}

/** Everything a secrets operation may use: the key domain (for CMKs) plus the secrets store. */
export interface SecretDeps extends KeyDeps {
  secrets: SecretRepository
}

// --- Access control and audit --------------------------------------------------------
// Imports sit here so this section stays an append-only addition; ES imports are hoisted.
import type {
  CustomPolicyRecord,
  PolicyAttachmentRecord,
  PolicyType,
  ResourcePolicyRecord,
  ResourcePolicyTarget,
  UserRecord,
} from './principals/model'
import type { RoleRepository } from './principals/role-model'
import type { AuditDigest, AuditRecord, ChainHead } from './audit/model'

/**
 * Users, custom policies, attachments and resource policies (core/store/iam.ts). Users and
 * policies change on `rev`; attachments are created conditional on absence and deleted
 * conditional on presence.
 */
export interface IamRepository extends RoleRepository {
  getUser(accountId: string, userName: string): Promise<UserRecord | undefined>
  /** ConditionFailed when the user exists. */
  createUser(user: UserRecord): Promise<void>
  /** ConditionFailed unless the stored `rev` equals `expectedRev`. */
  replaceUser(user: UserRecord, expectedRev: number): Promise<void>
  /** ConditionFailed unless the stored `rev` equals `expectedRev`. */
  deleteUser(accountId: string, userName: string, expectedRev: number): Promise<void>
  /** Users of an account by name, after `afterName` (exclusive); `more` when others remain. */
  listUsers(accountId: string, afterName: string | undefined, limit: number): Promise<{ items: UserRecord[]; more: boolean }>
  getPolicy(accountId: string, policyName: string): Promise<CustomPolicyRecord | undefined>
  /** ConditionFailed when the policy exists. */
  createPolicy(policy: CustomPolicyRecord): Promise<void>
  replacePolicy(policy: CustomPolicyRecord, expectedRev: number): Promise<void>
  deletePolicy(accountId: string, policyName: string, expectedRev: number): Promise<void>
  /** Attachments of a user, by policy. */
  listAttachments(accountId: string, userName: string): Promise<PolicyAttachmentRecord[]>
  /** Attachments of a policy, by user. */
  listAttachmentsOfPolicy(accountId: string, policyType: PolicyType, policyName: string): Promise<PolicyAttachmentRecord[]>
  /** ConditionFailed when that attachment exists. */
  createAttachment(attachment: PolicyAttachmentRecord): Promise<void>
  /** ConditionFailed when that attachment does not exist. */
  deleteAttachment(accountId: string, userName: string, policyType: PolicyType, policyName: string): Promise<void>
  /** AccessKeys of one principal of an account (secrets stay wrapped). */
  listAccessKeys(accountId: string, principal: string): Promise<AccessKeyRecord[]>
  /** ConditionFailed unless the key exists and belongs to that account and principal. */
  setAccessKeyStatus(accessKeyId: string, accountId: string, principal: string, status: 'Active' | 'Inactive'): Promise<void>
  /** ConditionFailed unless the key exists and belongs to that account and principal. */
  deleteAccessKey(accessKeyId: string, accountId: string, principal: string): Promise<void>
  getResourcePolicy(target: ResourcePolicyTarget): Promise<ResourcePolicyRecord | undefined>
  /** With `expectedRev` undefined: ConditionFailed when one exists; else on `rev`. */
  putResourcePolicy(record: ResourcePolicyRecord, expectedRev: number | undefined): Promise<void>
  /**
   * Deletes a resource policy; with `expectedRev`, ConditionFailed unless the stored `rev` equals
   * it; without, idempotent (deleting an absent policy succeeds).
   */
  deleteResourcePolicy(target: ResourcePolicyTarget, expectedRev?: number): Promise<void>
}

/**
 * Drops what this isolate derived from stored items — a key's view (owner, tags, key policy), an
 * account's identity policies and roles, a secret's policy. `AccessControl`
 * (core/domain/principals/access-control.ts) implements it; the repositories in `deps` call it
 * after every write of those items (core/store/invalidating.ts), so any writer invalidates what
 * it changed in its own isolate.
 */
export interface AccessInvalidation {
  forgetKey(keyId: string): void
  forgetAccount(accountId: string): void
  forgetSecret(accountId: string, region: string, secretName: string): void
}

/** The audit trail (core/store/audit.ts). Records are written once and sealed once. */
/** Records one {@link AuditRepository.putPage} call takes. */
export const MAX_PAGE_RECORDS = 100

export interface AuditRepository {
  /** ConditionFailed when a record with that event id exists. */
  put(record: AuditRecord): Promise<void>
  /** One record by event id (consistent read), sealed or not. */
  get(eventId: string): Promise<AuditRecord | undefined>
  /** Replaces an unsealed record; ConditionFailed when it is sealed or its body is not `expectedBody`. */
  replaceUnsealed(record: AuditRecord, expectedBody: string): Promise<void>
  /** Unsealed records written at or before `untilTime`, oldest first, at most `limit`. */
  listPending(untilTime: string, limit: number): Promise<AuditRecord[]>
  /**
   * Writes the chain fields; ConditionFailed when already sealed or the body is not `expectedBody`.
   * A record listed from a page (`page` set) is written as its own sealed record, ConditionFailed
   * when that exists (it was sealed before).
   */
  seal(record: AuditRecord, expectedBody: string): Promise<void>
  /**
   * Moves a sealed record to another chain position (the sealer repairing writes of an
   * interrupted parallel group); ConditionFailed unless its hash is still `expectedHash`.
   */
  reseal(record: AuditRecord, expectedHash: string): Promise<void>
  getHead(): Promise<ChainHead | undefined>
  /** With `expectedRev` undefined: ConditionFailed when a head exists; else on `rev`. */
  putHead(head: ChainHead, expectedRev: number | undefined): Promise<void>
  /** Sealed records with `seq > afterSeq`, in sequence order, at most `limit`. */
  listChain(afterSeq: number, limit: number): Promise<AuditRecord[]>
  /** ConditionFailed when that digest exists. */
  putDigest(digest: AuditDigest): Promise<void>
  /** Digests with `digestSeq > after`, in order, at most `limit`. */
  listDigests(after: number, limit: number): Promise<AuditDigest[]>
  /**
   * Records of an account (sealed or not) with `fromKey <= time#eventId < toKey`, newest first,
   * at most `limit`.
   */
  listByAccount(accountId: string, fromKey: string, toKey: string, limit: number): Promise<AuditRecord[]>
  /**
   * Writes new records together (the group commit, core/domain/audit/group-commit.ts): at most
   * 25, unconditionally, every one durable when it resolves. Only for records whose id no other
   * writer can take (a claimed replay id, or a random id). Throws when any record may not have
   * been written.
   */
  putMany(records: AuditRecord[]): Promise<void>
  /**
   * Writes records that are never replaced (read-only calls' events, refusals; not intents)
   * together as audit pages (core/store/SCHEMA.md (Audit pages)): at most
   * {@link MAX_PAGE_RECORDS} records, unconditionally, every one durable when it resolves, one
   * page write per trail account. Same id rule as {@link putMany}. `listPending` hands a page's
   * records back with `page` set, `seal` turns one into its own sealed record, and `listByAccount`
   * returns them like any other record.
   */
  putPage(records: AuditRecord[]): Promise<void>
  /** Drops a page whose every record is sealed (the sealer); idempotent. */
  retirePage(pageId: string): Promise<void>
  /**
   * Claims replay ids in the nonce ledger item `ledger` (one conditional write for all of them,
   * at most 64): each `names` entry is set to `token`, and the item's version is incremented.
   * - Without `ifVersion`: conditional on each name's absence; ConditionFailed, and nothing
   *   written, when any of them is already claimed. Resolves to the new version and, with
   *   `returnClaims`, every claim the item holds as written (name → token).
   * - With `ifVersion` (the caller knows every claim of the item at that version): conditional on
   *   the version alone (one condition, however many names); ConditionFailed, and nothing
   *   written, when the item is at another version. Resolves to the new version only.
   */
  claimNonces(
    ledger: NonceLedger,
    names: string[],
    token: string,
    opts?: { ifVersion?: number; returnClaims?: boolean },
  ): Promise<NonceLedgerState>
  /** The tokens the ledger item holds for `names` (consistent read); absent names are left out. */
  readNonceClaims(ledger: NonceLedger, names: string[]): Promise<Map<string, string>>
}

/** A nonce ledger item after a claim write: its version, and (per-claim writes) all its claims. */
export interface NonceLedgerState {
  version: number
  claims?: Map<string, string>
}

/**
 * One nonce ledger item: the replay ids claimed by requests of one AccessKey whose signed
 * timestamp falls in one second (core/domain/audit/nonce-claims.ts).
 */
export interface NonceLedger {
  accessKeyId: string
  /** The signed timestamp's second (epoch seconds). */
  second: number
  /** When the item may be deleted (epoch seconds): past the timestamp window. */
  expiresAt: number
}

// --- Hardware keys -------------------------------------------------------------------

/** Key specs an HSM holds (`AES_256` backs `Aliyun_AES_256`). */
export type HsmKeySpec =
  'AES_256' | 'RSA_2048' | 'RSA_3072' | 'RSA_4096' | 'EC_P256' | 'HMAC_SHA_224' | 'HMAC_SHA_256' | 'HMAC_SHA_384' | 'HMAC_SHA_512'
export type HsmMacAlgorithm = 'HMAC_SHA_224' | 'HMAC_SHA_256' | 'HMAC_SHA_384' | 'HMAC_SHA_512'
export type HsmSigningAlgorithm = 'RSA_PSS_SHA_256' | 'RSA_PKCS1_SHA_256' | 'ECDSA_SHA_256'
export type HsmOaepAlgorithm = 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256'

/**
 * Key material held in an HSM, addressed by object id (`hsmObjectId` in core/domain/keys/hsm/hsm-keys.ts).
 * Implemented by core/hsm-client/client.ts (`HsmBridgeClient`). Failures are KmsErrors:
 * `hsm.unavailable` (retryable), `crypto.invalidCiphertext`, `key.notFound` (no such object),
 * `validation.invalidParameter`, `internal`.
 */
export interface Hsm {
  /** Idempotent for the same spec. */
  generateKey(id: string, spec: HsmKeySpec): Promise<{ publicKeySpkiDer?: Uint8Array }>
  encrypt(id: string, plaintext: Uint8Array, aad: Uint8Array): Promise<{ iv: Uint8Array; ciphertext: Uint8Array }>
  decrypt(id: string, iv: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>
  sign(id: string, algorithm: HsmSigningAlgorithm, digest: Uint8Array): Promise<Uint8Array>
  verify(id: string, algorithm: HsmSigningAlgorithm, digest: Uint8Array, signature: Uint8Array): Promise<boolean>
  asymmetricDecrypt(id: string, algorithm: HsmOaepAlgorithm, ciphertext: Uint8Array): Promise<Uint8Array>
  getPublicKey(id: string): Promise<Uint8Array>
  /** HMAC of `message` with the generic-secret key `id` (full-length tag). */
  generateMac(id: string, algorithm: HsmMacAlgorithm, message: Uint8Array): Promise<Uint8Array>
  /** Whether `mac` is the full-length HMAC of `message` (C_Verify: compared inside the HSM). */
  verifyMac(id: string, algorithm: HsmMacAlgorithm, message: Uint8Array, mac: Uint8Array): Promise<boolean>
  /** False when there was nothing to destroy. */
  destroyKey(id: string): Promise<boolean>
  /** Every object id on the token. */
  listKeys(): Promise<string[]>
}

/** The HSM, when the deployment has one (absent: HSM keys answer key.unsupportedProtectionLevel). */
export interface HsmDeps {
  hsm?: Hsm
}

// --- Grants (AWS dialect) ------------------------------------------------------------
// The import sits here so this section stays an append-only addition; ES imports are hoisted.
import type { GrantRecord } from './grants/model'

/**
 * The grants of keys (core/store/grants.ts; model core/domain/grants/model.ts). Grants are created
 * conditional on absence and deleted conditional on presence; they never change.
 */
export interface GrantRepository {
  /** Consistent read of one grant of a key. */
  get(keyId: string, grantId: string): Promise<GrantRecord | undefined>
  /** Every grant of a key (consistent, one Query on the key's partition), oldest first. */
  listByKey(keyId: string): Promise<GrantRecord[]>
  /** The grants of an account and region whose retiring principal is `principal` (normalised), oldest first. */
  listByRetiringPrincipal(accountId: string, region: string, principal: string): Promise<GrantRecord[]>
  /** ConditionFailed when a grant of that id exists on the key. */
  create(grant: GrantRecord): Promise<void>
  /** ConditionFailed when the grant does not exist. */
  delete(keyId: string, grantId: string): Promise<void>
}
