/**
 * The local stack: dynalite on disk, the Worker bundle (exactly what `wrangler deploy` ships)
 * served by workerd through Miniflare, and the bootstrap account and admin AccessKey.
 * Used by `npm start` (scripts/start.ts), the integration tests and the benchmark.
 *
 * State lives under the data dir:
 *   root-keys.json     the root key ring (0600) — the Worker secret KMS_ROOT_KEYS
 *   credentials.json   endpoint, regionId, accountId, accessKeyId, accessKeySecret,
 *                      httpsEndpoint, caCertPath (0600)
 *   tls/               the local CA certificate (ca.pem), the HTTPS server's certificate and key
 *   dynalite/          LevelDB files of the table
 *   local-admin-token  per-start token for local-only routes (`npm run cron`) (0600)
 *   hsm/               the SoftHSMv2 token (when SoftHSM backs the HSM bridge)
 *   hsm-bridge-secret  the Worker ↔ bridge request-signing secret (0600)
 *   build/             the bundled Worker (rebuilt when sources change)
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes as nodeRandomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, chmodSync } from 'node:fs'
import { request as httpRequest, Agent as HttpAgent, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import { createServer, connect } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { Log, LogLevel, Miniflare, type MiniflareOptions } from 'miniflare'
import type { Readable } from 'node:stream'
import { generateRootKeyRingJson, parseRootKeyRing, wrapUnderRoot } from '../../core/crypto/root-key'
import { utf8 } from '../../core/crypto/bytes'
import { accessKeySecretAad } from '../../core/domain/authenticate'
import { createStore } from '../../core/store'
import { findSoftHsmModule, initSoftHsm } from '../../hsm-bridge/scripts/init-softhsm'
import { ensureTable } from './create-table'
import { freePort } from './free-port'
import { ensureLocalTls } from './local-tls'
import { parseWranglerCompat } from './wrangler-compat'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const TSX = join(ROOT, 'node_modules/.bin/tsx')
const WRANGLER = join(ROOT, 'node_modules/.bin/wrangler')

export interface StackOptions {
  port: number
  /**
   * The HTTPS port (same Worker, TLS with the certificate under `<dataDir>/tls`); taken is an
   * error. `npm start` sets it from `KMS_HTTPS_PORT`.
   */
  httpsPort?: number
  /**
   * Without `httpsPort`: the port tried first (`npm start`: `KMS_PORT + 1`); when it is taken, or
   * without either, a free port is chosen (credentials.json and the start-up lines name it).
   */
  preferredHttpsPort?: number
  dataDir: string
  region?: string
  tableName?: string
  bootstrapAccessKeyId?: string
  bootstrapAccessKeySecret?: string
  /** Print child output (dynalite, workerd logs). */
  verbose?: boolean
  /** Extra Worker bindings. */
  bindings?: Record<string, string>
  /**
   * Start the HSM bridge: `auto` (default) when a PKCS#11 module is configured (HSM_MODULE) or
   * SoftHSMv2 is installed; `off` never.
   */
  hsm?: 'auto' | 'off'
  /** Receives workerd's stdout/stderr instead of the console (the torture run scans them). */
  workerStdio?: (stdout: Readable, stderr: Readable) => void
}

export interface HsmBridgeInfo {
  url: string
  secret: string
  modulePath: string
  tokenLabel: string
  /** Set when the bridge uses the stack's own SoftHSM token (tests inspect it). */
  softHsmConf?: string
  pin: string
  pid: number
  /** The bridge's XKS proxy endpoint (an EKM over the same token) and its generated credential. */
  xks?: XksProxyInfo
}

/** `<dataDir>/xks-proxy.json` (0600): the bridge's XKS configuration plus where it listens. */
export interface XksProxyInfo {
  /** `http://127.0.0.1:<port>` — `XksProxyUriEndpoint`. */
  endpoint: string
  /** `/xks/local/kms/xks/v1` — `XksProxyUriPath`. */
  uriPath: string
  accessKeyId: string
  secretAccessKey: string
}

