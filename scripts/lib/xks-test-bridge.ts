/**
 * @module scripts/lib/xks-test-bridge
 *
 * Used by scripts/xks-test-client.sh: starts a throwaway hsm-bridge on a fresh SoftHSMv2 token
 * in a temp directory with its XKS endpoint on a free loopback port, creates the XKS keys named
 * on the command line, prints one line `XKS_PROXY_HOST=127.0.0.1:<port>` and keeps running
 * until stdin closes (or SIGTERM), then removes the token. The URI prefix and the credential
 * come from URI_PREFIX, SIGV4_ACCESS_KEY_ID and SIGV4_SECRET_ACCESS_KEY.
 *
 * Usage: node --import tsx scripts/lib/xks-test-bridge.ts <keyId>...
 */
import { spawn } from 'node:child_process'
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import { initSoftHsm } from '../../hsm-bridge/scripts/init-softhsm'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const prefix = process.env.URI_PREFIX ?? 'example/uri/path/prefix'
const accessKeyId = process.env.SIGV4_ACCESS_KEY_ID ?? 'BETWEEN2TENAND3TENCHARACTERS'
const secretAccessKey = process.env.SIGV4_SECRET_ACCESS_KEY ?? 'PleaseReplaceThisWithSomeSecretOfLength43To64'
const keyIds = process.argv.slice(2)

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'xks-test-bridge-'))
  const setup = await initSoftHsm(dir)
  const secret = randomBytes(32).toString('hex')
  const configFile = join(dir, 'xks.json')
  writeFileSync(
    configFile,
    JSON.stringify({ stores: [{ uriPrefix: `/${prefix}`.replace(/\/+$/, ''), credentials: [{ accessKeyId, secretAccessKey }] }] }),
    { mode: 0o600 },
  )
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'hsm-bridge/src/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      SOFTHSM2_CONF: setup.conf,
      HSM_MODULE: setup.modulePath,
      HSM_TOKEN_LABEL: setup.tokenLabel,
      HSM_PIN_FILE: setup.pinFile,
      HSM_BRIDGE_SECRET: secret,
      HSM_BRIDGE_HOST: '127.0.0.1',
      HSM_BRIDGE_PORT: '0',
      HSM_BRIDGE_XKS_PORT: '0',
      HSM_BRIDGE_XKS_CONFIG_FILE: configFile,
      HSM_BRIDGE_LOG_LEVEL: process.env.HSM_BRIDGE_LOG_LEVEL ?? 'error',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const cleanup = (): void => {
    child.kill('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  }
  process.on('SIGTERM', () => (cleanup(), process.exit(0)))
  process.stdin.on('close', () => (cleanup(), process.exit(0)))
  process.stdin.resume()
  let out = ''
  const urls = await new Promise<{ api: string; xks: string }>((res, rej) => {
    child.once('exit', (code) => rej(new Error(`bridge exited ${code}`)))
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const api = /hsm-bridge ready on (http:\/\/\S+)\n/.exec(out)
      const xks = /hsm-bridge xks endpoint on (http:\/\/\S+)\n/.exec(out)
      if (api && xks) res({ api: api[1]!, xks: xks[1]! })
    })
  })
  for (const id of keyIds) {
    const path = '/v1/xks/keys/create'
    const body = JSON.stringify({ id })
    const date = String(Date.now())
    const nonce = randomBytes(16).toString('hex')
    const hash = createHash('sha256').update(body).digest('hex')
    const signature = createHmac('sha256', secret).update(`POST\n${path}\n${date}\n${nonce}\n${hash}`).digest('hex')
    const res = await fetch(`${urls.api}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bridge-date': date, 'x-bridge-nonce': nonce, 'x-bridge-signature': signature },
      body,
    })
    if (res.status !== 200) throw new Error(`creating XKS key ${id} failed: ${res.status}`)
  }
  process.stdout.write(`XKS_PROXY_HOST=${new URL(urls.xks).host}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`xks-test-bridge: ${(err as Error).message}\n`)
  process.exit(1)
})
