/**
 * @module functions/pipeline/authorise
 *
 * Authorises the authenticated call (functions/authorize.ts): identity and resource policies,
 * conditions, cross-account use. The event records the decision and the resources; a denied
 * call is refused here, before the handler.
 */
import { createMiddleware } from 'hono/factory'
import { KmsError } from '../../core/errors'
import { authorize } from '../authorize'
import type { AppEnv } from './env'

export const authoriseCall = createMiddleware<AppEnv>(async (c, next) => {
  const deps = c.get('deps')
  const event = c.get('event')
  const rpc = c.get('rpc')
  const api = c.get('api')
  const descriptor = c.get('descriptor')
  const caller = c.get('caller')
  const authz = await authorize({
    deps,
    service: api.service,
    action: rpc.action,
    permission: descriptor.permission,
    caller,
    params: rpc.params,
    sourceIp: event.sourceIp,
    secureTransport: new URL(c.req.url).protocol === 'https:',
  })
  event.readOnly = authz.permission.readOnly
  event.resources = authz.resources
  if (authz.keyVersionId) event.keyVersionId = authz.keyVersionId
  if (!authz.allowed) {
    event.decision = 'Deny'
    throw new KmsError('auth.forbidden', 'You are not authorized to perform this operation.')
  }
  event.decision = 'Allow'
  c.set('authz', authz)
  await next()
})
