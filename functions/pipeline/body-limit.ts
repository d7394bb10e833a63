/**
 * @module functions/pipeline/body-limit
 *
 * The body limit, before anything is read (chunked bodies included): a larger request is
 * refused (and recorded as unauthenticated) without its body being parsed.
 */
import type { Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { recordUnauthenticated } from '../../core/domain/audit/unauthenticated'
import { KmsError } from '../../core/errors'
import { MAX_BODY_BYTES } from '../alibaba/request'
import type { Deps } from '../deps'
import type { Env } from '../env'
import { baseEvent } from './audit'
import type { AppEnv } from './env'
import { errorResponse, wireFailure } from './errors'

export function limitBody(getDeps: (env: Env) => Deps) {
  return bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: async (c) => {
      const err = new KmsError('request.tooLarge', 'The request is too large.')
      const ctx = c as Context<AppEnv>
      try {
        const deps = getDeps(ctx.env)
        await recordUnauthenticated(deps, { ...baseEvent(ctx, deps.clock.now()), outcome: 'Failure', ...wireFailure(err) })
      } catch (auditErr) {
        return errorResponse(ctx, auditErr)
      }
      return errorResponse(ctx, err)
    },
  })
}