export interface Credentials {
  endpoint: string
  regionId: string
  accountId: string
  accessKeyId: string
  accessKeySecret: string
  /** `https://127.0.0.1:<httpsPort>`: the same service over TLS (added after the five above). */
  httpsEndpoint: string
  /** The local CA certificate (PEM) that issued the HTTPS endpoint's certificate: trust it. */
  caCertPath: string
}

export interface RunningStack {
  endpoint: string
  /** The same Worker over HTTPS (see {@link Credentials.httpsEndpoint}). */
  httpsEndpoint: string
  caCertPath: string
  credentials: Credentials
  dataDir: string
  miniflare: Miniflare
  dynamoEndpoint: string
  tableName: string
  /** The HSM bridge, when one runs. */
  hsm?: HsmBridgeInfo
  /**
   * The options the Worker was started with: `miniflare.setOptions(miniflareOptions)` respawns a
   * killed workerd; `new Miniflare({ ...miniflareOptions, port })` serves a second isolate.
   */
  miniflareOptions: MiniflareOptions
  /** Runs the Worker's scheduled handler once (as the platform's cron would). */
  runScheduled(cron?: string, scheduledTime?: number): Promise<void>
  stop(): Promise<void>
}

export class StackError extends Error {}

export function readStackConfig(env: NodeJS.ProcessEnv = process.env): StackOptions {
  const port = Number(env.KMS_PORT ?? 8787)
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new StackError(`KMS_PORT must be a TCP port, got "${env.KMS_PORT}".`)
  const httpsPort = env.KMS_HTTPS_PORT === undefined ? undefined : Number(env.KMS_HTTPS_PORT)
  if (httpsPort !== undefined && (!Number.isInteger(httpsPort) || httpsPort < 1 || httpsPort > 65535 || httpsPort === port)) {
    throw new StackError(`KMS_HTTPS_PORT must be a TCP port other than KMS_PORT, got "${env.KMS_HTTPS_PORT}".`)
  }
  return {
    port,
    ...(httpsPort !== undefined ? { httpsPort } : port < 65535 ? { preferredHttpsPort: port + 1 } : {}),
    dataDir: resolve(env.KMS_DATA_DIR ?? join(ROOT, '.data')),
    region: env.KMS_REGION,
    bootstrapAccessKeyId: env.KMS_BOOTSTRAP_ACCESS_KEY_ID,
    bootstrapAccessKeySecret: env.KMS_BOOTSTRAP_ACCESS_KEY_SECRET,
    verbose: env.KMS_VERBOSE === '1',
    hsm: env.KMS_HSM === 'off' ? 'off' : 'auto',
  }
}

/** Reads `$KMS_DATA_DIR/credentials.json` of a running (or previously started) stack. */
export function readCredentials(dataDir: string): Credentials {
  const file = join(dataDir, 'credentials.json')
  if (!existsSync(file)) throw new StackError(`No credentials at ${file}: start the stack with \`npm start\` first.`)
  return JSON.parse(readFileSync(file, 'utf8')) as Credentials
}

async function assertPortFree(port: number, variable = 'KMS_PORT'): Promise<void> {
  await new Promise<void>((ok, fail) => {
    const server = createServer()
    server.once('error', (err: NodeJS.ErrnoException) => {
      fail(
        new StackError(
          err.code === 'EADDRINUSE'
            ? `Port ${port} on 127.0.0.1 is already in use. Stop what uses it or set ${variable} to another port.`
            : `Cannot listen on 127.0.0.1:${port}: ${err.message}`,
        ),
      )
    })
    server.listen(port, '127.0.0.1', () => server.close(() => ok()))
  })
}

export { freePort }

async function waitForPort(port: number, child: ChildProcess, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new StackError(`${what} exited during start-up (code ${child.exitCode}).`)
    const ok = await new Promise<boolean>((done) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        done(true)
      })
      socket.once('error', () => done(false))
    })
    if (ok) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new StackError(`${what} did not start listening within ${timeoutMs} ms.`)
}

function writeSecretFile(file: string, content: string): void {
  writeFileSync(file, content, { mode: 0o600 })
  chmodSync(file, 0o600)
}

