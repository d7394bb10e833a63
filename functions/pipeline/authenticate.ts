/**
 * @module functions/pipeline/authenticate
 *
 * Verifies the signature and timestamp (core/domain/authenticate.ts). From here on the event's
 * first write claims the request's nonce (run-audited.ts), so the event takes the replay id.
 */
import { createMiddleware } from 'hono/factory'
import { authenticate } from '../../core/domain/authenticate'
import type { AppEnv } from './env'

export const authenticateCaller = createMiddleware<AppEnv>(async (c, next) => {
  const deps = c.get('deps')
  const event = c.get('event')
  const known = c.get('known')
  const rpc = c.get('rpc')
  const { caller, replayId } = await authenticate(
    { credentials: deps.credentials, rootKeys: deps.rootKeys, clock: deps.clock },
    rpc.signed,
    deps.region,
    known,
    // The AWS dialect signs with SigV4, scoped to the target's service (kms, secretsmanager).
    { sigV4Service: c.get('aws')?.request.service },
  )
  // From here on the event's first write claims the request's nonce (run-audited.ts).
  event.eventId = replayId
  c.set('claiming', true)
  event.accountId = caller.accountId
  event.principalType = caller.principalType
  event.principalArn = caller.principalArn
  event.accessKeyId = caller.accessKeyId
  c.set('caller', caller)
  await next()
})
