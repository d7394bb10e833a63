/**
 * @module core/domain/audit/model
 *
 * The audit trail: one event per API call (allowed, denied, failed, or not even authenticated),
 * stored as its own item, later sealed into one hash chain with signed digests
 * (core/domain/audit/seal-audit-trail.ts; layout in core/store/SCHEMA.md (Audit trail)).
 *
 * An event never holds secret values, plaintext, key material, AccessKey secrets or signatures:
 * request parameters are kept verbatim only when they are on an allow-list of identifiers, every
 * other value is recorded only as present with a size class (core/domain/audit/redact.ts), and
 * responses are never recorded.
 */

export type AuditOutcome = 'Success' | 'Failure' | 'Pending' | 'Unknown'
export type AuditDecision = 'Allow' | 'Deny' | 'NotEvaluated'
export type AuditService = 'kms' | 'ram' | 'sts' | 'actiontrail' | 'local' | 'unknown'

/** One recorded call. Serialised canonically (RFC 8785) as the `body` of its record. */
export interface AuditEvent {
  v: 1
  eventId: string
  /** ISO-8601 UTC with milliseconds: when the request arrived. */
  time: string
  requestId: string
  service: AuditService
  version?: string
  action: string
  /** False for calls that may change state (their record is written before they act). */
  readOnly: boolean
  /** Known once the AccessKey was found (also for failed signatures). */
  accountId?: string
  principalType?: 'root' | 'user' | 'AssumedRoleUser'
  principalArn?: string
  accessKeyId?: string
  sourceIp?: string
  userAgent?: string
  /** ARNs the call was authorised on (key, alias, secret, user, ...). */
  resources?: string[]
  /** The key version used, when the response or the ciphertext names one. */
  keyVersionId?: string
  decision: AuditDecision
  /** `Pending` until a state-changing call reports back; `Unknown` if it never did. */
  outcome: AuditOutcome
  /** The wire error code (e.g. `Forbidden.NoPermission`). */
  errorCode?: string
  httpStatus?: number
  /** Identifiers verbatim; everything else as `redacted:<size class>` (never a value-derived token). */
  params?: Record<string, string>
  /** For a late outcome: the event it completes. */
  refEventId?: string
  /**
   * The request was not authenticated (failed or missing signature, unknown AccessKey, bad
   * request before authentication): every field but `time`, `requestId`, `sourceIp` and, when
   * the named AccessKey exists, `accountId`/`principalArn` (its owner's) is what the sender
   * chose. Kept apart from authenticated events ({@link trailAccountOf}) and bounded in number
   * (core/domain/audit/unauthenticated.ts).
   */
  unauthenticated?: true
  /**
   * Set on the copy of a cross-account call filed in the key owner's trail: the owner's account
   * (`accountId` stays the caller's).
   */
  recipientAccountId?: string
}

/** The stored record of an event, plus its place in the chain once sealed. */
export interface AuditRecord {
  eventId: string
  /** Canonical JSON of the {@link AuditEvent}; the exact bytes that are hashed. */
  body: string
  /**
   * The trail the event is filed under ({@link trailAccountOf}): its account,
   * `<account>/unauthenticated`, or `-` when no account is known.
   */
  accountId: string
  time: string
  seq?: number
  prevHash?: string
  hash?: string
  /** HMAC of `hash` under the chain key of root key `kid`. */
  mac?: string
  kid?: string
  /**
   * Set by `listPending` on a record that is still in an audit page (never stored in a record):
   * the page's id and how many records it holds. Sealing such a record writes it as its own
   * sealed record (conditional on its absence); the page is retired once all are sealed.
   */
  page?: { id: string; size: number }
}

/** The single chain-head item: where the chain ends and who is sealing. */
export interface ChainHead {
  seq: number
  hash: string
  digestSeq: number
  digestSignature: string
  /** Overlap guard: a sealer holds the head until `leaseUntil` (epoch ms). */
  leaseOwner?: string
  leaseUntil?: number
  kid?: string
  /** HMAC over (seq, hash, digestSeq, digestSignature). */
  sig?: string
  rev: number
}

/** A signed digest covering records `fromSeq..toSeq` and the previous digest. */
export interface AuditDigest {
  digestSeq: number
  fromSeq: number
  toSeq: number
  /** The hash of record `toSeq`. */
  lastHash: string
  /** The signature of digest `digestSeq - 1` (`""` for the first). */
  prevSignature: string
  createdAt: string
  kid: string
  signature: string
}

export const GENESIS_HASH = '0'.repeat(64)
export const NO_ACCOUNT = '-'
/** Suffix of the trail that holds an account's unauthenticated events. */
export const UNAUTHENTICATED_TRAIL = '/unauthenticated'

/** The trail an account's unauthenticated events are filed under: `<account>/unauthenticated`. */
export function unauthenticatedTrail(accountId: string): string {
  return `${accountId}${UNAUTHENTICATED_TRAIL}`
}

/**
 * The trail (the record's `accountId`, which LookupEvents reads by) an event is filed under:
 * the recipient's for a cross-account copy; `<account>/unauthenticated` (or `-`) for an
 * unauthenticated event, so it never appears among the account's authenticated events; else
 * the caller's account.
 */
export function trailAccountOf(event: Pick<AuditEvent, 'accountId' | 'unauthenticated' | 'recipientAccountId'>): string {
  if (event.recipientAccountId) return event.recipientAccountId
  if (!event.accountId) return NO_ACCOUNT
  return event.unauthenticated ? unauthenticatedTrail(event.accountId) : event.accountId
}
