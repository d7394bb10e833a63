/**
 * @module functions/pipeline/admit
 *
 * KMS instances: a request naming a key of an instance takes a token of its per-second limit
 * (core/domain/instances/throttle.ts; in-isolate, no store write), or is refused 429. The last
 * refusal before the call is handed to the audited handler.
 */
import { createMiddleware } from 'hono/factory'
import { admitRequest } from '../../core/domain/instances/throttle'
import type { Env } from '../env'
import type { AppEnv } from './env'

/** KMS_THROTTLE_ISOLATES: isolates expected to share an instance's limit (default 1). */
function throttleIsolates(env: Env): number {
  const n = Number(env.KMS_THROTTLE_ISOLATES ?? 1)
  return Number.isInteger(n) && n >= 1 && n <= 10_000 ? n : 1
}

export const admitCall = createMiddleware<AppEnv>(async (c, next) => {
  const deps = c.get('deps')
  const authz = c.get('authz')
  await admitRequest({ keys: deps.keys, instances: deps.store.instances, clock: deps.clock }, authz.keyIds, throttleIsolates(c.env))
  c.set('handed', true)
  await next()
})