function loadOrCreateRootKeys(dataDir: string): string {
  const file = join(dataDir, 'root-keys.json')
  if (!existsSync(file)) writeSecretFile(file, generateRootKeyRingJson())
  const json = readFileSync(file, 'utf8')
  parseRootKeyRing(json)
  return json
}

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path))
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs)
  }
  return newest
}

/**
 * Bundles the Worker with `wrangler deploy --dry-run`, i.e. byte for byte what a deployment
 * ships. Skipped when the bundle is newer than every source file and the wrangler config.
 */
export async function buildWorker(outDir: string, verbose = false): Promise<string> {
  const bundle = join(outDir, 'index.js')
  const sources = Math.max(
    newestMtime(join(ROOT, 'functions')),
    newestMtime(join(ROOT, 'core')),
    newestMtime(join(ROOT, 'console')),
    statSync(join(ROOT, 'wrangler.toml')).mtimeMs,
    statSync(join(ROOT, 'package.json')).mtimeMs,
  )
  if (existsSync(bundle) && statSync(bundle).mtimeMs > sources) return bundle
  mkdirSync(outDir, { recursive: true })
  await new Promise<void>((ok, fail) => {
    const child = spawn(WRANGLER, ['deploy', '--dry-run', '--outdir', outDir], {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: process.env.CI ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout!.on('data', (d) => (output += d))
    child.stderr!.on('data', (d) => (output += d))
    child.once('error', fail)
    child.once('exit', (code) => {
      if (verbose) process.stderr.write(output)
      if (code === 0) ok()
      else fail(new StackError(`Building the Worker failed (wrangler exit ${code}):\n${output.slice(-4000)}`))
    })
  })
  return bundle
}

function randomAlnum(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  const bytes = nodeRandomBytes(length * 2)
  let out = ''
  for (const b of bytes) {
    if (b < 248) out += alphabet[b % 62]
    if (out.length === length) break
  }
  return out
}

function readWranglerConfig(): { compatibilityDate: string; compatibilityFlags: string[] } {
  try {
    return parseWranglerCompat(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'))
  } catch (err) {
    throw new StackError((err as Error).message)
  }
}

/** Resolves once the bridge prints its ready line; fails if it exits or takes over 30 s. */
function waitForBridgeReady(bridge: ChildProcess, what: 'start' | 'restart'): Promise<void> {
  return new Promise<void>((ok, fail) => {
    let out = ''
    const timer = setTimeout(() => fail(new StackError(`The HSM bridge did not ${what} within 30 s.`)), 30_000)
    bridge.stdout!.on('data', (d) => {
      out += d
      if (out.includes('hsm-bridge ready on')) {
        clearTimeout(timer)
        ok()
      }
    })
    bridge.once('exit', (code) => {
      clearTimeout(timer)
      fail(
        new StackError(
          `The HSM bridge exited during ${what === 'start' ? 'start-up' : 'restart'} (code ${code}); run with KMS_VERBOSE=1 to see why.`,
        ),
      )
    })
  })
}

/**
 * Starts the hsm-bridge when a PKCS#11 module is available: the one named by HSM_MODULE (with
 * HSM_TOKEN_LABEL / HSM_PIN or HSM_PIN_FILE, e.g. a network HSM's library), or else SoftHSMv2
 * with a token initialised under `<dataDir>/hsm` on first start. Returns undefined without one.
 */
async function startHsmBridge(dataDir: string, children: ChildProcess[], verbose: boolean): Promise<HsmBridgeInfo | undefined> {
  let modulePath = process.env.HSM_MODULE
  let tokenLabel = process.env.HSM_TOKEN_LABEL ?? 'edge-kms'
  let pinEnv: Record<string, string>
  let pin: string
  let softHsmConf: string | undefined
  if (modulePath) {
    const pinValue = process.env.HSM_PIN ?? (process.env.HSM_PIN_FILE ? readFileSync(process.env.HSM_PIN_FILE, 'utf8').trim() : undefined)
    if (!pinValue) throw new StackError('HSM_MODULE is set but neither HSM_PIN nor HSM_PIN_FILE is.')
    pin = pinValue
    pinEnv = { HSM_PIN: pinValue }
  } else {
    modulePath = findSoftHsmModule()
    if (!modulePath) return undefined
    const setup = await initSoftHsm(join(dataDir, 'hsm'))
    tokenLabel = setup.tokenLabel
    pin = setup.pin
    softHsmConf = setup.conf
    pinEnv = { HSM_PIN_FILE: setup.pinFile, SOFTHSM2_CONF: setup.conf }
  }
  const secretFile = join(dataDir, 'hsm-bridge-secret')
  if (!existsSync(secretFile)) writeSecretFile(secretFile, nodeRandomBytes(32).toString('hex'))
  const secret = readFileSync(secretFile, 'utf8').trim()
  const port = await freePort()
  const xks = await xksProxyConfig(dataDir, `http://127.0.0.1:${port}`)
  const { HSM_PIN: _p, HSM_PIN_FILE: _f, ...parentEnv } = process.env
  const bridge = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'hsm-bridge/src/main.ts')], {
    cwd: ROOT,
    env: {
      ...parentEnv,
      ...pinEnv,
      ...xksEnv(dataDir, xks),
      HSM_MODULE: modulePath,
      HSM_TOKEN_LABEL: tokenLabel,
      HSM_BRIDGE_HOST: '127.0.0.1',
      HSM_BRIDGE_PORT: String(port),
      HSM_BRIDGE_SECRET_FILE: secretFile,
      HSM_BRIDGE_EXIT_WITH_STDIN: '1',
      HSM_BRIDGE_LOG_LEVEL: verbose ? 'info' : 'error',
      UV_THREADPOOL_SIZE: '8',
    },
    stdio: ['pipe', 'pipe', verbose ? 'inherit' : 'ignore'],
  })
  children.push(bridge)
  await waitForBridgeReady(bridge, 'start')
  bridge.stdout!.resume()
  return { url: `http://127.0.0.1:${port}`, secret, modulePath, tokenLabel, softHsmConf, pin, pid: bridge.pid!, xks }
}

