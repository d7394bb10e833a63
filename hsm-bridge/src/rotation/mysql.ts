/**
 * @module hsm-bridge/rotation/mysql
 *
 * MySQL / MariaDB connector (mysql2). `setPassword` logs in with one login (the account itself or
 * a privileged one) and runs `ALTER USER ?@? IDENTIFIED BY ?` with driver-escaped values (for
 * its own password: `ALTER USER USER()`, or MariaDB's `SET PASSWORD`, which need no privilege). With
 * `cloneOf` it first creates the account when missing and copies the grants of `cloneOf`
 * (`SHOW GRANTS`, grantee rewritten): the clone account of a DoubleUsers secret. `testLogin`
 * opens a fresh connection with the credential and runs `SELECT 1`.
 *
 * mysql2 errors carry the SQL text (`err.sql`), which holds the password: they are reduced to
 * their error code here and go nowhere else.
 */

import mysql from 'mysql2/promise'

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
  type Outcome,
} from './common.js'

const USER = /^[^\0]{1,80}$/
const ACCOUNT_HOST = /^[A-Za-z0-9.%_:-]{1,255}$/

export type MysqlConnectorOptions = ConnectorOptions

/**
 * `{host, port, login: {user, password}, user, accountHost?, newPassword, cloneOf?}` → Outcome.
 * `accountHost` is the host part of the account (`'user'@'host'`), default `%`.
 *
 * @throws {BridgeError} ValidationError for a malformed request.
 */
export async function mysqlSetPassword(opts: MysqlConnectorOptions, body: Body): Promise<Outcome> {
  allowOnly(body, ['host', 'port', 'login', 'user', 'accountHost', 'newPassword', 'cloneOf'])
  const target = targetFields(body, opts.allowed)
  const { user: loginUser, password: loginPassword } = loginField(body, 80, USER)
  const user = stringField(body, 'user', 80, USER)
  const accountHost = optionalStringField(body, 'accountHost', 255, ACCOUNT_HOST) ?? '%'
  const newPassword = stringField(body, 'newPassword', MAX_PASSWORD)
  const cloneOf = optionalStringField(body, 'cloneOf', 80, USER)

  return session(opts, { ...target, user: loginUser, password: loginPassword }, async (conn) => {
    let created = false
    if (cloneOf !== undefined) {
      const [rows] = await conn.query('SELECT 1 FROM mysql.user WHERE User = ? AND Host = ?', [user, accountHost])
      if ((rows as unknown[]).length === 0) {
        const [grants] = await conn.query('SHOW GRANTS FOR ?@?', [cloneOf, accountHost])
        await conn.query('CREATE USER ?@? IDENTIFIED BY ?', [user, accountHost, newPassword])
        created = true
        for (const row of grants as Record<string, unknown>[]) {
          const grant = cloneGrant(String(Object.values(row)[0] ?? ''), cloneOf, user, accountHost)
          if (grant !== undefined) await conn.query(grant)
        }
      }
    }
    if (loginUser === user && cloneOf === undefined) {
      // The account changes its own password, which needs no privilege: MySQL 8 takes
      // ALTER USER USER(); MariaDB only SET PASSWORD (its ALTER USER needs CREATE USER).
      try {
        await conn.query('ALTER USER USER() IDENTIFIED BY ?', [newPassword])
      } catch (err) {
        const code = (err as { code?: unknown }).code
        if (code !== 'ER_SPECIFIC_ACCESS_DENIED_ERROR' && code !== 'ER_PARSE_ERROR') throw err
        await conn.query('SET PASSWORD = PASSWORD(?)', [newPassword])
      }
    } else {
      await conn.query('ALTER USER ?@? IDENTIFIED BY ?', [user, accountHost, newPassword])
    }
    return created ? { ok: true, created } : { ok: true }
  })
}

/**
 * `{host, port, user, password, database?}` → Outcome of a fresh login plus `SELECT 1`.
 *
 * @throws {BridgeError} ValidationError for a malformed request.
 */
