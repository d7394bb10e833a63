/**
 * @module hsm-bridge/bridge
 *
 * Wires configuration, the PKCS#11 module, the session pool, the operations and the HTTP server
 * together. `main.ts` runs it as a process; tests can run it in-process with a wrapped module.
 */

import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import type { BridgeConfig } from './config.js'
import { createLogger, type Logger } from './log.js'
import { asymmetricDecrypt } from './ops/asymmetric-decrypt.js'
import { KeyedMutex, type OpContext } from './ops/context.js'
import { decrypt } from './ops/decrypt.js'
import { destroyKey } from './ops/destroy-key.js'
import { encrypt } from './ops/encrypt.js'
import { generateKey } from './ops/generate-key.js'
import { getPublicKey } from './ops/get-public-key.js'
import { health } from './ops/health.js'
import { listKeys } from './ops/list-keys.js'
import { generateMac } from './ops/generate-mac.js'
import { verifyMac } from './ops/verify-mac.js'
import { sign } from './ops/sign.js'
import { verify } from './ops/verify.js'
import { Pkcs11Module, type Pkcs11Api } from './pkcs11/module.js'
import { SessionPool } from './pkcs11/session-pool.js'
import { rotationRoutes } from './rotation/routes.js'
import { createServer, type Route } from './server.js'
import type { Body } from './validate.js'
import type { XksConfig } from './xks/config.js'
import { xksRoutes } from './xks/routes.js'
import { createXksServer } from './xks/server.js'

export interface BridgeOptions {
  config: BridgeConfig
  logger?: Logger
  /** The PKCS#11 binding; defaults to a fresh pkcs11js `PKCS11`. */
  pkcs11?: Pkcs11Api
  /** Called when the HSM refuses the PIN during recovery; the process should exit. */
  onFatal?: (err: Error) => void
  /** The XKS proxy endpoint (xks/server.ts), when configured. */
  xks?: XksConfig
}

export interface Bridge {
  readonly server: Server
  readonly pool: SessionPool
  /** The XKS proxy listener, when configured. */
  readonly xksServer: Server | undefined
  /** Its address once started. */
  xksAddress(): AddressInfo | undefined
  /**
   * Opens the HSM sessions, then listens.
   *
   * @throws {FatalHsmError} for unusable HSM configuration (library, token, PIN).
   * @throws {Error} when the port cannot be bound.
   */
  start(): Promise<AddressInfo>
  /**
   * Stops accepting requests, lets in-flight ones finish (bounded), finalizes the library.
   *
   * @throws never
   */
  close(): Promise<void>
}

/**
 * Builds a bridge from `options` (nothing is opened until `start`).
 *
 * @throws never
 */
export function createBridge(options: BridgeOptions): Bridge {
  const { config } = options
  const logger = options.logger ?? createLogger(config.logLevel)
  const module = new Pkcs11Module(config.modulePath, options.pkcs11)
  const pool = new SessionPool(module, {
    size: config.poolSize,
    selector: { slot: config.slot, tokenLabel: config.tokenLabel },
    pin: config.pin,
    logger,
    drainTimeoutMs: config.opTimeoutMs + 1000,
    ...(options.onFatal === undefined ? {} : { onFatal: options.onFatal }),
  })
  const ctx: OpContext = {
    pool,
    opTimeoutMs: config.opTimeoutMs,
    generateTimeoutMs: config.generateTimeoutMs,
    locks: new KeyedMutex(),
    capabilities: { oaepSha256: 'unknown' },
  }
  const op =
    (fn: (ctx: OpContext, body: Body) => Promise<unknown>): Route =>
    (body) =>
      fn(ctx, body)
  const routes = new Map<string, Route>([
    ['/v1/keys/generate', op(generateKey)],
    ['/v1/keys/encrypt', op(encrypt)],
    ['/v1/keys/decrypt', op(decrypt)],
    ['/v1/keys/sign', op(sign)],
    ['/v1/keys/verify', op(verify)],
    ['/v1/keys/asymmetric-decrypt', op(asymmetricDecrypt)],
    ['/v1/keys/public-key', op(getPublicKey)],
    ['/v1/keys/mac', op(generateMac)],
    ['/v1/keys/verify-mac', op(verifyMac)],
    ['/v1/keys/destroy', op(destroyKey)],
    ['/v1/keys/list', op(listKeys)],
    ...rotationRoutes(),
    ...xksRoutes(ctx),
  ])
  const server = createServer({ secret: config.secret, routes, health: () => health(ctx), logger })
  const xks = options.xks
  const xksServer =
    xks === undefined
      ? undefined
      : createXksServer({ config: xks, keys: { pool, opTimeoutMs: config.opTimeoutMs }, healthy: () => pool.checkHealth(), logger })

  return {
    server,
    pool,
    xksServer,
    xksAddress: () => (xksServer?.address() ?? undefined) as AddressInfo | undefined,
    async start() {
      pool.start()
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(config.port, config.host, () => {
          server.off('error', reject)
          resolve()
        })
      })
      if (xksServer !== undefined && xks !== undefined) {
        await new Promise<void>((resolve, reject) => {
          xksServer.once('error', reject)
          xksServer.listen(xks.port, xks.host, () => {
            xksServer.off('error', reject)
            resolve()
          })
        })
      }
      return server.address() as AddressInfo
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      const grace = setTimeout(() => server.closeAllConnections(), config.opTimeoutMs)
      if (xksServer !== undefined) {
        const xksClosed = new Promise<void>((resolve) => xksServer.close(() => resolve()))
        xksServer.closeAllConnections()
        await xksClosed
      }
      await closed
      clearTimeout(grace)
      await pool.close()
    },
  }
}
