/**
 * @module core/domain/audit/page-token
 *
 * Opaque, authenticated pagination tokens (LookupEvents `NextToken`, RAM `Marker`). A token is
 *
 *   v1.<kid>.<base64url(JSON {a, p, f, k, x})>.<hex HMAC-SHA256>
 *
 * over the purpose and everything before the MAC, under the `page-token` key derived from root
 * key `kid`. It binds the account (`a`), the principal (`p`), the query it continues (`f`, a hash
 * of the filters) and an expiry (`x`); `k` is the position. Raw store keys are never exposed.
 * A modified, forged, expired, other-tenant or other-query token is refused with
 * `trail.invalidToken` (400), without saying which check failed.
 */
import { fromBase64Url, fromUtf8, timingSafeEqual, toBase64Url, utf8 } from '../../crypto/bytes'
import type { RootKeyRing } from '../../crypto/root-key'
import { KmsError } from '../../errors'
import { auditKey, hmacHex } from './keys'

export const PAGE_TOKEN_TTL_MS = 60 * 60_000
const MAX_TOKEN_CHARS = 2048

export interface PageTokenScope {
  /** What the token continues, e.g. `actiontrail:LookupEvents`. */
  purpose: string
  accountId: string
  principalArn: string
  /** A stable hash of the query's filters. */
  filter: string
}

function invalid(): KmsError {
  return new KmsError('trail.invalidToken', 'The specified pagination token is invalid or has expired.')
}

/**
 * Makes a token for `position` in `scope`.
 * @throws KmsError internal when the ring is unusable.
 */
export function sealPageToken(ring: RootKeyRing, scope: PageTokenScope, position: string, nowMs: number): string {
  const kid = ring.current.id
  const payload = toBase64Url(
    utf8(JSON.stringify({ a: scope.accountId, p: scope.principalArn, f: scope.filter, k: position, x: nowMs + PAGE_TOKEN_TTL_MS })),
  )
  const signed = `v1.${kid}.${payload}`
  return `${signed}.${hmacHex(auditKey(ring, 'page-token', kid), `${scope.purpose}|${signed}`)}`
}

/**
 * Checks a token against the current request and returns its position.
 * @throws KmsError trail.invalidToken for anything but a valid, unexpired token of this scope.
 */
export function openPageToken(ring: RootKeyRing, scope: PageTokenScope, token: string, nowMs: number): string {
  if (token.length > MAX_TOKEN_CHARS) throw invalid()
  const parts = token.split('.')
  if (parts.length !== 4 || parts[0] !== 'v1') throw invalid()
  const [, kid, payload, mac] = parts as [string, string, string, string]
  if (!ring.byId.has(kid)) throw invalid()
  const expected = hmacHex(auditKey(ring, 'page-token', kid), `${scope.purpose}|v1.${kid}.${payload}`)
  if (!timingSafeEqual(utf8(expected), utf8(mac))) throw invalid()
  const bytes = fromBase64Url(payload)
  if (!bytes) throw invalid()
  let body: { a?: unknown; p?: unknown; f?: unknown; k?: unknown; x?: unknown }
  try {
    body = JSON.parse(fromUtf8(bytes)) as typeof body
  } catch {
    throw invalid()
  }
  if (
    body.a !== scope.accountId ||
    body.p !== scope.principalArn ||
    body.f !== scope.filter ||
    typeof body.k !== 'string' ||
    typeof body.x !== 'number' ||
    body.x < nowMs
  ) {
    throw invalid()
  }
  return body.k
}
