/**
 * @module hsm-bridge/rotation/ssh
 *
 * SSH connector (ssh2, pure JavaScript; its optional native part is not built). Every session
 * pins the host key: the server's key must have the SHA-256 fingerprint given in the request, in
 * the form `ssh-keygen -l -E sha256` prints (`SHA256:` + unpadded base64); any other key ends the
 * handshake (`hostKeyMismatch`) before a credential is sent.
 *
 * - `setPassword`: over an admin session, `chpasswd` (as root) or `sudo -n chpasswd` (any other
 *   admin), with `user:password` on standard input, never on a command line.
 * - `authorizeKey`: over the account's own session (its login shell must be POSIX), adds one public key to
 *   `~/.ssh/authorized_keys` and/or removes keys, matched by their base64 blob; other keys in the
 *   file are kept. The keys travel on standard input; the script is fixed text.
 * - `testLogin`: a fresh session authenticated with exactly the given credential.
 * - `generateKey`: a new Ed25519 key pair in OpenSSH format.
 *
 * Command output is read for its exit status only and never returned or logged.
 */

import { createHash, timingSafeEqual } from 'node:crypto'

import ssh2 from 'ssh2'

import { validationError } from '../errors.js'
import type { Body } from '../validate.js'
import { allowOnly } from '../validate.js'
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_OPERATION_TIMEOUT_MS,
  MAX_PASSWORD,
  objectField,
  optionalStringField,
  stringField,
  socketFailure,
  targetFields,
  withDeadline,
  type ConnectorOptions,
  type Outcome,
} from './common.js'

const { Client, utils } = ssh2

const USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/
const PUBLIC_KEY =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521) ([A-Za-z0-9+/]+={0,2})( [^\r\n]{0,200})?$/
const MAX_PRIVATE_KEY = 16_384

export type SshConnectorOptions = ConnectorOptions

interface Credential {
  user: string
  password?: string
  privateKey?: string
}

interface Endpoint {
  host: string
  port: number
  fingerprint: string
}

/**
 * The OpenSSH SHA-256 fingerprint of a public key blob (the decoded base64 field of a key line).
 *
 * @throws never
 */
export function sshFingerprint(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')
}

/**
 * `{host, port, hostKeyFingerprint, user, password? | privateKey?}` → Outcome.
 *
 * @throws {BridgeError} ValidationError for a malformed request.
 */
export async function sshTestLogin(opts: SshConnectorOptions, body: Body): Promise<Outcome> {
  allowOnly(body, ['host', 'port', 'hostKeyFingerprint', 'user', 'password', 'privateKey'])
  const endpoint = endpointFields(body, opts)
  const credential = credentialFields(body)
  return session(opts, endpoint, credential, async () => ({ ok: true }))
}

/**
 * `{host, port, hostKeyFingerprint, login: Credential, user, newPassword}` → Outcome.
 *
 * @throws {BridgeError} ValidationError for a malformed request.
 */
export async function sshSetPassword(opts: SshConnectorOptions, body: Body): Promise<Outcome> {
  allowOnly(body, ['host', 'port', 'hostKeyFingerprint', 'login', 'user', 'newPassword'])
  const endpoint = endpointFields(body, opts)
  const login = credentialFields(objectField(body, 'login'))
  const user = stringField(body, 'user', 32, USER)
  const newPassword = stringField(body, 'newPassword', MAX_PASSWORD)
  const command = login.user === 'root' ? 'chpasswd' : 'sudo -n chpasswd'
  return session(opts, endpoint, login, (conn) => exec(conn, command, `${user}:${newPassword}\n`))
}

/**
 * The fixed script behind `authorizeKey`. Standard input: line 1 the key line to add (may be
 * empty), then one base64 key blob per line to remove (the added key's blob is always among
 * them, so adding twice leaves one line).
 */
