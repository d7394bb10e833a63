/**
 * @module hsm-bridge/oaep
 *
 * EME-OAEP decoding (RFC 8017 §7.1.2 step 3) for modules that support `CKM_RSA_PKCS_OAEP` only
 * with SHA-1 (SoftHSM 2.6.1): the HSM performs the raw RSA private-key operation
 * (`CKM_RSA_X_509`) and the bridge removes the padding.
 *
 * WARNING: a decoder that reveals *why* it rejected (timing or error) is Manger's oracle. Every
 * check below runs to the end without data-dependent branches and all failures collapse into a
 * single `undefined`; keep it that way.
 */

import { createHash } from 'node:crypto'

export type OaepHash = 'sha1' | 'sha256'

const HASH_BYTES: Record<OaepHash, number> = { sha1: 20, sha256: 32 }

function mgf1(hash: OaepHash, seed: Uint8Array, length: number): Buffer {
  const out = Buffer.alloc(length)
  const counter = Buffer.alloc(4)
  for (let i = 0, offset = 0; offset < length; i++) {
    counter.writeUInt32BE(i)
    const block = createHash(hash).update(seed).update(counter).digest()
    block.copy(out, offset, 0, Math.min(block.length, length - offset))
    offset += block.length
  }
  return out
}

/** 1 when x === 0, else 0, for 0 ≤ x < 2^31, without a branch. */
function isZero(x: number): number {
  return ((x - 1) >>> 31) & 1
}

/**
 * Decodes an encoded message `em` (exactly `k` bytes, the modulus length) with the empty label.
 * Returns the message or undefined; the caller maps undefined to one uniform error.
 *
 * @throws never
 */
export function oaepDecode(em: Uint8Array, hash: OaepHash, k: number): Buffer | undefined {
  const hLen = HASH_BYTES[hash]
  if (em.length !== k || k < 2 * hLen + 2) return undefined
  const lHash = createHash(hash).digest()
  const maskedSeed = em.subarray(1, 1 + hLen)
  const maskedDb = em.subarray(1 + hLen)
  const seed = mgf1(hash, maskedDb, hLen)
  for (let i = 0; i < hLen; i++) seed[i]! ^= maskedSeed[i]!
  const db = mgf1(hash, seed, k - hLen - 1)
  for (let i = 0; i < db.length; i++) db[i]! ^= maskedDb[i]!

  let bad = em[0]!
  for (let i = 0; i < hLen; i++) bad |= db[i]! ^ lHash[i]!
  // Find the 0x01 separator after the zero padding PS, scanning every byte.
  let lookingForOne = 1
  let separator = 0
  for (let i = hLen; i < db.length; i++) {
    const b = db[i]!
    const isOne = isZero(b ^ 1)
    const found = lookingForOne & isOne
    separator = (separator & (found - 1)) | (i & -found)
    bad |= lookingForOne & (1 - isOne) & (1 - isZero(b))
    lookingForOne &= 1 - isOne
  }
  bad |= lookingForOne
  seed.fill(0)
  if (bad !== 0) {
    db.fill(0)
    return undefined
  }
  const message = Buffer.from(db.subarray(separator + 1))
  db.fill(0)
  return message
}
