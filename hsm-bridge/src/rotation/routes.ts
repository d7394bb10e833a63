/**
 * @module hsm-bridge/rotation/routes
 *
 * The managed-secret rotation routes (`/v1/rotation/*`). They sit behind the same request
 * authentication and response signing as the key routes (server.ts). A connector's failure to
 * reach, log in to or change the target is a normal answer, `200 {"ok":false,"reason",…}`; only
 * a malformed request is an error (400 ValidationError).
 *
 * Targets are limited by `HSM_BRIDGE_ROTATION_TARGETS` (see common.ts; default loopback).
 */

import type { Route } from '../server.js'
import { allowedTargets } from './common.js'
import { mysqlSetPassword, mysqlTestLogin } from './mysql.js'
import { pgSetPassword, pgTestLogin } from './postgres.js'
import { sshAuthorizeKey, sshGenerateKey, sshSetPassword, sshTestLogin } from './ssh.js'

export interface RotationRouteOptions {
  /** Overrides HSM_BRIDGE_ROTATION_TARGETS. */
  allowed?: readonly string[]
  connectTimeoutMs?: number
  operationTimeoutMs?: number
}

/**
 * The rotation routes by path.
 *
 * @throws never
 */
export function rotationRoutes(options: RotationRouteOptions = {}): [string, Route][] {
  const opts = {
    allowed: options.allowed ?? allowedTargets(),
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
    ...(options.operationTimeoutMs === undefined ? {} : { operationTimeoutMs: options.operationTimeoutMs }),
  }
  return [
    ['/v1/rotation/postgres/set-password', (body) => pgSetPassword(opts, body)],
    ['/v1/rotation/postgres/test-login', (body) => pgTestLogin(opts, body)],
    ['/v1/rotation/mysql/set-password', (body) => mysqlSetPassword(opts, body)],
    ['/v1/rotation/mysql/test-login', (body) => mysqlTestLogin(opts, body)],
    ['/v1/rotation/ssh/set-password', (body) => sshSetPassword(opts, body)],
    ['/v1/rotation/ssh/authorize-key', (body) => sshAuthorizeKey(opts, body)],
    ['/v1/rotation/ssh/test-login', (body) => sshTestLogin(opts, body)],
    ['/v1/rotation/ssh/generate-key', (body) => sshGenerateKey(body)],
  ]
}