/**
 * The bridge's XKS endpoint: a generated SigV4 credential (kept across restarts) and a free
 * loopback port (`KMS_XKS_PORT` to pin it), written to `<dataDir>/xks-proxy.json` (0600), which
 * is also the bridge's HSM_BRIDGE_XKS_CONFIG_FILE. Nothing is created in the EKM.
 */
async function xksProxyConfig(dataDir: string, bridgeUrl: string): Promise<XksProxyInfo> {
  const file = join(dataDir, 'xks-proxy.json')
  let previous: Partial<XksProxyInfo> = {}
  try {
    previous = JSON.parse(readFileSync(file, 'utf8')) as Partial<XksProxyInfo>
  } catch {
    // first start
  }
  const base32 = (n: number) => Array.from(nodeRandomBytes(n), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[b & 31]).join('')
  const accessKeyId = previous.accessKeyId ?? base32(24)
  const secretAccessKey = previous.secretAccessKey ?? nodeRandomBytes(32).toString('base64')
  const port = process.env.KMS_XKS_PORT ? Number(process.env.KMS_XKS_PORT) : await freePort()
  const info: XksProxyInfo = { endpoint: `http://127.0.0.1:${port}`, uriPath: '/xks/local/kms/xks/v1', accessKeyId, secretAccessKey }
  // `bridgeUrl`: where scripts/xks-key.ts reaches the bridge's EKM admin routes (this start only).
  const config = { ...info, bridgeUrl, stores: [{ uriPrefix: '/xks/local', credentials: [{ accessKeyId, secretAccessKey }] }] }
  writeSecretFile(file, JSON.stringify(config, null, 2))
  return info
}

function xksEnv(dataDir: string, xks: XksProxyInfo | undefined): Record<string, string> {
  if (!xks) return {}
  return {
    HSM_BRIDGE_XKS_HOST: '127.0.0.1',
    HSM_BRIDGE_XKS_PORT: new URL(xks.endpoint).port,
    HSM_BRIDGE_XKS_CONFIG_FILE: join(resolve(dataDir), 'xks-proxy.json'),
  }
}

