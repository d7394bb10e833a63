/**
 * @module core/domain/audit/chain
 *
 * The chain arithmetic shared by the sealer and the verifier:
 *
 *   hash_n = SHA-256("edge-kms/audit/v1\n" || n || "\n" || hash_{n-1} || "\n" || body_n)
 *   mac_n  = HMAC-SHA256(chain-mac key of root key kid_n, hash_n)
 *   digest signature = HMAC-SHA256(digest key, canonical JSON of {digestSeq, fromSeq, toSeq,
 *                                  lastHash, prevSignature, createdAt})
 *   head signature   = HMAC-SHA256(digest key, canonical JSON of {seq, hash, digestSeq,
 *                                  digestSignature})
 *
 * with hash_0 = 64 zeros. The hash links each record to its predecessor, so deleting, inserting
 * or reordering records breaks the chain at that position; the MAC (which needs the root key)
 * pins each record, so even someone who can rewrite the table and recompute every hash cannot
 * edit a record unnoticed; digests sign the chain's state periodically and each covers the
 * previous one (the CloudTrail digest model), so whole ranges cannot be swapped either.
 */
import canonicalize from 'canonicalize'
import type { RootKeyRing } from '../../crypto/root-key'
import { auditKey, hmacHex, sha256Hex } from './keys'
import type { AuditDigest, ChainHead } from './model'

export function recordHash(seq: number, prevHash: string, body: string): string {
  return sha256Hex(`edge-kms/audit/v1\n${seq}\n${prevHash}\n${body}`)
}

/** @throws KmsError internal when `kid` is not in the ring. */
export function recordMac(ring: RootKeyRing, kid: string, hash: string): string {
  return hmacHex(auditKey(ring, 'chain-mac', kid), hash)
}

/** @throws KmsError internal when `kid` is not in the ring. */
export function digestSignature(ring: RootKeyRing, d: Omit<AuditDigest, 'signature'>): string {
  const payload = {
    digestSeq: d.digestSeq,
    fromSeq: d.fromSeq,
    toSeq: d.toSeq,
    lastHash: d.lastHash,
    prevSignature: d.prevSignature,
    createdAt: d.createdAt,
  }
  return hmacHex(auditKey(ring, 'digest', d.kid), canonicalize(payload) ?? '')
}

/** @throws KmsError internal when `kid` is not in the ring. */
export function headSignature(
  ring: RootKeyRing,
  kid: string,
  h: Pick<ChainHead, 'seq' | 'hash' | 'digestSeq' | 'digestSignature'>,
): string {
  const payload = { seq: h.seq, hash: h.hash, digestSeq: h.digestSeq, digestSignature: h.digestSignature }
  return hmacHex(auditKey(ring, 'digest', kid), canonicalize(payload) ?? '')
}

/** Replaces lone surrogates (which JCS refuses and UTF-8 cannot carry) with U+FFFD. */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
}

function sanitize(value: unknown): unknown {
  if (typeof value === 'string') return wellFormed(value)
  if (Array.isArray(value)) return value.map(sanitize)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [wellFormed(k), sanitize(v)]))
  }
  return value
}

/**
 * Canonical JSON (RFC 8785) of an event: the bytes a record's hash covers. Request-derived
 * strings may hold lone surrogates; they are replaced, never refused (the call must be recorded).
 */
export function canonicalBody(event: object): string {
  // Every call pays for this: canonicalize refuses lone surrogates by throwing, so the copying
  // walk of `sanitize` runs only for the rare event that holds one (the output is the same).
  try {
    return canonicalize(event) ?? ''
  } catch {
    return canonicalize(sanitize(event)) ?? ''
  }
}
