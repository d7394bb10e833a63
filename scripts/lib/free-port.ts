/**
 * A free TCP port on 127.0.0.1. Its own module so that tools which must not load Miniflare
 * (importing scripts/lib/stack.ts replaces the global fetch) can use it too.
 */
import { createServer } from 'node:net'

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => ok(port))
    })
  })
}