/**
 * Restarts a stack's HSM bridge after it died (tests `kill -9` it): same module, token, PIN,
 * secret and port as {@link startStack} used. The new process belongs to the caller, who stops
 * it. By default it exits when the caller's process does (its stdin closes); with `detached` it
 * outlives the caller (e.g. a test worker) and its pid is written to
 * `<dataDir>/hsm-bridge-restarted.pid` for whoever tears the stack down.
 *
 * @throws {StackError} when the bridge does not come up within 30 s.
 */
export async function restartHsmBridge(
  dataDir: string,
  hsm: HsmBridgeInfo,
  options: { verbose?: boolean; detached?: boolean } = {},
): Promise<{ child: ChildProcess; pid: number }> {
  const verbose = !!options.verbose
  const detached = !!options.detached
  const port = new URL(hsm.url).port
  const pinEnv: Record<string, string> = hsm.softHsmConf
    ? { HSM_PIN_FILE: join(resolve(dataDir), 'hsm', 'user.pin'), SOFTHSM2_CONF: hsm.softHsmConf }
    : { HSM_PIN: hsm.pin }
  const { HSM_PIN: _p, HSM_PIN_FILE: _f, ...parentEnv } = process.env
  const bridge = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'hsm-bridge/src/main.ts')], {
    cwd: ROOT,
    env: {
      ...parentEnv,
      ...pinEnv,
      ...xksEnv(dataDir, hsm.xks),
      HSM_MODULE: hsm.modulePath,
      HSM_TOKEN_LABEL: hsm.tokenLabel,
      HSM_BRIDGE_HOST: '127.0.0.1',
      HSM_BRIDGE_PORT: port,
      HSM_BRIDGE_SECRET_FILE: join(resolve(dataDir), 'hsm-bridge-secret'),
      ...(detached ? {} : { HSM_BRIDGE_EXIT_WITH_STDIN: '1' }),
      HSM_BRIDGE_LOG_LEVEL: verbose ? 'info' : 'error',
      UV_THREADPOOL_SIZE: '8',
    },
    stdio: [detached ? 'ignore' : 'pipe', 'pipe', verbose && !detached ? 'inherit' : 'ignore'],
    detached,
  })
  await waitForBridgeReady(bridge, 'restart')
  if (detached) {
    writeFileSync(join(resolve(dataDir), 'hsm-bridge-restarted.pid'), String(bridge.pid))
    bridge.stdout!.destroy()
    bridge.unref()
  } else {
    bridge.stdout!.resume()
  }
  return { child: bridge, pid: bridge.pid! }
}

// Hop-by-hop headers (RFC 9110 §7.6.1) are the front's own business, not forwarded; so is
// `Expect: 100-continue`, which the front's server has already answered.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'expect'])
const HOST_HEADER = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/

function frontError(res: ServerResponse, status: number, code: string, message: string): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' })
  res.end(JSON.stringify({ RequestId: randomRequestId(), HostId: 'kms', Code: code, Message: message }))
}