const AUTHORIZE_SCRIPT = [
  'set -e',
  'umask 077',
  'd="$HOME/.ssh"; f="$d/authorized_keys"',
  'mkdir -p "$d"; touch "$f"',
  'IFS= read -r add || add=""',
  ': > "$f.kms-rm"',
  'while IFS= read -r b; do [ -z "$b" ] || printf \'%s\\n\' "$b" >> "$f.kms-rm"; done',
  '{ grep -v -F -f "$f.kms-rm" "$f" || true; [ -z "$add" ] || printf \'%s\\n\' "$add"; } > "$f.kms-new"',
  'mv "$f.kms-new" "$f"',
  'rm -f "$f.kms-rm"',
].join('; ')

/**
 * `{host, port, hostKeyFingerprint, login: Credential, add?: keyLine, remove?: keyLine[]}` →
 * Outcome. Acts on the login's own `~/.ssh/authorized_keys`.
 *
 * @throws {BridgeError} ValidationError for a malformed request.
 */
export async function sshAuthorizeKey(opts: SshConnectorOptions, body: Body): Promise<Outcome> {
  allowOnly(body, ['host', 'port', 'hostKeyFingerprint', 'login', 'add', 'remove'])
  const endpoint = endpointFields(body, opts)
  const login = credentialFields(objectField(body, 'login'))
  const add = optionalStringField(body, 'add', 2048, PUBLIC_KEY)
  const removeRaw = Object.hasOwn(body, 'remove') ? body.remove : []
  if (!Array.isArray(removeRaw) || removeRaw.length > 8) {
    throw validationError('remove', 'must be an array of at most 8 public keys')
  }
  const blobs = removeRaw.map((line) => {
    const m = typeof line === 'string' ? PUBLIC_KEY.exec(line) : null
    if (m === null) throw validationError('remove', 'must hold OpenSSH public key lines')
    return m[2]!
  })
  if (add !== undefined) blobs.push(PUBLIC_KEY.exec(add)![2]!)
  if (add === undefined && blobs.length === 0) throw validationError('add', 'or "remove" is required')
  const stdin = `${add ?? ''}\n${blobs.join('\n')}\n`
  return session(opts, endpoint, login, (conn) => exec(conn, AUTHORIZE_SCRIPT, stdin))
}

/**
 * `{comment?}` → `{publicKey, privateKey}`: a new Ed25519 key pair, OpenSSH formats.
 *
 * @throws {BridgeError} ValidationError for a malformed request.
 */
export async function sshGenerateKey(body: Body): Promise<{ publicKey: string; privateKey: string }> {
  allowOnly(body, ['comment'])
  const comment = optionalStringField(body, 'comment', 100, /^[A-Za-z0-9@._:-]+$/) ?? 'edge-kms'
  // ssh2's generator drops a leading zero byte of the 32-byte public key (about one key in 256),
  // which yields a key no server accepts: such a pair is thrown away and another generated.
  for (let attempt = 0; attempt < 16; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519', { comment })
    if (isWellFormedEd25519(pair.public, pair.private)) return { publicKey: pair.public.trim(), privateKey: pair.private }
  }
  throw new Error('ssh key generation kept producing malformed Ed25519 keys')
}

/** `ssh-ed25519 <base64 of: string "ssh-ed25519", string of 32 bytes>`, and a private key that parses to it. */
function isWellFormedEd25519(publicLine: string, privateKey: string): boolean {
  const blob = Buffer.from(publicLine.trim().split(' ')[1] ?? '', 'base64')
  const typeLength = 11 // "ssh-ed25519"
  if (blob.length !== 4 + typeLength + 4 + 32 || blob.readUInt32BE(0) !== typeLength || blob.readUInt32BE(4 + typeLength) !== 32)
    return false
  const parsed = utils.parseKey(privateKey)
  if (parsed instanceof Error || Array.isArray(parsed)) return false
  return Buffer.compare(parsed.getPublicSSH(), blob) === 0
}

