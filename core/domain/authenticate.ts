/**
 * @module core/domain/authenticate
 *
 * Authenticates one signed request (V1 HMAC-SHA1 or ACS3-HMAC-SHA256, see core/auth) and returns
 * the caller. Order matters:
 * 1. parse the signature (IncompleteSignature) and check the timestamp window (±15 min);
 * 2. look up the AccessKey — an unknown id still costs one HMAC over a dummy secret, so "no such
 *    key" and "bad signature" take about the same time;
 * 3. verify the signature in constant time;
 * 4. only then claim the nonce (a conditional put with a TTL), so that nobody can burn someone
 *    else's nonces with unsigned requests.
 */
import { parseSignature, type SignedRequestInput } from '../auth/signed-request'
import { assertFreshTimestamp } from '../auth/timestamp'
import { fromUtf8 } from '../crypto/bytes'
import { unwrapUnderRoot, type RootKeyRing } from '../crypto/root-key'
import { KmsError } from '../errors'
import type { Caller } from './model'
import type { Clock, CredentialRepository, NonceRepository } from './ports'

export const TIMESTAMP_WINDOW_MS = 15 * 60_000
const NONCE_PATTERN = /^[A-Za-z0-9._\-]{8,128}$/
const ACCESS_KEY_ID_PATTERN = /^[A-Za-z0-9._\-]{1,128}$/
const DUMMY_SECRET = 'edge-kms-dummy-secret-for-uniform-timing'

export interface AuthDeps {
  credentials: CredentialRepository
  nonces: NonceRepository
  rootKeys: RootKeyRing
  clock: Clock
}

export function accessKeySecretAad(accessKeyId: string): string {
  return `accesskey:${accessKeyId}`
}

function mismatch(): KmsError {
  return new KmsError('auth.signatureMismatch', 'Specified signature is not matched with our calculation.')
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
 * @throws KmsError auth.* (incompleteSignature, illegalTimestamp, accessKeyNotFound,
 *   accessKeyInactive, signatureMismatch, nonceUsed)
 */
export async function authenticate(
  deps: AuthDeps,
  request: SignedRequestInput,
  region: string,
  known: KnownCaller = {},
): Promise<Caller> {
  const signature = parseSignature(request)
  if (ACCESS_KEY_ID_PATTERN.test(signature.accessKeyId)) known.accessKeyId = signature.accessKeyId
  const now = deps.clock.now()
  assertFreshTimestamp(signature.timestamp, now, TIMESTAMP_WINDOW_MS)
  if (!NONCE_PATTERN.test(signature.nonce)) {
    throw new KmsError('auth.incompleteSignature', 'The signature nonce must be 8 to 128 characters of letters, digits, ".", "_" or "-".')
  }
  if (!ACCESS_KEY_ID_PATTERN.test(signature.accessKeyId)) {
    await signature.verify(DUMMY_SECRET)
    throw new KmsError('auth.accessKeyNotFound', 'Specified access key is not found.')
  }
  const record = await deps.credentials.getAccessKey(signature.accessKeyId)
  if (!record) {
    await signature.verify(DUMMY_SECRET)
    throw new KmsError('auth.accessKeyNotFound', 'Specified access key is not found.')
  }
  known.accountId = record.accountId
  known.principal = record.principal
  const secretBytes = await unwrapUnderRoot(deps.rootKeys, record.wrappedSecret, accessKeySecretAad(record.accessKeyId))
  const valid = await signature.verify(fromUtf8(secretBytes))
  secretBytes.fill(0)
  if (!valid) throw mismatch()
  if (record.status !== 'Active') {
    throw new KmsError('auth.accessKeyInactive', 'Specified access key is disabled.')
  }
  // The nonce must stay claimed for as long as the timestamp could still be accepted.
  const claimed = await deps.nonces.claim(record.accessKeyId, signature.nonce, now, signature.timestamp + TIMESTAMP_WINDOW_MS + 60_000)
  if (!claimed) throw new KmsError('auth.nonceUsed', 'Specified signature nonce was used already.')
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
