/**
 * The rotation routes behind the real bridge HTTP server (request authentication, response
 * signing), in-process and without an HSM, plus the Worker-side client and every log line.
 */
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'

import { RotationBridgeClient } from '../../core/hsm-client/rotation.js'
import { createLogger } from '../src/log.js'
import { rotationRoutes, type RotationRouteOptions } from '../src/rotation/routes.js'
import { createServer } from '../src/server.js'

export interface RotationBridgeFixture {
  url: string
  secret: string
  client: RotationBridgeClient
  logs: string[]
  close(): Promise<void>
}

export async function startRotationBridge(options: RotationRouteOptions = {}): Promise<RotationBridgeFixture> {
  const secret = randomBytes(32).toString('hex')
  const logs: string[] = []
  const server = createServer({
    secret,
    routes: new Map(rotationRoutes(options)),
    health: () => ({ status: 'ok' }),
    logger: createLogger('debug', (line) => logs.push(line)),
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    secret,
    client: new RotationBridgeClient({ baseUrl: url, secret }),
    logs,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}
