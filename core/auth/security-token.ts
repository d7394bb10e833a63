/**
 * @module core/auth/security-token
 *
 * Stateless STS security tokens (AssumeRole). A token is
 *
 *   edge-sts1.<kid>.<base64url(iv ‖ AES-256-GCM(claims) ‖ tag)>
 *
 * under a key derived from root key `kid` (HKDF-SHA256, salt `edge-kms/sts`, info
 * `security-token/v1`), with AAD `edge-kms/sts-token/v1|<kid>`. The claims (JSON) are the
 * account, role name and role id, session name, issue and expiry time (ms), the optional session
 * policy and the temporary AccessKeyId and AccessKeySecret. Nothing is stored: verifying a token
 * is one AES-GCM open, and the role's policies are read (and cached) like a user's.
 *
 * Guarantees:
 * - It cannot be forged, modified, extended or truncated without the root key: any change fails
 *   the GCM tag (`InvalidSecurityToken.Malformed`, no detail on which part).
 * - The temporary AccessKeyId is inside the sealed claims, so a token only works with its own
 *   AccessKeyId (`InvalidSecurityToken.MismatchWithAccessKey`, compared in constant time), and
 *   the AccessKeySecret exists only inside the token and in the AssumeRole response.
 * - Expiry is a sealed claim checked on every request (`InvalidSecurityToken.Expired`).
 * - The token names the role's id, so a role deleted (or deleted and created again under the same
 *   name) stops every session issued for it at the next role lookup (≤ 5 s cache).
 * - Tokens and secrets are never logged and never written to the audit trail.
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { aesGcmOpenWithKey, aesGcmSealWithKey, GCM_IV_BYTES, GCM_TAG_BYTES, importAesGcmKey } from '../crypto/aead'
import { concatBytes, fromBase64Url, fromUtf8, timingSafeEqual, toBase64Url, toHex, utf8 } from '../crypto/bytes'
import { randomBytes, randomString, type RandomSource } from '../crypto/random'
import type { RootKeyRing } from '../crypto/root-key'
import { KmsError } from '../errors'

export const SECURITY_TOKEN_PREFIX = 'edge-sts1'
export const STS_ACCESS_KEY_PREFIX = 'STS.'
/** Tokens longer than this are refused before any work (a 2 KB session policy fits easily). */
export const MAX_SECURITY_TOKEN_CHARS = 8192

/** What a security token asserts. */
export interface SessionClaims {
  accountId: string
  roleName: string
  roleId: string
  sessionName: string
  /** Epoch ms. */
  issuedAt: number
  /** Epoch ms; the token is refused from this instant on. */
  expiresAt: number
  /** The session policy (JSON text), when AssumeRole was given one. */
  policy?: string
  accessKeyId: string
  accessKeySecret: string
}

const keys = new Map<string, Promise<{ enc: CryptoKey; dec: CryptoKey }>>()

function tokenKeys(ring: RootKeyRing, kid: string): Promise<{ enc: CryptoKey; dec: CryptoKey }> | undefined {
  const root = ring.byId.get(kid)
  if (!root) return undefined
  const id = `${kid}|${toHex(sha256(root.key)).slice(0, 16)}`
  let found = keys.get(id)
  if (!found) {
    const raw = hkdf(sha256, root.key, utf8('edge-kms/sts'), utf8('security-token/v1'), 32)
    found = Promise.all([importAesGcmKey(raw, 'encrypt'), importAesGcmKey(raw, 'decrypt')]).then(([enc, dec]) => {
      raw.fill(0)
      return { enc, dec }
    })
    keys.set(id, found)
  }
  return found
}

function aad(kid: string): Uint8Array {
  return utf8(`edge-kms/sts-token/v1|${kid}`)
}

export function malformedToken(): KmsError {
  return new KmsError('auth.securityTokenMalformed', 'The security token you provided is malformed.')
}

export function expiredToken(): KmsError {
  return new KmsError('auth.securityTokenExpired', 'The security token you provided has expired.')
}

export function mismatchedToken(): KmsError {
  return new KmsError('auth.securityTokenMismatch', 'The security token you provided does not match the AccessKeyId.')
}

