/**
 * @module hsm-bridge/rotation/postgres
 *
 * PostgreSQL connector (node-postgres). `setPassword` logs in with one login (the account itself
 * or a privileged one) and runs `ALTER ROLE <user> PASSWORD <verifier>`; the identifier is quoted
 * by the driver (`escapeIdentifier`). For ASCII passwords the bridge sends a SCRAM-SHA-256
 * verifier it computed itself, so the plaintext never appears in SQL text (and so never in the
 * server's statement log); other passwords are sent as a driver-escaped literal. With
 * `memberOf` it first creates the role (LOGIN, member of — so with the privileges of — that
 * role) when missing: the clone account of a DoubleUsers secret. `testLogin` opens a fresh
 * connection with the credential and runs `SELECT 1`.
 */

import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto'

import pg from 'pg'

import type { Body } from '../validate.js'
import { allowOnly } from '../validate.js'
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_OPERATION_TIMEOUT_MS,
  loginField,
  MAX_PASSWORD,
  optionalStringField,
  socketFailure,
  stringField,
  targetFields,
  withDeadline,
  type ConnectorOptions,
  type Login,
  type Outcome,
} from './common.js'

const NAME = /^[^\0]{1,63}$/

export type PgConnectorOptions = ConnectorOptions

/**
 * `{host, port, database, login: {user, password}, user, newPassword, memberOf?}` → Outcome.
 *
 * @throws {BridgeError} ValidationError for a malformed request.
 */
export async function pgSetPassword(opts: PgConnectorOptions, body: Body): Promise<Outcome> {
  allowOnly(body, ['host', 'port', 'database', 'login', 'user', 'newPassword', 'memberOf'])
  const target = targetFields(body, opts.allowed)
  const database = stringField(body, 'database', 63, NAME)
  const login = loginField(body, 63, NAME)
  const user = stringField(body, 'user', 63, NAME)
  const newPassword = stringField(body, 'newPassword', MAX_PASSWORD)
  const memberOf = optionalStringField(body, 'memberOf', 63, NAME)

  return session(opts, { ...target, database, ...login }, async (client) => {
    let created = false
    if (memberOf !== undefined) {
      const found = await client.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [user])
      if (found.rowCount === 0) {
        await client.query(`CREATE ROLE ${client.escapeIdentifier(user)} WITH LOGIN INHERIT IN ROLE ${client.escapeIdentifier(memberOf)}`)
        created = true
      }
    }
    await client.query(`ALTER ROLE ${client.escapeIdentifier(user)} WITH PASSWORD ${client.escapeLiteral(passwordLiteral(newPassword))}`)
    return created ? { ok: true, created } : { ok: true }
  })
}

/**
 * `{host, port, database, user, password}` → Outcome of a fresh login plus `SELECT 1`.
 *
 * @throws {BridgeError} ValidationError for a malformed request.
 */
export async function pgTestLogin(opts: PgConnectorOptions, body: Body): Promise<Outcome> {
  allowOnly(body, ['host', 'port', 'database', 'user', 'password'])
  const target = targetFields(body, opts.allowed)
  const database = stringField(body, 'database', 63, NAME)
  const user = stringField(body, 'user', 63, NAME)
  const password = stringField(body, 'password', MAX_PASSWORD)
  return session(opts, { ...target, database, user, password }, async (client) => {
    await client.query('SELECT 1')
    return { ok: true }
  })
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802/7677, as in
 * `pg_authid.rolpassword`), or the password itself when it is not ASCII (SASLprep would apply).
 *
 * @throws never
 */
export function passwordLiteral(password: string, salt: Buffer = randomBytes(16)): string {
  if (!/^[\x20-\x7e]+$/.test(password)) return password
  const iterations = 4096
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256')
  const clientKey = createHmac('sha256', salted).update('Client Key').digest()
  const storedKey = createHash('sha256').update(clientKey).digest()
  const serverKey = createHmac('sha256', salted).update('Server Key').digest()
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`
}

interface ConnectParams extends Login {
  host: string
  port: number
  database: string
}

async function session(opts: PgConnectorOptions, params: ConnectParams, fn: (client: pg.Client) => Promise<Outcome>): Promise<Outcome> {
  const operationMs = opts.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS
  const client = new pg.Client({
    host: params.host,
    port: params.port,
    database: params.database,
    user: params.user,
    password: params.password,
    ssl: false,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    query_timeout: operationMs,
    statement_timeout: operationMs,
    application_name: 'edge-kms-rotation',
  })
  // A socket error after connect is reported through the pending query; never crash on it.
  client.on('error', () => {})
  const run = async (): Promise<Outcome> => {
    try {
      await client.connect()
    } catch (err) {
      return classify(err, 'connect')
    }
    try {
      return await fn(client)
    } catch (err) {
      return classify(err, 'query')
    } finally {
      await client.end().catch(() => {})
    }
  }
  return withDeadline(operationMs + 2000, run, () => {
    void client.end().catch(() => {})
  })
}

function classify(err: unknown, phase: 'connect' | 'query'): Outcome {
  const socket = socketFailure(err)
  if (socket !== undefined) return socket
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    // 28P01 invalid_password, 28000 invalid_authorization_specification
    if (code.startsWith('28')) return { ok: false, reason: 'authFailed', code }
    // 42501 insufficient_privilege, 42704 undefined_object (no such role), 0LP01 invalid grant
    if (code === '42501' || code === '42704' || code.startsWith('0L')) return { ok: false, reason: 'denied', code }
    if (code === '57014') return { ok: false, reason: 'timeout', code }
    return { ok: false, reason: 'failed', code }
  }
  if (err instanceof Error && /timeout/i.test(err.message)) return { ok: false, reason: 'timeout' }
  return { ok: false, reason: phase === 'connect' ? 'unreachable' : 'failed' }
}
