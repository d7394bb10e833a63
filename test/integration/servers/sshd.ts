/**
 * A private OpenSSH server for tests: its own Ed25519 host key and config in a temp dir,
 * `sshd -D` on a free loopback port, password and public-key authentication, no PAM. It needs
 * root (sshd switches to the logged-in user). `start` creates two throw-away local accounts with
 * unique names (removed by `stop`):
 * - `passwordUser`, with a random password;
 * - `keyUser`, with a random key pair authorised in its ~/.ssh/authorized_keys.
 * The admin login is root with its own key pair, authorised only through this server's
 * `AuthorizedKeysFile <dir>/admin_keys/%u` (nothing under /root is touched).
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash, randomBytes } from 'node:crypto'

import { freePort } from '../../../scripts/lib/free-port'
import { IS_ROOT, run, stopChild, waitForPort } from './process'

export const SSHD = '/usr/sbin/sshd'
export const SSHD_AVAILABLE = IS_ROOT && existsSync(SSHD) && existsSync('/usr/bin/ssh-keygen')

export interface KeyPair {
  publicKey: string
  privateKey: string
}

export interface SshdServer {
  host: '127.0.0.1'
  port: number
  /** `SHA256:…` of the host key, computed here from the .pub file. */
  hostKeyFingerprint: string
  /** The same, as `ssh-keygen -l -E sha256` prints it. */
  hostKeyFingerprintFromSshKeygen: string
  admin: { user: 'root'; privateKey: string }
  passwordUser: { user: string; password: string }
  keyUser: { user: string } & KeyPair
  /** Lines of a user's ~/.ssh/authorized_keys. */
  authorizedKeys(user: string): string[]
  stop(): Promise<void>
}

/** A new Ed25519 key pair from ssh-keygen. */
export async function keygen(dir: string, name: string): Promise<KeyPair> {
  const path = join(dir, name)
  await run('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path])
  return { publicKey: readFileSync(path + '.pub', 'utf8').trim(), privateKey: readFileSync(path, 'utf8') }
}

/** SHA256 fingerprint of an OpenSSH public key line. */
export function fingerprintOf(publicKeyLine: string): string {
  const blob = Buffer.from(publicKeyLine.split(' ')[1]!, 'base64')
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')
}

async function ensureUser(name: string): Promise<void> {
  try {
    await run('id', ['-u', name])
  } catch {
    await run('/usr/sbin/useradd', ['-m', '-s', '/bin/sh', name])
  }
}

/**
 * @throws {Error} when not root, sshd is not installed, or it does not start.
 */
export async function startSshd(): Promise<SshdServer> {
  if (!SSHD_AVAILABLE) throw new Error('sshd needs root and openssh-server')
  const dir = mkdtempSync(join(tmpdir(), 'kms-sshd-'))
  chmodSync(dir, 0o755)
  // sshd's privilege-separation directory.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 })

  const hostKey = await keygen(dir, 'host_ed25519')
  const admin = await keygen(dir, 'admin_ed25519')
  const userKey = await keygen(dir, 'user_ed25519')
  mkdirSync(join(dir, 'admin_keys'), { mode: 0o755 })
  writeFileSync(join(dir, 'admin_keys', 'root'), admin.publicKey + '\n', { mode: 0o644 })

  const tag = randomBytes(3).toString('hex')
  const passwordUser = { user: `kmst${tag}pw`, password: randomBytes(15).toString('base64url') }
  const keyUserName = `kmst${tag}key`
  await ensureUser(passwordUser.user)
  await ensureUser(keyUserName)
  await run('/usr/sbin/chpasswd', [], { input: `${passwordUser.user}:${passwordUser.password}\n` })
  // Not locked ("!" would refuse every login without PAM), yet no password works.
  await run('/usr/sbin/usermod', ['-p', '*', keyUserName])
  const home = (user: string) => `/home/${user}`
  mkdirSync(join(home(keyUserName), '.ssh'), { recursive: true, mode: 0o700 })
  writeFileSync(join(home(keyUserName), '.ssh', 'authorized_keys'), userKey.publicKey + '\n', { mode: 0o600 })
  await run('chown', ['-R', `${keyUserName}:`, join(home(keyUserName), '.ssh')])

  const port = await freePort()
  const config = join(dir, 'sshd_config')
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_ed25519')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile .ssh/authorized_keys ${join(dir, 'admin_keys')}/%u`,
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      `AllowUsers root ${passwordUser.user} ${keyUserName}`,
      'UsePAM no',
      'StrictModes no',
      'MaxStartups 100',
      'MaxAuthTries 6',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  )
  const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)))
  try {
    await waitForPort(port, child, 'sshd')
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`${(err as Error).message}\n${log}`)
  }
  const printed = await run('/usr/bin/ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'host_ed25519.pub')])

  return {
    host: '127.0.0.1',
    port,
    hostKeyFingerprint: fingerprintOf(hostKey.publicKey),
    hostKeyFingerprintFromSshKeygen: printed.split(' ')[1]!,
    admin: { user: 'root', privateKey: admin.privateKey },
    passwordUser,
    keyUser: { user: keyUserName, ...userKey },
    authorizedKeys(user) {
      const f = join(home(user), '.ssh', 'authorized_keys')
      return existsSync(f)
        ? readFileSync(f, 'utf8')
            .split('\n')
            .filter((l) => l !== '')
        : []
    },
    async stop() {
      await stopChild(child, 'SIGTERM')
      for (const user of [passwordUser.user, keyUserName]) {
        await run('/usr/sbin/userdel', ['-r', '-f', user]).catch(() => {})
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
