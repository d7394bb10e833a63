/**
 * @module hsm-bridge/ops/health
 *
 * `GET /v1/health` (unauthenticated) → `{status: 'ok' | 'unavailable'}`, 200 or 503. "ok"
 * means the pool has sessions and the token answers `C_GetTokenInfo`; a device-class failure here
 * starts the same recovery as a failed operation. It names nothing (no token label, slot or
 * library): anyone who can reach the port may ask.
 */

import type { HealthReport } from '../server.js'
import type { OpContext } from './context.js'

/**
 * Reports whether the HSM is usable now.
 *
 * @throws never
 */
export function health(ctx: OpContext): HealthReport {
  const ok = ctx.pool.checkHealth()
  return { status: ok ? 'ok' : 'unavailable' }
}
