/**
 * @module functions/pipeline/parse-aws
 *
 * The AWS dialect's parse step (functions/aws/): reads the JSON 1.1 request, finds the
 * operation by `X-Amz-Target`, maps its body onto the parameters of the descriptor it runs
 * through, and hands the pipeline the same state an Alibaba call would have (`rpc`, `api`,
 * `descriptor`), plus `aws` for authentication (SigV4) and the response mapping (dispatch.ts).
 * The event records the AWS operation (`version` is the target prefix) and the redacted mapped
 * parameters.
 */
import type { Context, Next } from 'hono'
import { redactParameters } from '../../core/domain/audit/redact'
import { assertGrantTokens } from '../../core/domain/grants/grants'
import { KmsError } from '../../core/errors'
import { Params } from '../alibaba/params'
import { AWS_KMS_ACTIONS, AWS_SECRETS_ACTIONS } from '../aws/registry'
import { readAwsRequest } from '../aws/request'
import type { AppEnv } from './env'

export async function parseAws(c: Context<AppEnv>, next: Next): Promise<void> {
  const event = c.get('event')
  const request = await readAwsRequest(c.req.raw, await c.req.arrayBuffer())
  c.set('action', `${request.prefix}.${request.operation}`)
  event.action = request.operation
  event.version = request.prefix
  event.service = 'kms'
  const actions = request.service === 'kms' ? AWS_KMS_ACTIONS : AWS_SECRETS_ACTIONS
  const action = actions.get(request.operation)
  if (!action) throw new KmsError('request.unknownAction', `The operation ${request.operation} is not supported by this service.`)
  // Every TrentService operation may carry GrantTokens; grants are effective at once here, so a
  // well-formed list is accepted and needs nothing more (core/domain/grants).
  if (request.service === 'kms') assertGrantTokens(request.body.GrantTokens)
  c.set('aws', { request, action })
  const mapped = action.request(request.body, { region: c.get('deps').region, accountId: '' })
  const params = new Params(new Map(Object.entries(mapped)))
  event.params = redactParameters(params.withPrefix(''))
  c.set('rpc', { action: action.via.name, version: request.prefix, params, signed: request.signed })
  c.set('api', { service: 'kms', actions: new Map([[action.via.name, action.via]]) })
  c.set('descriptor', action.via)
  await next()
}
