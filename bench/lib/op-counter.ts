/**
 * A counting HTTP proxy in front of dynalite: the Worker's DYNAMODB_ENDPOINT points here, every
 * request is forwarded unchanged (keep-alive) and counted by its `X-Amz-Target` operation. Used to
 * learn exactly which store calls one API request makes (a few sequential requests per action on
 * a dedicated workerd), never during a measured phase.
 */
import { Agent, createServer, request as httpRequest, type Server } from 'node:http'

export interface OpCounter {
  endpoint: string
  reset(): void
  counts(): Record<string, number>
  stop(): Promise<void>
}

export async function startOpCounter(dynamoEndpoint: string): Promise<OpCounter> {
  const target = new URL(dynamoEndpoint)
  const agent = new Agent({ keepAlive: true, maxSockets: 16 })
  let counts: Record<string, number> = {}
  const server: Server = createServer((req, res) => {
    const op = String(req.headers['x-amz-target'] ?? 'unknown')
      .split('.')
      .pop()!
    counts[op] = (counts[op] ?? 0) + 1
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent, timeout: 10_000 },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      },
    )
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502)
      res.end()
    })
    req.pipe(upstream)
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()))
  const { port } = server.address() as { port: number }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    reset: () => {
      counts = {}
    },
    counts: () => ({ ...counts }),
    stop: () =>
      new Promise<void>((ok) => {
        agent.destroy()
        server.close(() => ok())
        server.closeAllConnections()
      }),
  }
}