/** A fresh temporary AccessKey pair: `STS.` + 28 letters/digits, and a 32-character secret. */
export function newTemporaryAccessKey(random: RandomSource = randomBytes): { accessKeyId: string; accessKeySecret: string } {
  return { accessKeyId: `${STS_ACCESS_KEY_PREFIX}${randomString(random, 28)}`, accessKeySecret: randomString(random, 32) }
}

/**
 * Seals `claims` into a token under the ring's current root key.
 * @throws KmsError internal when the ring is unusable.
 */
export async function sealSecurityToken(ring: RootKeyRing, claims: SessionClaims, random: RandomSource = randomBytes): Promise<string> {
  const kid = ring.current.id
  const k = tokenKeys(ring, kid)
  if (!k) throw new KmsError('internal', 'The root key ring is unusable.')
  const body = {
    v: 1,
    a: claims.accountId,
    r: claims.roleName,
    ri: claims.roleId,
    s: claims.sessionName,
    i: claims.issuedAt,
    x: claims.expiresAt,
    ak: claims.accessKeyId,
    sk: claims.accessKeySecret,
    ...(claims.policy === undefined ? {} : { p: claims.policy }),
  }
  const iv = random(GCM_IV_BYTES)
  const plaintext = utf8(JSON.stringify(body))
  const sealed = await aesGcmSealWithKey((await k).enc, iv, plaintext, aad(kid))
  plaintext.fill(0)
  return `${SECURITY_TOKEN_PREFIX}.${kid}.${toBase64Url(concatBytes(iv, sealed))}`
}

/**
 * Opens a token and checks that it belongs to `accessKeyId`. It does not check expiry (see
 * {@link assertUnexpired}) so the caller can verify the signature first.
 * @throws KmsError auth.securityTokenMalformed (anything that is not an intact token of this
 *   service), auth.securityTokenMismatch (an intact token of another AccessKeyId)
 */
export async function openSecurityToken(ring: RootKeyRing, token: string, accessKeyId: string): Promise<SessionClaims> {
  if (token.length === 0 || token.length > MAX_SECURITY_TOKEN_CHARS) throw malformedToken()
  const parts = token.split('.')
  if (parts.length !== 3 || parts[0] !== SECURITY_TOKEN_PREFIX) throw malformedToken()
  const [, kid, payload] = parts as [string, string, string]
  const k = tokenKeys(ring, kid)
  const bytes = fromBase64Url(payload)
  if (!k || !bytes || bytes.length < GCM_IV_BYTES + GCM_TAG_BYTES + 2) throw malformedToken()
  let plaintext: Uint8Array
  try {
    plaintext = await aesGcmOpenWithKey((await k).dec, bytes.subarray(0, GCM_IV_BYTES), bytes.subarray(GCM_IV_BYTES), aad(kid))
  } catch {
    throw malformedToken()
  }
  let body: Record<string, unknown>
  try {
    body = JSON.parse(fromUtf8(plaintext)) as Record<string, unknown>
  } catch {
    throw malformedToken()
  } finally {
    plaintext.fill(0)
  }
  const str = (v: unknown) => typeof v === 'string'
  if (
    body.v !== 1 ||
    !str(body.a) ||
    !str(body.r) ||
    !str(body.ri) ||
    !str(body.s) ||
    !str(body.ak) ||
    !str(body.sk) ||
    typeof body.i !== 'number' ||
    typeof body.x !== 'number' ||
    (body.p !== undefined && !str(body.p))
  ) {
    throw malformedToken()
  }
  if (!timingSafeEqual(utf8(body.ak as string), utf8(accessKeyId))) throw mismatchedToken()
  return {
    accountId: body.a as string,
    roleName: body.r as string,
    roleId: body.ri as string,
    sessionName: body.s as string,
    issuedAt: body.i,
    expiresAt: body.x,
    accessKeyId: body.ak as string,
    accessKeySecret: body.sk as string,
    ...(body.p === undefined ? {} : { policy: body.p as string }),
  }
}

/** @throws KmsError auth.securityTokenExpired from `claims.expiresAt` on. */
export function assertUnexpired(claims: SessionClaims, nowMs: number): void {
  if (!(nowMs < claims.expiresAt)) throw expiredToken()
}
