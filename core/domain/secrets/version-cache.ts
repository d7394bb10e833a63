/**
 * @module core/domain/secrets/version-cache
 *
 * Committed version items kept in the isolate (`IsolateState.secretVersions`,
 * core/domain/isolate-state.ts), so a warm GetSecretValue reads only the head.
 * Safe because a version that a head references never changes its value: the head decides which
 * versions exist and which labels name them, and it is read fresh on every call. An entry holds
 * only what the table holds (wrapped data key, IV, ciphertext — never plaintext) and is keyed by
 * the secret's incarnation (`head.uid`, random per creation: a force-deleted name can be
 * re-created at once, even within the same second) and the version as the head lists it. Heads
 * without a uid (created before it existed) are not cached. Bound: {@link VERSION_CACHE_MS}, at
 * most 1,000 entries. Deps without an isolate state cache nothing.
 */
import { ISOLATE_CACHE_BOUNDS, isolateStateOf, type IsolateDeps } from '../isolate-state'
import type { SecretRecord, SecretVersionRecord, SecretVersionRef } from './model'

export const VERSION_CACHE_MS = ISOLATE_CACHE_BOUNDS.secretVersions.ttlMs

function cacheId(head: SecretRecord, ref: SecretVersionRef): string | undefined {
  if (!head.uid) return undefined
  return [head.accountId, head.region, head.secretName, head.uid, ref.versionId, ref.createdAt].join('\u0000')
}

/** The cached item of a version the head references, if fresh. */
export function cachedVersion(deps: IsolateDeps, head: SecretRecord, ref: SecretVersionRef): SecretVersionRecord | undefined {
  const id = cacheId(head, ref)
  return id === undefined ? undefined : isolateStateOf(deps)?.secretVersions.get(id)
}

/**
 * Remembers a version item read for a head that references it.
 * @param readAt - the clock reading taken before the item was read.
 */
export function rememberVersion(
  deps: IsolateDeps,
  head: SecretRecord,
  ref: SecretVersionRef,
  item: SecretVersionRecord,
  readAt: number,
): void {
  const id = cacheId(head, ref)
  if (id === undefined || item.versionId !== ref.versionId) return
  isolateStateOf(deps)?.secretVersions.set(id, Object.freeze({ ...item }), readAt)
}
