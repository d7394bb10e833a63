/**
 * @module functions/client-ip
 *
 * The client address of a request — `acs:SourceIp` in policies and `sourceIp` in the audit
 * trail. Only a value the runtime or a configured trusted proxy vouches for is used; a header
 * the client can set is never trusted on its own.
 *
 * - `KMS_TRUSTED_CLIENT_IP_HEADER` set to a header name (e.g. `x-forwarded-for`, `x-real-ip`):
 *   the deployment sits behind a proxy that sets (or appends to) that header on every request.
 *   The rightmost entry is used: the address the trusted proxy itself saw, never one a client
 *   prepended.
 * - `KMS_TRUSTED_CLIENT_IP_HEADER=none`: no source address at all (conditions on
 *   `acs:SourceIp` then fail closed: `IpAddress` never matches, `NotIpAddress` always does).
 * - Unset, deployed on Cloudflare: `cf-connecting-ip`, which Cloudflare's edge sets on every
 *   request to the peer it accepted, replacing any value the client sent.
 * - Unset, under the local stack (`KMS_LOCAL_MODE=true`): there is no edge. Miniflare fills
 *   `CF-Connecting-IP` with the peer only when the client sent none and passes a client's own
 *   value through, and `request.cf` is taken from a client-settable header (`MF-CF-Blob`), so
 *   neither is trusted. The local stack listens on 127.0.0.1 only, so every peer is the loopback
 *   address, and that is the address used.
 *
 * Anything that does not parse as an IPv4 or IPv6 address gives no source address.
 */
import { parseIp } from '../core/domain/policy/match'
import type { Env } from './env'

export const LOCAL_PEER = '127.0.0.1'

export function clientIp(headers: { get(name: string): string | null | undefined }, env: Env): string | undefined {
  const configured = env.KMS_TRUSTED_CLIENT_IP_HEADER?.trim().toLowerCase()
  if (configured === 'none') return undefined
  if (!configured && env.KMS_LOCAL_MODE === 'true') return LOCAL_PEER
  const raw = headers.get(configured || 'cf-connecting-ip')
  if (!raw) return undefined
  const last = raw.split(',').at(-1)!.trim()
  return last.length <= 64 && parseIp(last) ? last : undefined
}
