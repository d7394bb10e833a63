/**
 * Helpers of the XKS suites: a bridge process with its XKS endpoint on, and requests signed by
 * the npm `@smithy/signature-v4` signer (an independent SigV4 implementation).
 */
import { spawn } from 'node:child_process'
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { SignatureV4 } from '@smithy/signature-v4'

import { bridgeEnv, REPO_ROOT, type TokenFixture } from './helpers'

/** A SHA-256 / HMAC-SHA256 `Checksum` for @smithy/signature-v4 over node:crypto. */
export class NodeSha256 {
  private readonly h: ReturnType<typeof createHash> | ReturnType<typeof createHmac>
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h =
      secret === undefined
        ? createHash('sha256')
        : createHmac('sha256', typeof secret === 'string' ? secret : Buffer.from(secret as Uint8Array))
  }
  update(data: string | Uint8Array): void {
    this.h.update(data)
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest())
  }
  reset(): void {}
}

export const XKS_PREFIX = '/xks/test'
export const XKS_CRED = {
  accessKeyId: 'BETWEEN2TENAND3TENCHARACTERS',
  secretAccessKey: randomBytes(32).toString('base64'),
}
export const XKS_REGION = 'cn-hangzhou'

export interface XksBridge {
  url: string
  xksUrl: string
  pid: number
  kill(signal?: NodeJS.Signals): void
  exited: Promise<number | null>
  stop(): Promise<number | null>
}

/** Starts a bridge on `token` with its XKS endpoint (port from the ready lines). */
export function spawnXksBridge(token: TokenFixture, secret: string, ports: { port?: number; xksPort?: number } = {}): Promise<XksBridge> {
  const configFile = join(token.dir, 'xks.json')
  writeFileSync(configFile, JSON.stringify({ region: XKS_REGION, stores: [{ uriPrefix: XKS_PREFIX, credentials: [XKS_CRED] }] }), {
    mode: 0o600,
  })
  const env = bridgeEnv(token.setup, secret, {
    HSM_BRIDGE_PORT: String(ports.port ?? 0),
    HSM_BRIDGE_XKS_PORT: String(ports.xksPort ?? 0),
    HSM_BRIDGE_XKS_CONFIG_FILE: configFile,
  })
  const proc = spawn(process.execPath, ['--import', 'tsx', 'hsm-bridge/src/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)))
  return new Promise((resolve, reject) => {
    void exited.then((code) => reject(new Error(`bridge exited ${code}: ${err}`)))
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const ready = /hsm-bridge ready on (http:\/\/\S+)\n/.exec(out)
      const xks = /hsm-bridge xks endpoint on (http:\/\/\S+)\n/.exec(out)
      if (ready === null || xks === null) return
      resolve({
        url: ready[1]!,
        xksUrl: xks[1]!,
        pid: proc.pid!,
        exited,
        kill: (signal = 'SIGKILL') => void proc.kill(signal),
        async stop() {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM')
          return exited
        },
      })
    })
  })
}

export interface XksSignOptions {
  accessKeyId?: string
  secretAccessKey?: string
  service?: string
  region?: string
  signingDate?: Date
}

/** POSTs `body` to `{xksUrl}{XKS_PREFIX}/kms/xks/v1/{target}`, signed by @smithy/signature-v4. */
export async function xksPost(
  xksUrl: string,
  target: string,
  body: unknown,
  o: XksSignOptions & { prefix?: string; method?: string } = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const url = new URL(`${xksUrl}${o.prefix ?? XKS_PREFIX}/kms/xks/v1/${target}`)
  const payload = typeof body === 'string' ? body : JSON.stringify(body)
  const signer = new SignatureV4({
    service: o.service ?? 'kms-xks-proxy',
    region: o.region ?? XKS_REGION,
    credentials: {
      accessKeyId: o.accessKeyId ?? XKS_CRED.accessKeyId,
      secretAccessKey: o.secretAccessKey ?? XKS_CRED.secretAccessKey,
    },
    sha256: NodeSha256 as never,
  })
  const method = o.method ?? 'POST'
  const signed = await signer.sign(
    {
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      headers: { host: url.host, 'content-type': 'application/json' },
      ...(method === 'POST' ? { body: payload } : {}),
    },
    o.signingDate === undefined ? {} : { signingDate: o.signingDate },
  )
  const { host: _h, ...headers } = signed.headers as Record<string, string>
  const res = await fetch(url, { method, headers, ...(method === 'POST' ? { body: payload } : {}) })
  const text = await res.text()
  let json: Record<string, unknown> = {}
  try {
    json = JSON.parse(text) as Record<string, unknown>
  } catch {
    // status only
  }
  return { status: res.status, json }
}

export const META = {
  awsPrincipalArn: 'arn:acs:ram::1234:root',
  kmsKeyArn: 'acs:kms:cn-hangzhou:1234:key/k',
  kmsOperation: 'Encrypt',
  kmsRequestId: '4112f4d6-db54-4af4-ae30-c55a22a8dfae',
}
