/**
 * Managed Rds secrets end to end: the official openapi-client (callApi, ACS3) against the local
 * stack, whose Worker rotates through the stack's hsm-bridge into real PostgreSQL and MariaDB
 * servers started here (test/integration/servers/). Creates each subtype, rotates with
 * RotateSecret and with the scheduled job after the interval (`--at`), logs in with the new
 * credential, and checks the old one: gone for SingleUser, still valid until the next rotation for
 * DoubleUsers. An unreachable database fails the rotation and leaves ACSCurrent as it was.
 */
import { randomBytes, randomUUID } from 'node:crypto'

import mysql from 'mysql2/promise'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { openApiCaller, stackInfo } from './clients'
import { managedRotationReady, rotateAndWait, rotateByCron, secretValue } from './servers/managed-secrets'
import { MARIADB_AVAILABLE, startMariaDb, type MariaDbServer } from './servers/mariadb'
import { PG_AVAILABLE, startPostgres, type PgServer } from './servers/postgres'

const run = randomUUID().slice(0, 8)
type Account = { AccountName: string; AccountPassword: string }

let call: ReturnType<typeof openApiCaller>
let ready: string | true
beforeAll(async () => {
  call = openApiCaller()
  ready = await managedRotationReady(call, 'Rds')
})

async function createGeneric(name: string, value: unknown): Promise<void> {
  await call('CreateSecret', { SecretName: name, VersionId: 'v1', SecretData: JSON.stringify(value), SecretDataType: 'text' })
}

async function createRds(name: string, config: Record<string, unknown>, first: Account): Promise<void> {
  await call('CreateSecret', {
    SecretName: name,
    VersionId: 'v1',
    SecretType: 'Rds',
    SecretDataType: 'text',
    SecretData: JSON.stringify({ Accounts: [first] }),
    ExtendedConfig: JSON.stringify(config),
    EnableAutomaticRotation: 'true',
    RotationInterval: '7d',
  })
}