function randomRequestId(): string {
  const h = nodeRandomBytes(16).toString('hex').toUpperCase()
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/**
 * The HTTPS listener: terminates TLS and hands each request, unchanged (same method, target,
 * headers — `Host` included, which ACS3 signs — and body), to the Worker's HTTP listener, with
 * Miniflare's `MF-Original-URL` set to `https://<Host><target>` so that the Worker sees the
 * https URL (`acs:SecureTransport` is read from it). Any `MF-*` header a client sends is dropped.
 * Responses come back unchanged.
 */
async function startHttpsFront(httpsPort: number, workerPort: number, tls: { key: string; cert: string }): Promise<HttpsServer> {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 256 })
  const server = createHttpsServer({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' }, (req: IncomingMessage, res: ServerResponse) => {
    const host = req.headers.host ?? `127.0.0.1:${httpsPort}`
    const target = req.url ?? '/'
    if (!HOST_HEADER.test(host) || !target.startsWith('/')) {
      frontError(res, 400, 'InvalidParameter', 'The Host header or the request target is malformed.')
      return
    }
    const headers: string[] = []
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!
      const lower = name.toLowerCase()
      if (lower.startsWith('mf-') || HOP_BY_HOP.has(lower)) continue
      headers.push(name, req.rawHeaders[i + 1]!)
    }
    // Chunked bodies stay chunked (Node re-chunks a body of unknown length).
    if (req.headers['transfer-encoding'] !== undefined) headers.push('Transfer-Encoding', 'chunked')
    headers.push('MF-Original-URL', `https://${host}${target}`)
    const upstream = httpRequest(
      { host: '127.0.0.1', port: workerPort, method: req.method, path: target, headers, agent, setHost: false },
      (answer) => {
        const out: string[] = []
        for (let i = 0; i + 1 < answer.rawHeaders.length; i += 2) {
          if (!HOP_BY_HOP.has(answer.rawHeaders[i]!.toLowerCase())) out.push(answer.rawHeaders[i]!, answer.rawHeaders[i + 1]!)
        }
        res.writeHead(answer.statusCode ?? 502, out)
        answer.pipe(res)
      },
    )
    upstream.on('error', () => frontError(res, 503, 'ServiceUnavailable', 'The service is not available; try again.'))
    req.on('error', () => upstream.destroy())
    req.pipe(upstream)
  })
  server.headersTimeout = 10_000
  server.requestTimeout = 60_000
  await new Promise<void>((ok, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      fail(
        new StackError(
          err.code === 'EADDRINUSE'
            ? `Port ${httpsPort} on 127.0.0.1 is already in use. Set KMS_HTTPS_PORT to another port.`
            : `Cannot listen on 127.0.0.1:${httpsPort}: ${err.message}`,
        ),
      ),
    )
    server.listen(httpsPort, '127.0.0.1', () => ok())
  })
  server.on('close', () => agent.destroy())
  return server
}

