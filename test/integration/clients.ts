/**
 * The official Alibaba Cloud SDK clients, pointed at the shared test stack:
 * - kms20160120 1.2.0 (V1 HMAC-SHA1, every parameter in the query, POST);
 * - openapi-client callApi (ACS3-HMAC-SHA256, every parameter in the query, as the 2.x SDKs send);
 * - pop-core RPCClient (V1, GET with query or POST with a form body).
 */
import KmsModule, * as Kms from '@alicloud/kms20160120'
import OpenApiModule, * as OpenApi from '@alicloud/openapi-client'
import PopCore from '@alicloud/pop-core'
import * as TeaUtil from '@alicloud/tea-util'
import { inject } from 'vitest'

export { Kms }

type Stack = ReturnType<typeof inject<'stack'>>

export function stackInfo(): Stack {
  return inject('stack')
}

const KmsClient = ((KmsModule as unknown as { default?: unknown }).default ?? KmsModule) as unknown as new (
  config: Record<string, unknown>,
) => InstanceType<typeof Kms.default>

export function kmsClient(stack: Stack = stackInfo(), secret = stack.accessKeySecret, accessKeyId = stack.accessKeyId) {
  return new KmsClient({
    accessKeyId,
    accessKeySecret: secret,
    regionId: stack.regionId,
    endpoint: stack.endpoint.replace(/^https?:\/\//, ''),
    protocol: 'HTTP',
  })
}

const OpenApiClient = ((OpenApiModule as unknown as { default?: unknown }).default ?? OpenApiModule) as unknown as new (
  config: InstanceType<typeof OpenApi.Config>,
) => InstanceType<typeof OpenApi.default>

/**
 * ACS3 (default) or V1 (`signatureAlgorithm: 'v2'`) through openapi-client's callApi, for KMS
 * (2016-01-20) or another API of the endpoint by `version` (ActionTrail 2020-07-06, …).
 */
export function openApiCaller(
  opts: { signatureAlgorithm?: 'v2'; secret?: string; version?: string; timeoutMs?: number } = {},
  stack: Stack = stackInfo(),
) {
  const client = new OpenApiClient(
    new OpenApi.Config({
      accessKeyId: stack.accessKeyId,
      accessKeySecret: opts.secret ?? stack.accessKeySecret,
      regionId: stack.regionId,
      endpoint: stack.endpoint.replace(/^https?:\/\//, ''),
      protocol: 'HTTP',
      ...(opts.signatureAlgorithm ? { signatureAlgorithm: opts.signatureAlgorithm } : {}),
    }),
  )
  return async (action: string, query: Record<string, string>, body?: Record<string, string>) => {
    const params = new OpenApi.Params({
      action,
      version: opts.version ?? '2016-01-20',
      protocol: 'HTTP',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    })
    const request = new OpenApi.OpenApiRequest({ query, ...(body ? { body } : {}) })
    const runtime = new TeaUtil.RuntimeOptions(opts.timeoutMs ? { readTimeout: opts.timeoutMs, connectTimeout: opts.timeoutMs } : {})
    const res = await client.callApi(params, request, runtime)
    return res.body as Record<string, any>
  }
}

/** pop-core RPCClient: `method` GET (query) or POST (form body). */
export function popCaller(method: 'GET' | 'POST', stack: Stack = stackInfo(), secret = stack.accessKeySecret) {
  const client = new (PopCore as unknown as { RPCClient: new (c: Record<string, unknown>) => any }).RPCClient({
    accessKeyId: stack.accessKeyId,
    accessKeySecret: secret,
    endpoint: stack.endpoint,
    apiVersion: '2016-01-20',
  })
  return (action: string, params: Record<string, unknown>) =>
    client.request(action, params, { method, timeout: 10_000 }) as Promise<Record<string, any>>
}

/** Captures the error an SDK call throws (fails the test when it does not throw). */
export async function sdkError(promise: Promise<unknown>): Promise<{ code: string; statusCode?: number; data?: any; message: string }> {
  try {
    await promise
  } catch (err) {
    const e = err as { code?: string; data?: any; message: string; statusCode?: number }
    return {
      code: String(e.code ?? '').replace(/Error$/, ''),
      statusCode: e.data?.statusCode ?? e.statusCode ?? e.data?.httpStatusCode,
      data: e.data,
      message: e.message,
    }
  }
  throw new Error('expected the call to fail, but it succeeded')
}

export const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64')
export const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8')