for (const engine of ['postgresql', 'mysql'] as const) {
  const available = engine === 'postgresql' ? PG_AVAILABLE : MARIADB_AVAILABLE
  describe.skipIf(!available)(`Rds secrets on ${engine === 'postgresql' ? 'PostgreSQL' : 'MariaDB'}`, () => {
    let pgServer: PgServer | undefined
    let myServer: MariaDbServer | undefined
    let port = 0
    const adminName = `it-${engine}-admin-${run}`

    beforeAll(async () => {
      if (ready !== true) return
      if (engine === 'postgresql') {
        pgServer = await startPostgres()
        port = pgServer.port
        await createGeneric(adminName, { AccountName: pgServer.admin.user, AccountPassword: pgServer.admin.password })
      } else {
        myServer = await startMariaDb()
        port = myServer.port
        await createGeneric(adminName, { AccountName: myServer.admin.user, AccountPassword: myServer.admin.password })
      }
    })
    afterAll(async () => {
      await pgServer?.stop()
      await myServer?.stop()
    })

    const base = () => ({ DBInstanceId: `local-${engine}`, Engine: engine, Host: '127.0.0.1', Port: port })

    async function createAccount(name: string, password: string): Promise<void> {
      if (pgServer) await pgServer.query(`CREATE ROLE ${pg.escapeIdentifier(name)} LOGIN PASSWORD ${pg.escapeLiteral(password)}`)
      else await myServer!.query('CREATE USER ?@? IDENTIFIED BY ?', [name, '%', password])
    }

    async function canLogin(a: Account): Promise<boolean> {
      try {
        if (pgServer) {
          const c = new pg.Client({ host: '127.0.0.1', port, database: 'postgres', user: a.AccountName, password: a.AccountPassword })
          await c.connect()
          await c.end()
        } else {
          const c = await mysql.createConnection({ host: '127.0.0.1', port, user: a.AccountName, password: a.AccountPassword })
          await c.end()
        }
        return true
      } catch {
        return false
      }
    }

    it('SingleUser: RotateSecret sets a new password; the old one stops working', async (ctx) => {
      if (ready !== true) ctx.skip()
      const first = { AccountName: `app_${randomBytes(3).toString('hex')}`, AccountPassword: 'Init-' + randomBytes(9).toString('hex') }
      await createAccount(first.AccountName, first.AccountPassword)
      const name = `it-rds-single-${engine}-${run}`
      await createRds(name, { ...base(), SecretSubType: 'SingleUser' }, first)
      const t0 = performance.now()
      const next = JSON.parse(await rotateAndWait(call, name, JSON.stringify({ Accounts: [first] }))) as Account
      console.log(`rotation wall time (RotateSecret → new ACSCurrent), Rds SingleUser ${engine}: ${Math.round(performance.now() - t0)} ms`)
      expect(next.AccountName).toBe(first.AccountName)
      expect(next.AccountPassword).not.toBe(first.AccountPassword)
      expect(await canLogin(next)).toBe(true)
      expect(await canLogin(first)).toBe(false)
      // ACSPrevious is the first version, as CreateSecret stored it.
      expect(JSON.parse(await secretValue(call, name, 'ACSPrevious'))).toEqual({ Accounts: [first] })
    })

    it('DoubleUsers: alternates <user> and <user>_clone; the previous account works until the next rotation (second rotation by the scheduled job)', async (ctx) => {
      if (ready !== true) ctx.skip()
      const first = { AccountName: `svc_${randomBytes(3).toString('hex')}`, AccountPassword: 'Init-' + randomBytes(9).toString('hex') }
      await createAccount(first.AccountName, first.AccountPassword)
      const name = `it-rds-double-${engine}-${run}`
      await createRds(name, { ...base(), SecretSubType: 'DoubleUsers', AdminSecretName: adminName }, first)
      const r1 = JSON.parse(await rotateAndWait(call, name, JSON.stringify({ Accounts: [first] }))) as Account
      expect(r1.AccountName).toBe(`${first.AccountName}_clone`)
      expect(await canLogin(r1)).toBe(true)
      expect(await canLogin(first)).toBe(true)
      const r2 = JSON.parse(await rotateByCron(call, name, JSON.stringify(r1), 8)) as Account
      expect(r2.AccountName).toBe(first.AccountName)
      expect(await canLogin(r2)).toBe(true)
      expect(await canLogin(r1)).toBe(true)
      expect(await canLogin(first)).toBe(false)
    })

    it('an unreachable database fails the rotation; ACSCurrent is unchanged and still logs in', async (ctx) => {
      if (ready !== true) ctx.skip()
      const first = { AccountName: `app_${randomBytes(3).toString('hex')}`, AccountPassword: 'Init-' + randomBytes(9).toString('hex') }
      await createAccount(first.AccountName, first.AccountPassword)
      const name = `it-rds-down-${engine}-${run}`
      await createRds(name, { ...base(), Port: 1, SecretSubType: 'SingleUser' }, first)
      await call('RotateSecret', { SecretName: name, VersionId: 'v2' }).catch(() => undefined)
      await rotateByCron(call, name, JSON.stringify({ Accounts: [first] }), 0, { expectUnchanged: true })
      expect(JSON.parse(await secretValue(call, name))).toEqual({ Accounts: [first] })
      expect(await canLogin(first)).toBe(true)
      const described = await call('DescribeSecret', { SecretName: name })
      expect(described.RotationStatus).toBe('Failed')
      expect(String(described.LastRotationError)).toMatch(/unreachable/)
      expect(JSON.stringify(described)).not.toContain(first.AccountPassword)
    })
  })
}

describe('Rds CreateSecret validation', () => {
  it('a bad ExtendedConfig or SecretData is a 400 InvalidParameter that echoes no value', async (ctx) => {
    if (ready !== true) ctx.skip()
    const err = await call('CreateSecret', {
      SecretName: `it-rds-bad-${run}`,
      VersionId: 'v1',
      SecretType: 'Rds',
      SecretDataType: 'text',
      SecretData: JSON.stringify({ Accounts: [{ AccountName: 'a', AccountPassword: 'pw-never-echoed' }] }),
      ExtendedConfig: JSON.stringify({ SecretSubType: 'SingleUser', DBInstanceId: 'x', Engine: 'oracle', Host: '127.0.0.1' }),
    }).then(
      () => undefined,
      (e: { code?: string; statusCode?: number; data?: { statusCode?: number }; message: string }) => e,
    )
    expect(err).toBeDefined()
    expect(String(err!.code)).toContain('InvalidParameter')
    expect(err!.message).not.toContain('pw-never-echoed')
    expect(stackInfo().endpoint).toBeTruthy()
  })
})
