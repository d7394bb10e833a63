/**
 * @module core/domain/grants/token
 *
 * Grant tokens: what CreateGrant answers besides the grant id, and what RetireGrant accepts
 * instead of KeyId + GrantId. A token is
 *
 *   gt1.<base64url(JSON {v: kid, g: grantId, k: keyId, a: accountId, n: nonce})>.<hex HMAC-SHA256>
 *
 * the MAC over `grant-token|gt1.<payload>` under a key derived from root key `kid`
 * (HKDF-SHA256, salt `edge-kms/grants`, info `grant-token/v1`; never stored). A nonce makes every
 * token of a CreateGrant unique, as AWS's are, also when an idempotent retry returns the same
 * grant id. A token does not expire; it names a grant, which is what RetireGrant checks, so the
 * token of a retired or revoked grant names nothing (NotFoundException). Anything else than a
 * token this service made — garbled, forged, made under a root key no longer in the ring —
 * is `grant.invalidToken`, without saying which check failed.
 *
 * Grant tokens on other operations add nothing here: grants are effective as soon as CreateGrant
 * answers (the store is strongly consistent), so those operations only check the list's shape.
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { fromBase64Url, fromUtf8, timingSafeEqual, toBase64Url, toHex, utf8 } from '../../crypto/bytes'
import type { RootKeyRing } from '../../crypto/root-key'
import { KmsError } from '../../errors'

/** AWS: a grant token is at most 8192 characters. */
export const MAX_GRANT_TOKEN_CHARS = 8192
/** AWS: at most 10 grant tokens per request. */
export const MAX_GRANT_TOKENS = 10

export interface GrantTokenClaims {
  grantId: string
  keyId: string
  accountId: string
}

const SALT = utf8('edge-kms/grants')
const derived = new WeakMap<Uint8Array, Uint8Array>()

function tokenKey(ring: RootKeyRing, kid: string): Uint8Array | undefined {
  const root = ring.byId.get(kid)
  if (!root) return undefined
  let key = derived.get(root.key)
  if (!key) {
    key = hkdf(sha256, root.key, SALT, utf8('grant-token/v1'), 32)
    derived.set(root.key, key)
  }
  return key
}

const mac = (key: Uint8Array, signed: string) => toHex(hmac(sha256, key, utf8(`grant-token|${signed}`)))

export function invalidGrantToken(): KmsError {
  return new KmsError('grant.invalidToken', 'The grant token is not valid.')
}

/** A new token for the grant (`nonce`: fresh random hex). */
export function sealGrantToken(ring: RootKeyRing, claims: GrantTokenClaims, nonce: string): string {
  const kid = ring.current.id
  const key = tokenKey(ring, kid)!
  const payload = toBase64Url(utf8(JSON.stringify({ v: kid, g: claims.grantId, k: claims.keyId, a: claims.accountId, n: nonce })))
  const signed = `gt1.${payload}`
  return `${signed}.${mac(key, signed)}`
}

function payloadOf(token: string): { v?: unknown; g?: unknown; k?: unknown; a?: unknown } | undefined {
  if (typeof token !== 'string' || token.length > MAX_GRANT_TOKEN_CHARS) return undefined
  const parts = token.split('.')
  if (parts.length !== 3 || parts[0] !== 'gt1') return undefined
  const bytes = fromBase64Url(parts[1]!)
  if (!bytes) return undefined
  try {
    const body = JSON.parse(fromUtf8(bytes)) as unknown
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/**
 * What a token claims, NOT authenticated: only for naming the key that authorisation judges
 * (the handler opens the token with {@link openGrantToken} before acting on it).
 * @throws KmsError grant.invalidToken when it is not shaped as a token.
 */
export function peekGrantToken(token: string): GrantTokenClaims {
  const body = payloadOf(token)
  if (!body || typeof body.g !== 'string' || typeof body.k !== 'string' || typeof body.a !== 'string') throw invalidGrantToken()
  return { grantId: body.g, keyId: body.k, accountId: body.a }
}

/**
 * The authenticated claims of a token.
 * @throws KmsError grant.invalidToken for anything but a token this service made.
 */
export function openGrantToken(ring: RootKeyRing, token: string): GrantTokenClaims {
  const body = payloadOf(token)
  if (!body || typeof body.v !== 'string') throw invalidGrantToken()
  const key = tokenKey(ring, body.v)
  if (!key) throw invalidGrantToken()
  const cut = token.lastIndexOf('.')
  const expected = mac(key, token.slice(0, cut))
  if (!timingSafeEqual(utf8(expected), utf8(token.slice(cut + 1)))) throw invalidGrantToken()
  return peekGrantToken(token)
}
