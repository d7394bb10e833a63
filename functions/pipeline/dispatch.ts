/**
 * @module functions/pipeline/dispatch
 *
 * The thin dispatcher: runs the action's handler under its audit event
 * (core/domain/audit/run-audited.ts: the event's first write claims the nonce; a copy goes to
 * the key owner's trail when the call uses another account's key; 503 when it cannot be
 * written), forgets cached access after a change, and answers JSON with RequestId.
 */
import type { Context } from 'hono'
import type { AuditEvent } from '../../core/domain/audit/model'
import { runAudited } from '../../core/domain/audit/run-audited'
import { KmsError } from '../../core/errors'
import { runAction } from '../alibaba/action'
import type { AppEnv } from './env'
import { wireFailure } from './errors'

export async function dispatch(c: Context<AppEnv>): Promise<Response> {
  const requestId = c.get('requestId')
  const deps = c.get('deps')
  const event = c.get('event')
  const api = c.get('api')
  const descriptor = c.get('descriptor')
  const caller = c.get('caller')
  const authz = c.get('authz')
  const result = await runAudited(deps, {
    event,
    run: async () => {
      const out = await runAction(descriptor, { deps, caller: authz.caller, params: authz.params, requestId, env: c.env })
      if (authz.unresolved) throw new KmsError('internal', 'A call authorised without its key succeeded.')
      return out
    },
    describe: (r) => {
      const facts: Pick<AuditEvent, 'keyVersionId' | 'resources'> = {}
      if (typeof r.KeyVersionId === 'string') facts.keyVersionId = r.KeyVersionId
      // A created key or secret is named in the response only.
      const meta = r.KeyMetadata as { Arn?: unknown } | undefined
      const created = typeof meta?.Arn === 'string' ? meta.Arn : typeof r.Arn === 'string' ? r.Arn : undefined
      if (created && !event.resources?.includes(created)) facts.resources = [...(event.resources ?? []), created]
      return facts
    },
    failure: wireFailure,
    // Cross-account use: authorize() hands the handler the key owner's account.
    ...(authz.caller.accountId !== caller.accountId ? { alsoIn: authz.caller.accountId } : {}),
  })
  if (!authz.permission.readOnly) {
    if (api.service === 'ram') deps.access.forgetAccount(caller.accountId)
    for (const keyId of authz.keyIds) deps.access.forgetKey(keyId)
  }
  return c.json({ RequestId: requestId, ...result }, 200, { 'x-acs-request-id': requestId })
}
