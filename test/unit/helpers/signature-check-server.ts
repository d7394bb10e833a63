/**
 * @module test/unit/helpers/signature-check-server
 *
 * A tiny Node HTTP server on 127.0.0.1 (random port) that does what the real adapter must do
 * with an incoming Alibaba RPC request: read the body (chunked or not), build a
 * `SignedRequestInput`, parse and verify the signature with core/auth, and check freshness. It
 * answers a body that every SDK's Encrypt response model accepts on success, and an Alibaba error
 * JSON with status 400 on failure. Every request is recorded for assertions.
 */

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import { parseSignature, type SignedRequestInput } from '../../../core/auth/signed-request'
import { assertFreshTimestamp } from '../../../core/auth/timestamp'
import { KmsError } from '../../../core/errors'
import { toSignedRequestInput } from './raw-http'

export interface CheckedRequest {
  /** Request target exactly as on the wire (`/?…`). */
  target: string
  rawHeaders: IncomingHttpHeaders
  input?: SignedRequestInput
  scheme?: 'V1' | 'ACS3' | 'SigV4'
  accessKeyId?: string
  /** `accepted`, `mismatch`, or the KmsError code that refused the request. */
  outcome: string
  /** Merged decoded query and form parameters. */
  params: Map<string, string>
}

export interface SignatureCheckServer {
  port: number
  requests: CheckedRequest[]
  close(): Promise<void>
}

const SUCCESS_BODY = JSON.stringify({
  RequestId: 'x',
  KeyId: 'k',
  CiphertextBlob: 'YQ==',
  KeyVersionId: 'v',
  Plaintext: 'YQ==',
})

function joinHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return out
}

async function check(
  record: CheckedRequest,
  parts: Parameters<typeof toSignedRequestInput>[0],
  secrets: Readonly<Record<string, string>>,
): Promise<void> {
  try {
    const input = toSignedRequestInput(parts)
    record.input = input
    for (const [k, v] of [...input.query, ...input.form]) record.params.set(k, v)
    const sig = parseSignature(input)
    record.scheme = sig.scheme
    record.accessKeyId = sig.accessKeyId
    assertFreshTimestamp(sig.timestamp, Date.now())
    const secret = secrets[sig.accessKeyId]
    record.outcome = secret !== undefined && (await sig.verify(secret)) ? 'accepted' : 'mismatch'
  } catch (err) {
    if (!(err instanceof KmsError)) throw err
    record.outcome = err.code
  }
}

/** Starts the server; `secrets` maps access key ids to secrets. */
export async function startSignatureCheckServer(secrets: Readonly<Record<string, string>>): Promise<SignatureCheckServer> {
  const requests: CheckedRequest[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const record: CheckedRequest = {
        target: req.url ?? '/',
        rawHeaders: req.headers,
        outcome: 'pending',
        params: new Map(),
      }
      requests.push(record)
      const parts = {
        method: req.method ?? 'GET',
        target: record.target,
        headers: joinHeaders(req.headers),
        body: new Uint8Array(Buffer.concat(chunks)),
      }
      check(record, parts, secrets)
        .then(() => {
          const ok = record.outcome === 'accepted'
          const body = ok
            ? SUCCESS_BODY
            : JSON.stringify({
                RequestId: 'x',
                Code: record.outcome === 'mismatch' ? 'SignatureDoesNotMatch' : record.outcome,
                Message: 'The request signature does not conform to Aliyun standards.',
              })
          res.writeHead(ok ? 200 : 400, { 'content-type': 'application/json;charset=utf-8' })
          res.end(body)
        })
        .catch((err: unknown) => {
          record.outcome = `crash: ${String(err)}`
          res.writeHead(500, { 'content-type': 'application/json;charset=utf-8' })
          res.end(JSON.stringify({ RequestId: 'x', Code: 'InternalError', Message: 'crash' }))
        })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    port,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((err) => (err ? reject(err) : resolve()))
      }),
  }
}