function endpointFields(body: Body, opts: SshConnectorOptions): Endpoint {
  const target = targetFields(body, opts.allowed)
  const fingerprint = stringField(body, 'hostKeyFingerprint', 60, FINGERPRINT)
  return { ...target, fingerprint }
}

function credentialFields(body: Body): Credential {
  const user = stringField(body, 'user', 32, USER)
  const password = optionalStringField(body, 'password', MAX_PASSWORD)
  const privateKey = Object.hasOwn(body, 'privateKey') ? body.privateKey : undefined
  if (privateKey !== undefined && (typeof privateKey !== 'string' || privateKey.length > MAX_PRIVATE_KEY)) {
    throw validationError('privateKey', `must be a string of at most ${MAX_PRIVATE_KEY} characters`)
  }
  if ((password === undefined) === (privateKey === undefined)) {
    throw validationError('password', 'or "privateKey" is required (exactly one)')
  }
  if (privateKey !== undefined) {
    const parsed = utils.parseKey(privateKey)
    if (parsed instanceof Error || Array.isArray(parsed) || !parsed.isPrivateKey()) {
      throw validationError('privateKey', 'must be an unencrypted OpenSSH or PEM private key')
    }
    return { user, privateKey }
  }
  return { user, password: password! }
}

type Conn = InstanceType<typeof Client>

async function session(
  opts: SshConnectorOptions,
  endpoint: Endpoint,
  credential: Credential,
  fn: (conn: Conn) => Promise<Outcome>,
): Promise<Outcome> {
  const conn = new Client()
  let mismatch = false
  const pinned = Buffer.from(endpoint.fingerprint)
  const connected = new Promise<Outcome | undefined>((resolve) => {
    conn.once('ready', () => resolve(undefined))
    conn.once('error', (err: Error & { level?: string }) => resolve(classify(err, mismatch)))
    conn.once('close', () => resolve({ ok: false, reason: mismatch ? 'hostKeyMismatch' : 'unreachable' }))
  })
  const run = async (): Promise<Outcome> => {
    conn.connect({
      host: endpoint.host,
      port: endpoint.port,
      username: credential.user,
      ...(credential.password === undefined ? {} : { password: credential.password }),
      ...(credential.privateKey === undefined ? {} : { privateKey: credential.privateKey }),
      tryKeyboard: false,
      readyTimeout: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      hostVerifier: (key: Buffer) => {
        const seen = Buffer.from(sshFingerprint(key))
        const ok = seen.length === pinned.length && timingSafeEqual(seen, pinned)
        if (!ok) mismatch = true
        return ok
      },
    })
    const failure = await connected
    if (failure !== undefined) return failure
    try {
      return await fn(conn)
    } finally {
      conn.end()
    }
  }
  return withDeadline(opts.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS, run, () => conn.destroy())
}

/** Runs `command` with `stdin`; ok when it exits 0. Output is drained and dropped. */
function exec(conn: Conn, command: string, stdin: string): Promise<Outcome> {
  return new Promise((resolve) => {
    conn.exec(command, (err, stream) => {
      if (err) {
        resolve({ ok: false, reason: 'failed' })
        return
      }
      stream.on('data', () => {})
      stream.stderr.on('data', () => {})
      stream.on('close', (code: number | null) => {
        if (code === 0) resolve({ ok: true })
        // sudo -n without a NOPASSWD rule, chpasswd refused by policy: exit 1.
        else resolve({ ok: false, reason: 'denied', code: `exit ${code ?? 'signal'}` })
      })
      stream.end(stdin)
    })
  })
}

function classify(err: Error & { level?: string }, mismatch: boolean): Outcome {
  if (mismatch) return { ok: false, reason: 'hostKeyMismatch' }
  if (err.level === 'client-authentication') return { ok: false, reason: 'authFailed' }
  if (err.level === 'client-timeout') return { ok: false, reason: 'timeout' }
  return socketFailure(err) ?? { ok: false, reason: 'failed' }
}
