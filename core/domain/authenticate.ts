/**
 * @module core/domain/authenticate
 *
 * Authenticates one signed request (V1 HMAC-SHA1, ACS3-HMAC-SHA256 or ACS4-HMAC-SHA256, see core/auth) and returns
 * the caller. Order matters:
 * 1. parse the signature (IncompleteSignature) and check the timestamp window (±15 min);
 * 2. look up the AccessKey — an unknown id still costs one HMAC over a dummy secret, so "no such
 *    key" and "bad signature" take about the same time;
 * 3. verify the signature in constant time;
 * 4. only then derive the request's **replay id** from (AccessKeyId, nonce), so that nobody can
 *    burn someone else's nonces with unsigned requests.
 *
 * The nonce is claimed by the call's first audit write, whose event id *is* the replay id
 * (core/domain/audit/run-audited.ts): the claim goes into the nonce ledger item of the AccessKey
 * and the signed timestamp's second, which the replay id carries (core/domain/audit/nonce-claims.ts),
 * one conditional write for all the concurrent calls of the isolate in that item, and the record
 * is written after it (core/domain/audit/group-commit.ts). A
 * state-changing call claims it before it acts (its intent record); a read-only call claims it
 * before its result is released, so a replayed Decrypt may compute again but never answers
 * twice. A claim is kept for the timestamp window plus five minutes; after that the timestamp
 * itself is refused.
 *
 * STS credentials (AccessKeyIds `STS.…`): the request must carry its security token where it is
 * signed — the `SecurityToken` parameter (V1; every parameter is signed) or the
 * `x-acs-security-token` header (ACS3, which refuses unsigned `x-acs-*` headers; a signed
 * `SecurityToken` query parameter is accepted too). The token is opened statelessly
 * (core/auth/security-token.ts): it holds the temporary secret, so no table is read here; its
 * role is looked up (and cached) with the caller's policies at authorisation. A token sent with
 * an ordinary AccessKey is refused, as is a temporary AccessKeyId without its token.
 */
import { parseSignature, type ParsedSignature, type SignedRequestInput } from '../auth/signed-request'
import { assertUnexpired, mismatchedToken, openSecurityToken, STS_ACCESS_KEY_PREFIX } from '../auth/security-token'
import { assertFreshTimestamp } from '../auth/timestamp'
import { isAcs4Request, parseAcs4Signature } from '../auth/signature-acs4'
import { parseSigV4Signature } from '../auth/signature-sigv4'
import { sha256 } from '@noble/hashes/sha2.js'
import { fromUtf8, utf8 } from '../crypto/bytes'
import { unwrapUnderRoot, type RootKeyRing } from '../crypto/root-key'
import { KmsError } from '../errors'
import { ISOLATE_CACHE_BOUNDS, isolateStateOf, type IsolateState } from './isolate-state'
import type { Caller } from './model'
import type { Clock, CredentialRepository } from './ports'

export const TIMESTAMP_WINDOW_MS = 15 * 60_000
const NONCE_PATTERN = /^[A-Za-z0-9._\-]{8,128}$/
const ACCESS_KEY_ID_PATTERN = /^[A-Za-z0-9._\-]{1,128}$/
const DUMMY_SECRET = 'edge-kms-dummy-secret-for-uniform-timing'

/**
 * Unwrapped AccessKey secrets, kept as long as the AccessKey record cache keeps a record
 * (core/store/cached-credentials.ts, 2 s) and zeroised after. Keyed by the wrapped value, so a
 * replaced secret never hits; whether the key is still Active is read from the record every time.
 * Both this cache and the replay ids this isolate has seen (the timestamp window plus a minute,
 * at most 50,000, ~5 MB) live in the isolate state (core/domain/isolate-state.ts).
 */
export const ACCESS_KEY_SECRET_CACHE_MS = ISOLATE_CACHE_BOUNDS.accessKeySecrets.ttlMs

export interface AuthDeps {
  credentials: CredentialRepository
  rootKeys: RootKeyRing
  clock: Clock
  /**
   * The isolate's state; when absent, the state bound to `clock` (core/domain/isolate-state.ts),
   * else nothing is cached and replays are refused by the audit put alone.
   */
  isolate?: IsolateState
}

export function accessKeySecretAad(accessKeyId: string): string {
  return `accesskey:${accessKeyId}`
}

