/**
 * A private PostgreSQL server for tests: `initdb` into a temp dir, `postgres` on a free loopback
 * port (as the `postgres` account when we are root: PostgreSQL refuses to run as root), SCRAM
 * password authentication for TCP, one superuser `kms_admin` with a random password.
 */
import { spawn } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'

import pg from 'pg'

import { freePort } from '../../../scripts/lib/free-port'
import { accountIds, IS_ROOT, run, stopChild, waitForPort } from './process'

export interface PgServer {
  host: '127.0.0.1'
  port: number
  database: 'postgres'
  admin: { user: string; password: string }
  /** Runs SQL as the superuser. */
  query(sql: string, params?: unknown[]): Promise<pg.QueryResult>
  stop(): Promise<void>
}

/** The newest /usr/lib/postgresql/<v>/bin, or undefined. */
export function findPgBin(): string | undefined {
  const base = '/usr/lib/postgresql'
  if (!existsSync(base)) return undefined
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))
  return versions[0] === undefined ? undefined : join(base, versions[0], 'bin')
}

export const PG_AVAILABLE = findPgBin() !== undefined && (!IS_ROOT || accountIds('postgres') !== undefined)

/**
 * @throws {Error} when PostgreSQL is not installed or does not start.
 */
export async function startPostgres(): Promise<PgServer> {
  const bin = findPgBin()
  if (bin === undefined) throw new Error('PostgreSQL is not installed (apt-get install postgresql)')
  const ids = IS_ROOT ? accountIds('postgres') : undefined
  if (IS_ROOT && ids === undefined) throw new Error('no postgres account to run PostgreSQL as')
  const dir = mkdtempSync(join(tmpdir(), 'kms-pg-'))
  if (ids) chownSync(dir, ids.uid, ids.gid)
  const as = ids ? { uid: ids.uid, gid: ids.gid } : {}
  const admin = { user: 'kms_admin', password: randomBytes(18).toString('base64url') }
  const pwfile = join(dir, 'pw')
  writeFileSync(pwfile, admin.password + '\n', { mode: 0o600 })
  if (ids) chownSync(pwfile, ids.uid, ids.gid)
  const data = join(dir, 'data')
  await run(
    join(bin, 'initdb'),
    [
      '-D',
      data,
      '-U',
      admin.user,
      '--pwfile',
      pwfile,
      '--auth=scram-sha-256',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ],
    { ...as, cwd: dir },
  )
  rmSync(pwfile)
  const port = await freePort()
  const child = spawn(
    join(bin, 'postgres'),
    [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'shared_buffers=16MB',
      '-c',
      'max_connections=40',
      '-c',
      'password_encryption=scram-sha-256',
    ],
    { ...as, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let log = ''
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)))
  try {
    await waitForPort(port, child, 'postgres')
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`${(err as Error).message}\n${log}`)
  }
  const server: PgServer = {
    host: '127.0.0.1',
    port,
    database: 'postgres',
    admin,
    async query(sql, params) {
      const client = new pg.Client({ host: '127.0.0.1', port, database: 'postgres', ...admin, connectionTimeoutMillis: 10_000 })
      // Start-up may still be finishing when the port opens: retry "starting up" briefly.
      for (let attempt = 0; ; attempt++) {
        try {
          await client.connect()
          break
        } catch (err) {
          if ((err as { code?: string }).code !== '57P03' || attempt > 50) throw err
          await new Promise((r) => setTimeout(r, 100))
        }
      }
      try {
        return await client.query(sql, params)
      } finally {
        await client.end()
      }
    },
    async stop() {
      await stopChild(child, 'SIGINT')
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return server
}
