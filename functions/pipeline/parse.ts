/**
 * @module functions/pipeline/parse
 *
 * Reads the RPC request (query or form body, ACS3 JSON bodies) and finds its API by `Version`
 * and its action descriptor; the event learns the action, version and redacted parameters.
 * An unknown version or action is refused here, before authentication.
 */
import { createMiddleware } from 'hono/factory'
import { redactParameters } from '../../core/domain/audit/redact'
import { KmsError } from '../../core/errors'
import { RAM_ACTIONS, RAM_VERSION } from '../alibaba/ram/registry'
import { KMS_ACTIONS, KMS_VERSION } from '../alibaba/registry'
import { readRpcRequest } from '../alibaba/request'
import { STS_ACTIONS, STS_VERSION } from '../alibaba/sts/registry'
import { TRAIL_ACTIONS, TRAIL_VERSION } from '../alibaba/trail/registry'
import { isAwsRequest } from '../aws/request'
import type { Apis, AppEnv } from './env'
import { parseAws } from './parse-aws'

/** The APIs this service speaks: KMS (2016-01-20), RAM (2015-05-01), ActionTrail (2020-07-06), STS. */
export const APIS: Apis = {
  [KMS_VERSION]: { service: 'kms', actions: KMS_ACTIONS },
  [RAM_VERSION]: { service: 'ram', actions: RAM_ACTIONS },
  [TRAIL_VERSION]: { service: 'actiontrail', actions: TRAIL_ACTIONS },
  [STS_VERSION]: { service: 'sts', actions: STS_ACTIONS },
}

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 64)
}

export function parseRpc(apis: Apis) {
  return createMiddleware<AppEnv>(async (c, next) => {
    // The AWS dialect (X-Amz-Target) on the same endpoint: its own reader, the same descriptors.
    if (isAwsRequest(c.req.raw)) return parseAws(c, next)
    const event = c.get('event')
    const body = c.req.method === 'GET' ? new ArrayBuffer(0) : await c.req.arrayBuffer()
    const rpc = await readRpcRequest(c.req.raw, body)
    c.set('action', rpc.action.slice(0, 64))
    event.action = printable(rpc.action)
    event.version = printable(rpc.version)
    event.params = redactParameters(rpc.params.withPrefix(''))
    const api = Object.hasOwn(apis, rpc.version) ? apis[rpc.version] : undefined
    if (!api) throw new KmsError('request.unsupportedVersion', 'Specified parameter Version is not valid.')
    event.service = api.service
    const descriptor = api.actions.get(rpc.action)
    if (!descriptor) {
      throw new KmsError('request.unknownAction', 'Specified api is not found, please check your url and method.')
    }
    c.set('rpc', rpc)
    c.set('api', api)
    c.set('descriptor', descriptor)
    await next()
  })
}