/** Starts dynalite, ensures the table and bootstrap identity, and serves the Worker. */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const dataDir = resolve(options.dataDir)
  const region = options.region ?? 'cn-hangzhou'
  const tableName = options.tableName ?? 'edge-kms'
  mkdirSync(dataDir, { recursive: true })
  await assertPortFree(options.port)
  let httpsPort: number
  if (options.httpsPort !== undefined) {
    await assertPortFree(options.httpsPort, 'KMS_HTTPS_PORT')
    httpsPort = options.httpsPort
  } else {
    const preferred = options.preferredHttpsPort
    const free =
      preferred !== undefined &&
      preferred !== options.port &&
      (await assertPortFree(preferred).then(
        () => true,
        () => false,
      ))
    httpsPort = free ? preferred! : await freePort()
  }
  let tls: ReturnType<typeof ensureLocalTls>
  try {
    tls = ensureLocalTls(dataDir)
  } catch (err) {
    throw new StackError((err as Error).message)
  }
  for (const bin of [TSX, WRANGLER]) {
    if (!existsSync(bin)) throw new StackError(`Missing ${bin}: run \`npm install\` first.`)
  }
  const rootKeysJson = loadOrCreateRootKeys(dataDir)
  const rootKeys = parseRootKeyRing(rootKeysJson)

  const dynamoPort = await freePort()
  mkdirSync(join(dataDir, 'dynalite'), { recursive: true })
  const dynalite = spawn(TSX, [join(ROOT, 'scripts/lib/dynalite-server.ts'), String(dynamoPort), join(dataDir, 'dynalite')], {
    cwd: ROOT,
    stdio: ['pipe', options.verbose ? 'inherit' : 'ignore', 'inherit'],
  })
  const children: ChildProcess[] = [dynalite]
  let miniflare: Miniflare | undefined
  let httpsFront: HttpsServer | undefined
  const stop = async () => {
    if (httpsFront) {
      const front = httpsFront
      httpsFront = undefined
      await new Promise<void>((done) => {
        front.close(() => done())
        front.closeAllConnections()
      })
    }
    if (miniflare) await miniflare.dispose().catch(() => {})
    miniflare = undefined
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        await new Promise<void>((done) => {
          const timer = setTimeout(() => {
            child.kill('SIGKILL')
            done()
          }, 3000)
          child.once('exit', () => {
            clearTimeout(timer)
            done()
          })
        })
      }
    }
  }
  try {
    await waitForPort(dynamoPort, dynalite, 'dynalite')
    const dynamoEndpoint = `http://127.0.0.1:${dynamoPort}`
    const client = new DynamoDBClient({
      endpoint: dynamoEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    })
    await ensureTable(client, tableName)
    const store = createStore(client, tableName)

    const endpoint = `http://127.0.0.1:${options.port}`
    const credentialsFile = join(dataDir, 'credentials.json')
    const previous = existsSync(credentialsFile) ? (JSON.parse(readFileSync(credentialsFile, 'utf8')) as Credentials) : undefined
    const accountId =
      previous?.accountId ?? String(1_000_000_000_000_000n + (BigInt(`0x${nodeRandomBytes(7).toString('hex')}`) % 9_000_000_000_000_000n))
    const accessKeyId = options.bootstrapAccessKeyId ?? previous?.accessKeyId ?? `LTAI${randomAlnum(20)}`
    const accessKeySecret =
      options.bootstrapAccessKeySecret ?? (accessKeyId === previous?.accessKeyId ? previous.accessKeySecret : randomAlnum(30))
    await store.credentials.ensureAccount({ accountId, createdAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') })
    const existing = await store.credentials.getAccessKey(accessKeyId)
    if (existing && existing.accountId !== accountId) {
      throw new StackError(`The bootstrap AccessKey ${accessKeyId} belongs to another account in this data dir.`)
    }
    // The bootstrap admin key is (re)written from configuration on every start.
    await store.credentials.putAccessKey({
      accessKeyId,
      accountId,
      principal: 'root',
      status: 'Active',
      wrappedSecret: await wrapUnderRoot(rootKeys, utf8(accessKeySecret), accessKeySecretAad(accessKeyId)),
      createdAt: existing?.createdAt ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    })
    const httpsEndpoint = `https://127.0.0.1:${httpsPort}`
    const credentials: Credentials = {
      endpoint,
      regionId: region,
      accountId,
      accessKeyId,
      accessKeySecret,
      httpsEndpoint,
      caCertPath: tls.caCertPath,
    }
    writeSecretFile(credentialsFile, `${JSON.stringify(credentials, null, 2)}\n`)

    const hsm = options.hsm === 'off' ? undefined : await startHsmBridge(dataDir, children, !!options.verbose)
    const adminToken = nodeRandomBytes(24).toString('hex')
    writeSecretFile(join(dataDir, 'local-admin-token'), adminToken)
    const bundle = await buildWorker(join(dataDir, 'build'), options.verbose)
    const { compatibilityDate, compatibilityFlags } = readWranglerConfig()
    const miniflareOptions: MiniflareOptions = {
      host: '127.0.0.1',
      port: options.port,
      modules: true,
      scriptPath: bundle,
      modulesRoot: dirname(bundle),
      compatibilityDate,
      compatibilityFlags,
      // No Request.cf fetch from workers.cloudflare.com: the machine is offline and it is not needed.
      cf: false,
      log: new Log(options.verbose ? LogLevel.DEBUG : LogLevel.WARN),
      bindings: {
        KMS_REGION: region,
        DYNAMODB_TABLE: tableName,
        DYNAMODB_ENDPOINT: dynamoEndpoint,
        DYNAMODB_REGION: 'us-east-1',
        KMS_ROOT_KEYS: rootKeysJson,
        KMS_LOCAL_MODE: 'true',
        KMS_LOCAL_ADMIN_TOKEN: adminToken,
        ...(hsm ? { HSM_BRIDGE_URL: hsm.url, HSM_BRIDGE_SECRET: hsm.secret } : {}),
        ...(options.bindings ?? {}),
      },
      ...(options.workerStdio ? { handleRuntimeStdio: options.workerStdio } : {}),
    }
    miniflare = new Miniflare(miniflareOptions)
    await miniflare.ready
    const mf = miniflare
    httpsFront = await startHttpsFront(httpsPort, options.port, tls)
    return {
      endpoint,
      httpsEndpoint,
      caCertPath: tls.caCertPath,
      credentials,
      dataDir,
      miniflare: mf,
      miniflareOptions,
      dynamoEndpoint,
      tableName,
      hsm,
      async runScheduled(cron = '* * * * *', scheduledTime = Date.now()) {
        const worker = await mf.getWorker()
        await worker.scheduled({ cron, scheduledTime: new Date(scheduledTime) })
      },
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}
