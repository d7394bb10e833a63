/**
 * @module scripts/xks-key
 *
 * `npm run xks-key -- create|enable|disable <externalKeyId>` — administers a key of the local
 * stack's EKM (the hsm-bridge's XKS endpoint over its SoftHSM token): create an AES-256 key, or
 * flip its XKS keyStatus. Reads `$KMS_DATA_DIR/xks-proxy.json` (the bridge's address) and
 * `$KMS_DATA_DIR/hsm-bridge-secret`; the stack must be running. Prints the answer's JSON
 * (`{"keyStatus":"ENABLED","created":true}`); nothing secret.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const dataDir = resolve(process.env.KMS_DATA_DIR ?? join(ROOT, '.data'))
const [action, id] = process.argv.slice(2)
if (!['create', 'enable', 'disable'].includes(action ?? '') || !id) {
  process.stderr.write('usage: npm run xks-key -- create|enable|disable <externalKeyId>\n')
  process.exit(2)
}
const { bridgeUrl } = JSON.parse(readFileSync(join(dataDir, 'xks-proxy.json'), 'utf8')) as { bridgeUrl: string }
const secret = readFileSync(join(dataDir, 'hsm-bridge-secret'), 'utf8').trim()
const path = `/v1/xks/keys/${action}`
const body = JSON.stringify({ id })
const date = String(Date.now())
const nonce = randomBytes(16).toString('hex')
const signature = createHmac('sha256', secret)
  .update(`POST\n${path}\n${date}\n${nonce}\n${createHash('sha256').update(body).digest('hex')}`)
  .digest('hex')
const res = await fetch(`${bridgeUrl}${path}`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-bridge-date': date, 'x-bridge-nonce': nonce, 'x-bridge-signature': signature },
  body,
})
process.stdout.write(`${await res.text()}\n`)
process.exit(res.status === 200 ? 0 : 1)
