/**
 * The PostgreSQL and MariaDB connectors of the bridge against real servers started from
 * test/integration/servers/ (initdb/postgres, mariadb-install-db/mariadbd on loopback ports),
 * through the signed HTTP routes and the Worker-side client.
 */
import { randomBytes } from 'node:crypto'

import mysql from 'mysql2/promise'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { KmsError } from '../../core/errors.js'
import { MARIADB_AVAILABLE, startMariaDb, type MariaDbServer } from '../../test/integration/servers/mariadb.js'
import { PG_AVAILABLE, startPostgres, type PgServer } from '../../test/integration/servers/postgres.js'
import { freePort } from '../../scripts/lib/free-port.js'
import { passwordLiteral } from '../src/rotation/postgres.js'
import { startRotationBridge, type RotationBridgeFixture } from './rotation-fixture.js'

const pw = () => randomBytes(18).toString('base64url') + '-\'"\\;'

function noSecretsIn(logs: string[], secrets: string[]): void {
  const all = logs.join('\n')
  for (const s of secrets) expect(all).not.toContain(s)
}

let bridge: RotationBridgeFixture
beforeAll(async () => {
  bridge = await startRotationBridge()
})
afterAll(async () => {
  await bridge?.close()
})

describe('passwordLiteral', () => {
  it('is the SCRAM-SHA-256 verifier PostgreSQL would store (known answer)', () => {
    // RFC 7677 §3 user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations.
    const v = passwordLiteral('pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'))
    expect(v).toBe(
      'SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=',
    )
  })
})

describe.skipIf(!PG_AVAILABLE)('postgres connector (real PostgreSQL)', () => {
  let server: PgServer
  beforeAll(async () => {
    server = await startPostgres()
  })
  afterAll(async () => {
    await server?.stop()
  })
  const target = () => ({ host: server.host, port: server.port, database: server.database })

  async function canLogin(user: string, password: string): Promise<boolean> {
    const c = new pg.Client({ ...target(), user, password, connectionTimeoutMillis: 10_000 })
    try {
      await c.connect()
      await c.end()
      return true
    } catch (err) {
      if ((err as { code?: string }).code === '28P01') return false
      throw err
    }
  }

  it('single user changes its own password: new works, old fails, no secret in the logs', async () => {
    const user = `app-"${randomBytes(3).toString('hex')}"` // needs identifier quoting
    const old = pw()
    await server.query(`CREATE ROLE ${pg.escapeIdentifier(user)} LOGIN PASSWORD ${pg.escapeLiteral(old)}`)
    const next = pw()
    const out = await bridge.client.postgresSetPassword({ ...target(), login: { user, password: old }, user, newPassword: next })
    expect(out).toEqual({ ok: true })
    expect(await bridge.client.postgresTestLogin({ ...target(), user, password: next })).toEqual({ ok: true })
    expect(await bridge.client.postgresTestLogin({ ...target(), user, password: old })).toMatchObject({
      ok: false,
      reason: 'authFailed',
      code: '28P01',
    })
    expect(await canLogin(user, next)).toBe(true)
    expect(await canLogin(user, old)).toBe(false)
    // the stored verifier is SCRAM, never the plaintext
    const row = await server.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [user])
    expect(String(row.rows[0].rolpassword)).toMatch(/^SCRAM-SHA-256\$4096:/)
    noSecretsIn(bridge.logs, [old, next])
  })

  it('admin creates the clone account (member of the original) once, then sets its password', async () => {
    const user = `svc_${randomBytes(3).toString('hex')}`
    const first = pw()
    await server.query(`CREATE ROLE ${user} LOGIN PASSWORD ${pg.escapeLiteral(first)}`)
    await server.query(`CREATE TABLE ${user}_t (x int)`)
    await server.query(`GRANT SELECT ON ${user}_t TO ${user}`)
    const clone = `${user}_clone`
    const a = pw()
    const out = await bridge.client.postgresSetPassword({ ...target(), login: server.admin, user: clone, newPassword: a, memberOf: user })
    expect(out).toEqual({ ok: true, created: true })
    const again = await bridge.client.postgresSetPassword({ ...target(), login: server.admin, user: clone, newPassword: a, memberOf: user })
    expect(again).toEqual({ ok: true }) // idempotent: exists now
    const c = new pg.Client({ ...target(), user: clone, password: a })
    await c.connect()
    await expect(c.query(`SELECT * FROM ${user}_t`)).resolves.toBeDefined() // inherited privilege
    await c.end()
    expect(await canLogin(user, first)).toBe(true) // the original is untouched
  })

  it('a user without the privilege to change another role is denied; the target keeps its password', async () => {
    const a = `u_${randomBytes(3).toString('hex')}`
    const b = `v_${randomBytes(3).toString('hex')}`
    const pa = pw()
    const pb = pw()
    await server.query(`CREATE ROLE ${a} LOGIN PASSWORD ${pg.escapeLiteral(pa)}`)
    await server.query(`CREATE ROLE ${b} LOGIN PASSWORD ${pg.escapeLiteral(pb)}`)
    const out = await bridge.client.postgresSetPassword({ ...target(), login: { user: a, password: pa }, user: b, newPassword: pw() })
    expect(out).toMatchObject({ ok: false, reason: 'denied', code: '42501' })
    expect(await canLogin(b, pb)).toBe(true)
  })

  it('wrong login password → authFailed; closed port → unreachable', async () => {
    expect(
      await bridge.client.postgresSetPassword({
        ...target(),
        login: { user: server.admin.user, password: 'nope-nope' },
        user: 'x',
        newPassword: pw(),
      }),
    ).toMatchObject({ ok: false, reason: 'authFailed' })
    const closed = await freePort()
    expect(await bridge.client.postgresTestLogin({ ...target(), port: closed, user: 'x', password: 'y' })).toMatchObject({
      ok: false,
      reason: 'unreachable',
      code: 'ECONNREFUSED',
    })
  })
})