export async function mysqlTestLogin(opts: MysqlConnectorOptions, body: Body): Promise<Outcome> {
  allowOnly(body, ['host', 'port', 'user', 'password', 'database'])
  const target = targetFields(body, opts.allowed)
  const user = stringField(body, 'user', 80, USER)
  const password = stringField(body, 'password', MAX_PASSWORD)
  const database = optionalStringField(body, 'database', 64, USER)
  return session(opts, { ...target, user, password, ...(database ? { database } : {}) }, async (conn) => {
    await conn.query('SELECT 1')
    return { ok: true }
  })
}

/** A MySQL identifier as SHOW GRANTS prints it: backquoted, backquotes doubled. */
function quoteName(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`'
}

/**
 * One `SHOW GRANTS FOR cloneOf@host` line as the same grant to `user@host`, or undefined when
 * it is not one to copy (USAGE, or another grantee). The grantee is replaced as literal text:
 * a `String#replace` replacement string would expand `$&`, `` $` `` and `$'` in the account
 * name into parts of the grant, out of the identifier's quotes (SQL injection).
 *
 * @throws never
 */
export function cloneGrant(grant: string, cloneOf: string, user: string, accountHost: string): string | undefined {
  const from = `TO ${quoteName(cloneOf)}@${quoteName(accountHost)}`
  const to = `TO ${quoteName(user)}@${quoteName(accountHost)}`
  if (/^GRANT USAGE ON \*\.\* TO /.test(grant) || !grant.includes(from)) return undefined
  return grant.replace(from, () => to).replace(/ IDENTIFIED BY PASSWORD '[^']*'/, '')
}

interface ConnectParams {
  host: string
  port: number
  user: string
  password: string
  database?: string
}

async function session(
  opts: MysqlConnectorOptions,
  params: ConnectParams,
  fn: (conn: mysql.Connection) => Promise<Outcome>,
): Promise<Outcome> {
  const operationMs = opts.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS
  let conn: mysql.Connection | undefined
  let abandoned = false
  const run = async (): Promise<Outcome> => {
    try {
      conn = await mysql.createConnection({
        host: params.host,
        port: params.port,
        user: params.user,
        password: params.password,
        ...(params.database === undefined ? {} : { database: params.database }),
        connectTimeout: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        multipleStatements: false,
        supportBigNumbers: true,
      })
    } catch (err) {
      return classify(err, 'connect')
    }
    if (abandoned) conn.destroy()
    conn.on('error', () => {})
    try {
      return await fn(conn)
    } catch (err) {
      return classify(err, 'query')
    } finally {
      await conn.end().catch(() => conn?.destroy())
    }
  }
  return withDeadline(operationMs, run, () => {
    abandoned = true
    conn?.destroy()
  })
}

const AUTH_CODES = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR', 'ER_NOT_SUPPORTED_AUTH_MODE'])
const DENIED_CODES = new Set([
  'ER_SPECIFIC_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_TABLEACCESS_DENIED_ERROR',
  'ER_CANNOT_USER',
  'ER_NONEXISTING_GRANT',
  'ER_PASSWORD_NO_MATCH',
  'ER_NOT_VALID_PASSWORD',
])

function classify(err: unknown, phase: 'connect' | 'query'): Outcome {
  const socket = socketFailure(err)
  if (socket !== undefined) return socket
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code === 'string') {
    if (AUTH_CODES.has(code)) return { ok: false, reason: 'authFailed', code }
    if (DENIED_CODES.has(code)) return { ok: false, reason: 'denied', code }
    if (code === 'PROTOCOL_CONNECTION_LOST') return { ok: false, reason: 'unreachable', code }
    if (/^[A-Z_]{1,64}$/.test(code)) return { ok: false, reason: 'failed', code }
  }
  return { ok: false, reason: phase === 'connect' ? 'unreachable' : 'failed' }
}
