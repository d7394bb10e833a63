/**
 * @module core/domain/audit/nonce-claims
 *
 * Where a request's replay id is claimed: the nonce ledger item of its AccessKey and of the
 * second its **signed** timestamp names (core/store/SCHEMA.md (Nonce ledger)), which the replay
 * id carries in its first 32 bits (core/domain/authenticate.ts `replayEventId`). A replay carries
 * the same signature, so the same timestamp and nonce, so the same replay id in the same ledger
 * item, where the conditional write of the claim refuses it — in every isolate and after any
 * restart, for as long as the timestamp window lets the request in (the ledger item outlives the
 * window by {@link LEDGER_MARGIN_S}; after that, authentication refuses the timestamp). Claims of
 * concurrent requests that fall in the same ledger item are made by one write
 * (core/domain/audit/group-commit.ts).
 */
import type { NonceLedger } from '../ports'

/** Seconds a ledger item is kept past the timestamp window (clock skew between isolates). */
export const LEDGER_MARGIN_S = 5 * 60
/** The timestamp window of core/domain/authenticate.ts (±15 min), in seconds. */
const WINDOW_S = 15 * 60

/**
 * Replay ids are UUIDs of version 8; random event ids (unauthenticated or nonce-less calls,
 * refusals, late outcomes) are version 4, and copies in another trail are longer. A record under a
 * replay id is only ever written after its claim.
 */
export function isReplayId(eventId: string): boolean {
  return REPLAY_ID.test(eventId)
}
/**
 * The whole shape, not the version digit alone: other ids of 36 characters exist (`rot-` and 32 hex
 * digits, the rotation engine's), and one in 16 of them has an `8` where the version digit sits.
 */
const REPLAY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** The ledger item a replay id of `accessKeyId` is claimed in. */
export function ledgerOf(replayId: string, accessKeyId: string): NonceLedger {
  const second = Number.parseInt(replayId.slice(0, 8), 16)
  return { accessKeyId, second, expiresAt: second + WINDOW_S + LEDGER_MARGIN_S }
}

/** The ledger attribute of a replay id: `c` + its 32 hex digits. */
export function claimName(replayId: string): string {
  return `c${replayId.replace(/-/g, '')}`
}