describe.skipIf(!MARIADB_AVAILABLE)('mysql connector (real MariaDB)', () => {
  let server: MariaDbServer
  beforeAll(async () => {
    server = await startMariaDb()
  })
  afterAll(async () => {
    await server?.stop()
  })
  const target = () => ({ host: server.host, port: server.port })

  async function canLogin(user: string, password: string): Promise<boolean> {
    try {
      const c = await mysql.createConnection({ ...target(), user, password, connectTimeout: 10_000 })
      await c.end()
      return true
    } catch (err) {
      if ((err as { code?: string }).code === 'ER_ACCESS_DENIED_ERROR') return false
      throw err
    }
  }

  it('single user changes its own password: new works, old fails, no secret in the logs', async () => {
    const user = `app'${randomBytes(3).toString('hex')}`
    const old = pw()
    await server.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', old])
    const next = pw()
    expect(await bridge.client.mysqlSetPassword({ ...target(), login: { user, password: old }, user, newPassword: next })).toEqual({
      ok: true,
    })
    expect(await bridge.client.mysqlTestLogin({ ...target(), user, password: next })).toEqual({ ok: true })
    expect(await bridge.client.mysqlTestLogin({ ...target(), user, password: old })).toMatchObject({ ok: false, reason: 'authFailed' })
    expect(await canLogin(user, next)).toBe(true)
    expect(await canLogin(user, old)).toBe(false)
    noSecretsIn(bridge.logs, [old, next])
  })

  it('admin creates the clone with the same grants once, then sets its password', async () => {
    const user = `svc_${randomBytes(3).toString('hex')}`
    const first = pw()
    await server.query(`CREATE DATABASE db_${user}`)
    await server.query(`CREATE TABLE db_${user}.t (x int)`)
    await server.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', first])
    await server.query(`GRANT SELECT ON db_${user}.* TO ?@?`, [user, '%'])
    const clone = `${user}_clone`
    const a = pw()
    expect(await bridge.client.mysqlSetPassword({ ...target(), login: server.admin, user: clone, newPassword: a, cloneOf: user })).toEqual({
      ok: true,
      created: true,
    })
    expect(await bridge.client.mysqlSetPassword({ ...target(), login: server.admin, user: clone, newPassword: a, cloneOf: user })).toEqual({
      ok: true,
    })
    const c = await mysql.createConnection({ ...target(), user: clone, password: a })
    await expect(c.query(`SELECT * FROM db_${user}.t`)).resolves.toBeDefined()
    await c.end()
    expect(await canLogin(user, first)).toBe(true)
  })

  it('a user who may not alter another account is denied; closed port → unreachable', async () => {
    const a = `u_${randomBytes(3).toString('hex')}`
    const b = `v_${randomBytes(3).toString('hex')}`
    const pa = pw()
    const pb = pw()
    await server.query('CREATE USER ?@? IDENTIFIED BY ?', [a, '%', pa])
    await server.query('CREATE USER ?@? IDENTIFIED BY ?', [b, '%', pb])
    expect(
      await bridge.client.mysqlSetPassword({ ...target(), login: { user: a, password: pa }, user: b, newPassword: pw() }),
    ).toMatchObject({ ok: false, reason: 'denied' })
    expect(await canLogin(b, pb)).toBe(true)
    const closed = await freePort()
    expect(await bridge.client.mysqlTestLogin({ ...target(), port: closed, user: 'x', password: 'y' })).toMatchObject({
      ok: false,
      reason: 'unreachable',
    })
  })
})

describe('rotation routes: request checks', () => {
  it('a target outside the allow-list is a validation error (400), naming no value', async () => {
    const err = await bridge.client
      .postgresTestLogin({ host: '10.1.2.3', port: 5432, database: 'd', user: 'u', password: 'secret-value-1' })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(KmsError)
    expect((err as KmsError).code).toBe('validation.invalidParameter')
    expect(JSON.stringify(err)).not.toContain('secret-value-1')
  })

  it('unknown fields and bad ports are refused', async () => {
    await expect(bridge.client.mysqlTestLogin({ host: '127.0.0.1', port: 0, user: 'u', password: 'p' })).rejects.toBeInstanceOf(KmsError)
    await expect(
      bridge.client.mysqlTestLogin({ host: '127.0.0.1', port: 3306, user: 'u', password: 'p', extra: 1 } as never),
    ).rejects.toBeInstanceOf(KmsError)
  })

  it('an unreachable bridge is a failed outcome, not an exception', async () => {
    const { RotationBridgeClient } = await import('../../core/hsm-client/rotation.js')
    const c = new RotationBridgeClient({ baseUrl: `http://127.0.0.1:${await freePort()}`, secret: 'x'.repeat(32) })
    expect(await c.mysqlTestLogin({ host: '127.0.0.1', port: 3306, user: 'u', password: 'p' })).toEqual({
      ok: false,
      reason: 'bridgeUnavailable',
    })
  })
})
