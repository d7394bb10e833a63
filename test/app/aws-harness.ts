/**
 * What the AWS-dialect tests on fakes share: a smithy HttpHandler that serves the official AWS
 * clients' requests with the app in process (`app.request`, test/app/harness.ts), and the
 * SHA-256 / HMAC-SHA-256 constructor @smithy/signature-v4 wants, and {@link signedAwsRequest} for
 * tests that send raw bodies.
 */
import * as nodeCrypto from 'node:crypto'
import { SignatureV4 } from '@smithy/signature-v4'
import { app, fake } from './harness'

/** A request handler for the AWS clients; `onResponse` sees every status and body. */
export function inProcessHandler(onResponse?: (status: number, body: Uint8Array) => void) {
  return {
    async handle(request: {
      method: string
      hostname: string
      port?: number
      path: string
      headers: Record<string, string>
      body?: unknown
    }) {
      const url = `http://${request.hostname}${request.port ? `:${request.port}` : ''}${request.path}`
      const res = await app.request(url, { method: request.method, headers: request.headers, body: request.body as string }, {})
      const headers: Record<string, string> = {}
      res.headers.forEach((v, k) => (headers[k] = v))
      const body = new Uint8Array(await res.arrayBuffer())
      onResponse?.(res.status, body)
      return { response: { statusCode: res.status, headers, body } }
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  }
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data)
}

/** SHA-256 / HMAC-SHA-256 as the signer's hash constructor wants it. */
export class Sha256 {
  private readonly hash: nodeCrypto.Hash | nodeCrypto.Hmac
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? nodeCrypto.createHash('sha256') : nodeCrypto.createHmac('sha256', bytes(secret))
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data))
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest())
  }
  reset(): void {}
}

/**
 * One AWS JSON request with any body, SigV4-signed as the SDKs sign it with the fake root
 * AccessKey (`target` is the whole `X-Amz-Target`), sent to the app in process. `json` is `{}`
 * when the answer is not JSON (the caller asserts).
 */
export async function signedAwsRequest(
  target: string,
  body: string,
  opts: { service: string; hostname: string },
): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
  const signer = new SignatureV4({
    service: opts.service,
    region: fake.deps.region,
    credentials: { accessKeyId: fake.root.accessKeyId, secretAccessKey: fake.root.accessKeySecret },
    sha256: Sha256,
  })
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: opts.hostname,
    path: '/',
    headers: { host: opts.hostname, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
    body,
  })
  const res = await app.request(`http://${opts.hostname}/`, { method: 'POST', headers: signed.headers as Record<string, string>, body }, {})
  const text = await res.text()
  let json: Record<string, unknown> = {}
  try {
    json = JSON.parse(text)
  } catch {
    // asserted by the caller
  }
  return { status: res.status, json, text }
}
