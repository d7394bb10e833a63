/**
 * @module core/domain/audit/keys
 *
 * Keys derived from the root key ring for the audit trail and pagination tokens, so that none of
 * them is ever stored: HKDF-SHA256(IKM = the 32-byte root key, salt = "edge-kms/audit",
 * info = "<purpose>/v1", L = 32). Each purpose gets its own key (domain separation):
 *
 * | purpose        | used for                                                         |
 * |----------------|------------------------------------------------------------------|
 * | `chain-mac`    | the per-record MAC over the record hash (seal.ts)                |
 * | `digest`       | digest and chain-head signatures (seal.ts)                       |
 * | `page-token`   | authenticated pagination tokens (page-token.ts)                  |
 *
 * Values carry the id of the root key they were made under (`kid`), so verification keeps
 * working after the ring rotates, as long as the old root key stays in the ring.
 *
 * Derived keys are memoised per root key of the ring (a weak map on its bytes: at most three
 * keys per root key, gone with the ring that `functions/deps.ts` parses once per isolate). A
 * pure memo of a deterministic derivation — never stale, nothing to reset — so it needs no
 * place in the isolate state (docs/isolate-state.md), and `auditKey` keeps its signature.
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { toHex, utf8 } from '../../crypto/bytes'
import type { RootKeyRing } from '../../crypto/root-key'
import { KmsError } from '../../errors'

export type AuditKeyPurpose = 'chain-mac' | 'digest' | 'page-token'

const SALT = utf8('edge-kms/audit')
const derived = new WeakMap<Uint8Array, Map<AuditKeyPurpose, Uint8Array>>()

/**
 * The derived key of `purpose` under root key `kid` (default: the ring's current key).
 * @throws KmsError internal when `kid` is not in the ring.
 */
export function auditKey(ring: RootKeyRing, purpose: AuditKeyPurpose, kid = ring.current.id): Uint8Array {
  const root = ring.byId.get(kid)
  if (!root) throw new KmsError('internal', 'The audit trail names a root key that is not configured.')
  // Keyed by the root key's bytes object itself, so a reconfigured ring never reuses keys.
  let byPurpose = derived.get(root.key)
  if (!byPurpose) derived.set(root.key, (byPurpose = new Map()))
  let key = byPurpose.get(purpose)
  if (!key) {
    key = hkdf(sha256, root.key, SALT, utf8(`${purpose}/v1`), 32)
    byPurpose.set(purpose, key)
  }
  return key
}

/** Lower-case hex HMAC-SHA256 of the UTF-8 of `message`. */
export function hmacHex(key: Uint8Array, message: string): string {
  return toHex(hmac(sha256, key, utf8(message)))
}

/** Lower-case hex SHA-256 of the UTF-8 of `message`. */
export function sha256Hex(message: string): string {
  return toHex(sha256(utf8(message)))
}
