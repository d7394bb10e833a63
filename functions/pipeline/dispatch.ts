/**
 * @module functions/pipeline/dispatch
 *
 * The thin dispatcher: runs the action's handler under its audit event
 * (core/domain/audit/run-audited.ts: the event's first write claims the nonce; a copy goes to
 * the key owner's trail when the call uses another account's key; 503 when it cannot be
 * written), and answers JSON with RequestId. Cached access views are dropped by the writes
 * themselves (core/store/invalidating.ts), not here.
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
  const descriptor = c.get('descriptor')
  const caller = c.get('caller')
  const authz = c.get('authz')
  const aws = c.get('aws')
  // The AWS dialect's answer is mapped inside the audited run, so a refusal by the mapping
  // (e.g. Decrypt's KeyId check) is the call's recorded outcome; the audit facts come from the
  // descriptor's own result.
  let described: Record<string, unknown> | undefined
  const result = await runAudited(deps, {
    event,
    run: async () => {
      const ctx = { deps, caller, params: authz.params, targets: authz.targets, requestId, env: c.env }
      const out = await runAction(descriptor, ctx)
      if (authz.unresolved) throw new KmsError('internal', 'A call authorised without its key succeeded.')
      if (!aws) return out
      described = out
      return (await aws.action.response(out, { region: deps.region, accountId: authz.targets.accountId }, aws.request.body, ctx)) as Record<
        string,
        unknown
      >
    },
    describe: (answer) => {
      const r = described ?? answer
      const facts: Pick<AuditEvent, 'keyVersionId' | 'resources'> = {}
      if (typeof r.KeyVersionId === 'string') facts.keyVersionId = r.KeyVersionId
      // A created key or secret is named in the response only.
      const meta = r.KeyMetadata as { Arn?: unknown } | undefined
      const created = typeof meta?.Arn === 'string' ? meta.Arn : typeof r.Arn === 'string' ? r.Arn : undefined
      if (created && !event.resources?.includes(created)) facts.resources = [...(event.resources ?? []), created]
      return facts
    },
    failure: wireFailure,
    // Cross-account use: the account whose key or secret the call used (authorize(): targets).
    ...(authz.targets.accountId !== caller.accountId ? { alsoIn: authz.targets.accountId } : {}),
  })
  if (aws) return c.body(JSON.stringify(result), 200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId })
  return c.json({ RequestId: requestId, ...result }, 200, { 'x-acs-request-id': requestId })
}
