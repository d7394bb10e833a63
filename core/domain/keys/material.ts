/**
 * @module core/domain/keys/material
 *
 * Software key-version material: 32 CSPRNG bytes, stored only wrapped under the root key with
 * the AAD `keymaterial:<keyId>:<versionId>`, so a wrapped value copied onto another key or
 * version does not unwrap.
 */
import { unwrapUnderRoot, wrapUnderRoot } from '../../crypto/root-key'
import { toHex, zeroize } from '../../crypto/bytes'
import type { RandomSource } from '../../crypto/random'
import { KmsError } from '../../errors'
import type { KeyRecord, KeyVersionRecord } from '../model'
import type { KeyDeps } from '../ports'
import { ISOLATE_CACHE_BOUNDS, isolateStateOf, type IsolateDeps } from '../isolate-state'
import { isoSeconds } from './common'

/** A random (v4) UUID from the injected random source. */
export function uuidV4(random: RandomSource): string {
  const b = random(16)
  b[6] = (b[6]! & 0x0f) | 0x40
  b[8] = (b[8]! & 0x3f) | 0x80
  const h = toHex(b)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

function materialAad(keyId: string, versionId: string): string {
  return `keymaterial:${keyId}:${versionId}`
}

/**
 * Creates a new software key version (material generated and wrapped, never stored in clear).
 * `bytes`: the material length (32 for AES-256; HMAC keys use their hash's output length).
 */
export async function newSoftwareVersion(
  deps: Pick<KeyDeps, 'random' | 'rootKeys'>,
  keyId: string,
  nowMs: number,
  bytes = 32,
): Promise<KeyVersionRecord> {
  const versionId = uuidV4(deps.random)
  const material = deps.random(bytes)
  try {
    const wrappedMaterial = await wrapUnderRoot(deps.rootKeys, material, materialAad(keyId, versionId), deps.random)
    return { versionId, createdAt: isoSeconds(nowMs), wrappedMaterial }
  } finally {
    zeroize(material)
  }
}

/**
 * Unwrapped material kept in the isolate (`IsolateState.keyMaterial`,
 * core/domain/isolate-state.ts) so a warm key needs no root-key unwrap per request. Bound: an
 * entry lives at most MATERIAL_CACHE_MS on the injected clock and is zeroised when it expires or
 * is pushed out. It is only reachable through a key record that still lists the same wrapped
 * value, so a deleted key's material is never used (the record goes first, within the key cache
 * bound). Deps without an isolate state unwrap every time.
 */
export const MATERIAL_CACHE_MS = ISOLATE_CACHE_BOUNDS.keyMaterial.ttlMs

/**
 * Unwraps one version's material. The caller must zeroize the result when done (it is always a
 * private copy).
 * @throws KmsError key.versionNotFound, internal (corrupt store)
 */
export async function unwrapVersion(deps: Pick<KeyDeps, 'rootKeys'> & IsolateDeps, key: KeyRecord, versionId: string): Promise<Uint8Array> {
  const version = key.versions.find((v) => v.versionId === versionId)
  if (!version) throw new KmsError('key.versionNotFound', 'The specified key version is not found.')
  if (!version.wrappedMaterial) {
    throw new KmsError('key.unsupportedProtectionLevel', 'This key version has no software key material.')
  }
  const cache = isolateStateOf(deps)?.keyMaterial
  const id = `${key.keyId}:${versionId}:${version.wrappedMaterial}`
  const hit = cache?.get(id)
  if (hit) return hit
  const material = await unwrapUnderRoot(deps.rootKeys, version.wrappedMaterial, materialAad(key.keyId, versionId))
  cache?.set(id, material)
  return material
}