/** The refusal of a replayed request (here, and when its audit record's put finds the id taken). */
export function nonceUsedError(): KmsError {
  return new KmsError('auth.nonceUsed', 'Specified signature nonce was used already.')
}

/** The message echoes the server's V1 StringToSign, data redacted (core/auth/signature-v1.ts); never log it. */
function mismatch(signature: ParsedSignature): KmsError {
  return new KmsError('auth.signatureMismatch', signature.mismatchMessage())
}

/** An authenticated request: who called, and the id its first audit record must carry. */
export interface Authenticated {
  caller: Caller
  /** {@link replayEventId} of the request's AccessKeyId and nonce. */
  replayId: string
}

/**
 * The event id that claims `nonce` for `accessKeyId` at the signed timestamp `signedAtMs`: a
 * UUID (version 8, RFC 9562 custom) whose first 32 bits are the timestamp's second (the nonce
 * ledger item it is claimed in, core/domain/audit/nonce-claims.ts) and whose other bits come from
 * SHA-256 over the AccessKeyId, nonce and second. Deterministic: a replay carries the same
 * signature, so it maps to the same id and the same ledger item, where its claim fails. A nonce
 * reused with another timestamp (which takes a new signature) is another id, so its record never
 * overwrites the first one's.
 */
export function replayEventId(accessKeyId: string, nonce: string, signedAtMs: number): string {
  const second = Math.floor(signedAtMs / 1000) >>> 0
  const h = sha256(utf8(`edge-kms/nonce/v2\u0000${accessKeyId}\u0000${nonce}\u0000${second}`)).subarray(0, 16)
  h[0] = second >>> 24
  h[1] = (second >>> 16) & 0xff
  h[2] = (second >>> 8) & 0xff
  h[3] = second & 0xff
  h[6] = (h[6]! & 0x0f) | 0x80
  h[8] = (h[8]! & 0x3f) | 0x80
  let hex = ''
  for (const b of h) hex += b.toString(16).padStart(2, '0')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** What authentication learned before it failed (for the audit trail); unverified until it returns. */
export interface KnownCaller {
  accessKeyId?: string
  accountId?: string
  principal?: string
}

/**
 * @param known - optional; filled in as the AccessKey id and its owner become known, so a failed
 *   authentication can still be recorded with what is known.
 * @returns the caller and the replay id; the nonce is not claimed yet (see the module comment).
 * @throws KmsError auth.* (incompleteSignature, illegalTimestamp, accessKeyNotFound,
 *   accessKeyInactive, signatureMismatch; nonceUsed for a replay this isolate has seen)
 */
export interface AuthenticateOptions {
  /** AWS dialect: verify SigV4 for this service (`kms`, `secretsmanager`) instead of Alibaba's schemes. */
  sigV4Service?: string
}

export async function authenticate(
  deps: AuthDeps,
  request: SignedRequestInput,
  region: string,
  known: KnownCaller = {},
  options: AuthenticateOptions = {},
): Promise<Authenticated> {
  // ACS4 (gateway-pop) shares ACS3's checks and token header; only its key derivation differs.
  // SigV4 only for the AWS dialect, which names the service its scope must carry.
  const signature: ParsedSignature = options.sigV4Service
    ? parseSigV4Signature(request, { region, service: options.sigV4Service })
    : isAcs4Request(request)
      ? parseAcs4Signature(request)
      : parseSignature(request)
  if (ACCESS_KEY_ID_PATTERN.test(signature.accessKeyId)) known.accessKeyId = signature.accessKeyId
  const now = deps.clock.now()
  assertFreshTimestamp(signature.timestamp, now, TIMESTAMP_WINDOW_MS)
  if (signature.scheme !== 'SigV4' && !NONCE_PATTERN.test(signature.nonce)) {
    throw new KmsError('auth.incompleteSignature', 'The signature nonce must be 8 to 128 characters of letters, digits, ".", "_" or "-".')
  }
  if (!ACCESS_KEY_ID_PATTERN.test(signature.accessKeyId)) {
    await signature.verify(DUMMY_SECRET)
    throw new KmsError('auth.accessKeyNotFound', 'Specified access key is not found.')
  }
  const token = securityTokenOf(request, signature.scheme)
  if (signature.accessKeyId.startsWith(STS_ACCESS_KEY_PREFIX)) {
    return authenticateSession(deps, signature, token, now, region)
  }
  // A security token belongs to a temporary AccessKeyId only.
  if (token !== undefined) throw mismatchedToken()
  const record = await deps.credentials.getAccessKey(signature.accessKeyId)
  if (!record) {
    await signature.verify(DUMMY_SECRET)
    throw new KmsError('auth.accessKeyNotFound', 'Specified access key is not found.')
  }
  known.accountId = record.accountId
  known.principal = record.principal
  const state = isolateStateOf(deps)
  const secretId = `${record.accessKeyId}:${record.wrappedSecret}`
  let secretBytes = state?.accessKeySecrets.get(secretId)
  if (!secretBytes) {
    secretBytes = await unwrapUnderRoot(deps.rootKeys, record.wrappedSecret, accessKeySecretAad(record.accessKeyId))
    state?.accessKeySecrets.set(secretId, secretBytes)
  }
  const valid = await signature.verify(fromUtf8(secretBytes))
  secretBytes.fill(0)
  if (!valid) throw mismatch(signature)
  if (record.status !== 'Active') {
    throw new KmsError('auth.accessKeyInactive', 'Specified access key is disabled.')
  }
  // A SigV4 request without a signed invocation id has no nonce: a fresh event id, no claim.
  if (signature.nonce === '') return { caller: callerOf(record, region), replayId: crypto.randomUUID() }
  const replayId = replayEventId(record.accessKeyId, signature.nonce, signature.timestamp)
  // A replay that reaches this isolate again is refused before any work (the claim in the nonce
  // ledger stays the authority, also for replays sent to other isolates).
  if (state && !state.rememberReplayId(replayId)) throw nonceUsedError()
  return { caller: callerOf(record, region), replayId }
}

/** The caller an AccessKey record authenticates. */
function callerOf(record: { accountId: string; principal: string; accessKeyId: string }, region: string): Caller {
  const isRoot = record.principal === 'root'
  return {
    accountId: record.accountId,
    principal: record.principal,
    accessKeyId: record.accessKeyId,
    region,
    principalType: isRoot ? 'root' : 'user',
    principalArn: `acs:ram::${record.accountId}:${isRoot ? 'root' : `user/${record.principal}`}`,
  }
}

/** The security token of a request, from where its scheme signs it; undefined when absent. */
function securityTokenOf(request: SignedRequestInput, scheme: ParsedSignature['scheme']): string | undefined {
  const param = (pairs: ReadonlyArray<readonly [string, string]>) => pairs.find(([name]) => name === 'SecurityToken')?.[1]
  if (scheme === 'V1') return param(request.query) ?? param(request.form)
  // SigV4: the AWS SDKs send a session token in x-amz-security-token, and sign it.
  if (scheme === 'SigV4') return request.headers['x-amz-security-token']
  let header: string | undefined
  for (const [name, value] of Object.entries(request.headers)) if (name.toLowerCase() === 'x-acs-security-token') header = value
  return header ?? param(request.query)
}

/** Authenticates a request signed with STS credentials (see the module comment). */
async function authenticateSession(
  deps: AuthDeps,
  signature: ParsedSignature,
  token: string | undefined,
  now: number,
  region: string,
): Promise<Authenticated> {
  if (token === undefined || token === '') {
    await signature.verify(DUMMY_SECRET)
    throw new KmsError('auth.securityTokenMissing', 'The request was signed with a temporary AccessKey but carries no security token.')
  }
  const claims = await openSecurityToken(deps.rootKeys, token, signature.accessKeyId)
  if (!(await signature.verify(claims.accessKeySecret))) throw mismatch(signature)
  assertUnexpired(claims, now)
  const replayId = replayEventId(claims.accessKeyId, signature.nonce, signature.timestamp)
  const state = isolateStateOf(deps)
  if (state && !state.rememberReplayId(replayId)) throw nonceUsedError()
  return {
    caller: {
      accountId: claims.accountId,
      principal: `assumed-role/${claims.roleName}/${claims.sessionName}`,
      accessKeyId: claims.accessKeyId,
      region,
      principalType: 'AssumedRoleUser',
      principalArn: `acs:ram::${claims.accountId}:assumed-role/${claims.roleName}/${claims.sessionName}`,
      session: {
        roleName: claims.roleName,
        roleId: claims.roleId,
        sessionName: claims.sessionName,
        expiresAt: claims.expiresAt,
        ...(claims.policy === undefined ? {} : { policy: claims.policy }),
      },
    },
    replayId,
  }
}
