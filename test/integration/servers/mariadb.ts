/**
 * A private MariaDB server for tests: `mariadb-install-db` into a temp dir, `mariadbd` on a free
 * loopback port (as the `mysql` account when we are root), one admin `kms_admin`@`%` with a random
 * password created by an init file, no anonymous accounts.
 */
import { spawn } from 'node:child_process'
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { execFileSync } from 'node:child_process'

import mysql from 'mysql2/promise'

import { freePort } from '../../../scripts/lib/free-port'
import { accountIds, IS_ROOT, run, stopChild, waitForPort } from './process'

export interface MariaDbServer {
  host: '127.0.0.1'
  port: number
  admin: { user: string; password: string }
  query(sql: string, params?: unknown[]): Promise<unknown>
  stop(): Promise<void>
}

function which(cmd: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || undefined
  } catch {
    return undefined
  }
}

const MARIADBD = which('mariadbd') ?? (which('/usr/sbin/mariadbd') ? '/usr/sbin/mariadbd' : undefined)
const INSTALL_DB = which('mariadb-install-db')

export const MARIADB_AVAILABLE = MARIADBD !== undefined && INSTALL_DB !== undefined && (!IS_ROOT || accountIds('mysql') !== undefined)

/**
 * @throws {Error} when MariaDB is not installed or does not start.
 */
export async function startMariaDb(): Promise<MariaDbServer> {
  if (MARIADBD === undefined || INSTALL_DB === undefined) throw new Error('MariaDB is not installed (apt-get install mariadb-server)')
  const ids = IS_ROOT ? accountIds('mysql') : undefined
  const as = ids ? { uid: ids.uid, gid: ids.gid } : {}
  const dir = mkdtempSync(join(tmpdir(), 'kms-mariadb-'))
  if (ids) chownSync(dir, ids.uid, ids.gid)
  const data = join(dir, 'data')
  const admin = { user: 'kms_admin', password: randomBytes(18).toString('base64url') }
  await run(
    INSTALL_DB,
    ['--no-defaults', `--datadir=${data}`, '--skip-test-db', '--auth-root-authentication-method=socket', ...(ids ? ['--user=mysql'] : [])],
    { ...as, cwd: dir },
  )
  const init = join(dir, 'init.sql')
  writeFileSync(
    init,
    [
      "DELETE FROM mysql.global_priv WHERE User = '';",
      'FLUSH PRIVILEGES;',
      `CREATE USER IF NOT EXISTS 'kms_admin'@'%' IDENTIFIED BY '${admin.password}';`,
      `ALTER USER 'kms_admin'@'%' IDENTIFIED BY '${admin.password}';`,
      "GRANT ALL PRIVILEGES ON *.* TO 'kms_admin'@'%' WITH GRANT OPTION;",
      '',
    ].join('\n'),
    { mode: 0o600 },
  )
  if (ids) chownSync(init, ids.uid, ids.gid)
  const port = await freePort()
  const child = spawn(
    MARIADBD,
    [
      '--no-defaults',
      `--datadir=${data}`,
      `--socket=${join(dir, 'mysqld.sock')}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--skip-networking=0',
      '--skip-name-resolve',
      `--pid-file=${join(dir, 'mysqld.pid')}`,
      `--init-file=${init}`,
      '--innodb-buffer-pool-size=16M',
      '--innodb-log-file-size=8M',
      '--innodb-flush-log-at-trx-commit=0',
      '--performance-schema=OFF',
      `--log-error=${join(dir, 'error.log')}`,
      ...(ids ? ['--user=mysql'] : []),
    ],
    { ...as, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let log = ''
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)))
  try {
    await waitForPort(port, child, 'mariadbd')
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`${(err as Error).message}\n${log}`)
  }
  return {
    host: '127.0.0.1',
    port,
    admin,
    async query(sql, params) {
      const conn = await mysql.createConnection({ host: '127.0.0.1', port, ...admin, connectTimeout: 10_000 })
      try {
        const [rows] = await conn.query(sql, params)
        return rows
      } finally {
        await conn.end()
      }
    },
    async stop() {
      await stopChild(child, 'SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
