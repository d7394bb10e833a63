/**
 * @module core/domain/grants/model
 *
 * AWS KMS grants: a grant lets one principal (the grantee) use one key for a fixed list of
 * operations, optionally only with a matching encryption context (its constraints), without a
 * key-policy or identity-policy change. A grant belongs to its key (stored in the key's
 * partition, core/store/grants.ts) and is effective at once: the store is strongly consistent
 * and authorisation (functions/authorize.ts) reads the key's grants, uncached, whenever the
 * policies alone would not allow a call, so a revoked or retired grant stops working at once.
 *
 * Principals are stored normalised, in the AWS form (core/domain/grants/principals.ts).
 */

/** The operations a grant may allow (AWS's list, minus DeriveSharedSecret: no key agreement keys here). */
export const GRANT_OPERATIONS = [
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
  'Sign',
  'Verify',
  'GetPublicKey',
  'CreateGrant',
  'RetireGrant',
  'DescribeKey',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'GenerateMac',
  'VerifyMac',
] as const

export type GrantOperation = (typeof GRANT_OPERATIONS)[number]

const OPERATION_SET: ReadonlySet<string> = new Set(GRANT_OPERATIONS)

export function isGrantOperation(value: unknown): value is GrantOperation {
  return typeof value === 'string' && OPERATION_SET.has(value)
}

/** The cryptographic operations that take an encryption context: the ones constraints apply to. */
export const CONTEXT_OPERATIONS: ReadonlySet<GrantOperation> = new Set<GrantOperation>([
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
])

/**
 * Operations a constrained grant may also list, to which the constraint does not apply (AWS:
 * DescribeKey, RetireGrant; CreateGrant passes the constraint on to the grants it creates).
 */
export const CONSTRAINT_NEUTRAL_OPERATIONS: ReadonlySet<GrantOperation> = new Set<GrantOperation>([
  'DescribeKey',
  'RetireGrant',
  'CreateGrant',
])

/**
 * The permission (RAM action) authorisation checks → the grant operation that covers it. Both
 * dialects: Alibaba's AsymmetricEncrypt/Decrypt are Encrypt/Decrypt, AsymmetricSign/Verify are
 * Sign/Verify (the AWS operations are authorised as those), and DescribeKey covers every call
 * authorised as `kms:DescribeKey` (AWS GetKeyRotationStatus too).
 */
const ACTION_OPERATIONS: Readonly<Record<string, GrantOperation>> = {
  'kms:Encrypt': 'Encrypt',
  'kms:AsymmetricEncrypt': 'Encrypt',
  'kms:Decrypt': 'Decrypt',
  'kms:AsymmetricDecrypt': 'Decrypt',
  'kms:GenerateDataKey': 'GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext': 'GenerateDataKeyWithoutPlaintext',
  'kms:ReEncryptFrom': 'ReEncryptFrom',
  'kms:ReEncryptTo': 'ReEncryptTo',
  'kms:AsymmetricSign': 'Sign',
  'kms:AsymmetricVerify': 'Verify',
  'kms:GetPublicKey': 'GetPublicKey',
  'kms:CreateGrant': 'CreateGrant',
  'kms:RetireGrant': 'RetireGrant',
  'kms:DescribeKey': 'DescribeKey',
  'kms:GenerateDataKeyPair': 'GenerateDataKeyPair',
  'kms:GenerateDataKeyPairWithoutPlaintext': 'GenerateDataKeyPairWithoutPlaintext',
  'kms:GenerateMac': 'GenerateMac',
  'kms:VerifyMac': 'VerifyMac',
}

/** The grant operation covering permission `action`, or undefined when no grant can allow it. */
export function grantOperationOf(action: string): GrantOperation | undefined {
  return Object.prototype.hasOwnProperty.call(ACTION_OPERATIONS, action) ? ACTION_OPERATIONS[action] : undefined
}

export interface GrantConstraints {
  /** The request's context must contain every pair (keys case-insensitive, values exact). */
  encryptionContextSubset?: Readonly<Record<string, string>>
  /** The request's context must be exactly these pairs (keys case-insensitive, values exact). */
  encryptionContextEquals?: Readonly<Record<string, string>>
}

export interface GrantRecord {
  /** 64 lower-case hex digits from the CSPRNG. */
  grantId: string
  keyId: string
  /** The key owner's account (grants are stored and judged in it). */
  accountId: string
  region: string
  name?: string
  /** Normalised (core/domain/grants/principals.ts). */
  granteePrincipal: string
  retiringPrincipal?: string
  /** Unique, in {@link GRANT_OPERATIONS} order. */
  operations: GrantOperation[]
  constraints?: GrantConstraints
  /** The account of the principal that created the grant (`arn:aws:iam::<acct>:root`). */
  issuingAccount: string
  /** ISO-8601. */
  createdAt: string
}

/**
 * Grants per key. AWS allows 50,000; one Query lists every grant of a key on every call that
 * falls back to grants, so this service keeps it at 500 (checked before the write).
 */
export const MAX_GRANTS_PER_KEY = 500

export const GRANT_ID = /^[0-9a-f]{64}$/
