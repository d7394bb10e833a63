/**
 * An example rotation function for generic secrets (core/domain/secrets/rotation/function.ts):
 * a tiny Node HTTP server that verifies the request signature and, on `createSecret`, answers a
 * new random value. `setSecret` / `testSecret` / `finishSecret` are where a real function would
 * install the value on its target, check it, and clean up; here they only acknowledge.
 *
 *   ROTATION_SIGNING_KEY=<the ACSCurrent value of the signing secret> \
 *   PORT=9199 npx tsx scripts/rotation-function-example.ts
 *
 * Signature: `X-Kms-Rotation-Signature: v1=<hex HMAC-SHA256(key, "<timestamp>.<body>")>` with
 * `X-Kms-Rotation-Timestamp` (epoch seconds, refused when more than 5 minutes off). Never logs a
 * value. `startRotationFunction` is exported for tests (with a `mode` to simulate failures).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export type FunctionMode = 'ok' | 'fail500' | 'timeout' | 'failSetOnce'

export interface RotationFunction {
  url: string
  calls: Array<{ step: string; token: string }>
  mode: FunctionMode
  close(): Promise<void>
}

function verify(key: string, timestamp: string | undefined, signature: string | undefined, body: string): boolean {
  if (!timestamp || !signature || !/^[0-9]{1,12}$/.test(timestamp)) return false
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false
  const expected = Buffer.from(`v1=${createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex')}`)
  const given = Buffer.from(signature)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

export async function startRotationFunction(key: string, port = 0, mode: FunctionMode = 'ok'): Promise<RotationFunction> {
  const fn: RotationFunction = { url: '', calls: [], mode, close: async () => undefined }
  const values = new Map<string, string>()
  let setFailed = false
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const ts = req.headers['x-kms-rotation-timestamp'] as string | undefined
      const sig = req.headers['x-kms-rotation-signature'] as string | undefined
      if (req.method !== 'POST' || !verify(key, ts, sig, body)) {
        res.writeHead(401).end('{"error":"bad signature"}')
        return
      }
      const msg = JSON.parse(body) as { Step: string; ClientRequestToken: string; PendingSecretData?: string }
      fn.calls.push({ step: msg.Step, token: msg.ClientRequestToken })
      if (fn.mode === 'timeout') return // never answers; the engine times out
      if (fn.mode === 'fail500') {
        res.writeHead(500).end('{"error":"boom"}')
        return
      }
      if (fn.mode === 'failSetOnce' && msg.Step === 'setSecret' && !setFailed) {
        setFailed = true
        res.writeHead(503).end('{"error":"target unavailable"}')
        return
      }
      if (msg.Step === 'createSecret') {
        // Idempotent per token, as AWS's template is: a retried createSecret gets the same value.
        let value = values.get(msg.ClientRequestToken)
        if (!value) {
          value = JSON.stringify({ password: randomBytes(18).toString('base64url') })
          values.set(msg.ClientRequestToken, value)
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ SecretData: value }))
        return
      }
      if (msg.Step === 'testSecret' && msg.PendingSecretData !== values.get(msg.ClientRequestToken)) {
        res.writeHead(409).end('{"error":"pending value is not the one created"}')
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  fn.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rotate`
  fn.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return fn
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const key = process.env.ROTATION_SIGNING_KEY
  if (!key) {
    console.error('Set ROTATION_SIGNING_KEY to the ACSCurrent value of the signing secret.')
    process.exit(2)
  }
  const fn = await startRotationFunction(key, Number(process.env.PORT ?? 9199))
  console.log(`Rotation function at ${fn.url}`)
}
