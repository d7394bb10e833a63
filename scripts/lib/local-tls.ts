/**
 * The local stack's TLS material, under `<dataDir>/tls/`, made with the `openssl` CLI on first
 * start (and again when it is missing, damaged or expires within a week):
 *
 *   ca.pem           a local CA (EC P-256, 10 years) — what clients trust (`caCertPath`)
 *   server.pem       the server certificate it issued: 127.0.0.1, ::1 and localhost, serverAuth
 *   server-key.pem   its private key (0600)
 *
 * The CA's private key is deleted as soon as the server certificate is signed: trusting `ca.pem`
 * then trusts this one certificate and nothing else anybody could mint later.
 */
import { execFileSync } from 'node:child_process'
import { X509Certificate, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface LocalTls {
  caCertPath: string
  certPath: string
  keyPath: string
  cert: string
  key: string
}

const RENEW_BEFORE_MS = 7 * 24 * 3600_000

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').slice(-2000)
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT'
    throw new Error(
      missing
        ? 'The `openssl` command is needed to create the local HTTPS certificate; install OpenSSL.'
        : `openssl ${args[0]} failed: ${stderr}`,
    )
  }
}

/** The material in `dir` if it is complete, chained, for 127.0.0.1 and not about to expire. */
function usable(dir: string, now: number): LocalTls | undefined {
  const caCertPath = join(dir, 'ca.pem')
  const certPath = join(dir, 'server.pem')
  const keyPath = join(dir, 'server-key.pem')
  if (![caCertPath, certPath, keyPath].every((f) => existsSync(f))) return undefined
  try {
    const ca = new X509Certificate(readFileSync(caCertPath))
    const cert = readFileSync(certPath, 'utf8')
    const server = new X509Certificate(cert)
    if (!server.checkIssued(ca) || !server.verify(ca.publicKey)) return undefined
    if (server.checkIP('127.0.0.1') === undefined || server.checkHost('localhost') === undefined) return undefined
    if (Date.parse(server.validTo) - now < RENEW_BEFORE_MS || Date.parse(ca.validTo) - now < RENEW_BEFORE_MS) return undefined
    const key = readFileSync(keyPath, 'utf8')
    return { caCertPath, certPath, keyPath, cert, key }
  } catch {
    return undefined
  }
}

/**
 * Returns the stack's TLS material, creating it first when needed (`now` decides whether what
 * exists expires too soon).
 *
 * @throws {Error} when `openssl` is missing or fails.
 */
export function ensureLocalTls(dataDir: string, now = Date.now()): LocalTls {
  const dir = join(dataDir, 'tls')
  const existing = usable(dir, now)
  if (existing) return existing

  mkdirSync(dataDir, { recursive: true })
  // Inside the data dir, so that the final renames stay on one file system.
  const work = mkdtempSync(join(dataDir, '.tls-'))
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
    openssl(
      [
        'req',
        '-x509',
        ...ec,
        '-keyout',
        'ca-key.pem',
        '-out',
        'ca.pem',
        '-days',
        '3650',
        '-sha256',
        '-subj',
        `/CN=Edge KMS local CA ${randomBytes(4).toString('hex')}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE,pathlen:0',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
        '-addext',
        'subjectKeyIdentifier=hash',
      ],
      work,
    )
    openssl(['req', '-new', ...ec, '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], work)
    writeFileSync(
      join(work, 'server.ext'),
      [
        'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=serverAuth',
        'subjectKeyIdentifier=hash',
        'authorityKeyIdentifier=keyid',
        '',
      ].join('\n'),
    )
    openssl(
      [
        'x509',
        '-req',
        '-in',
        'server.csr',
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca-key.pem',
        '-set_serial',
        `0x${randomBytes(16)
          .toString('hex')
          .replace(/^[89a-f]/, '1')}`,
        '-days',
        '825',
        '-sha256',
        '-extfile',
        'server.ext',
        '-out',
        'server.pem',
      ],
      work,
    )
    rmSync(join(work, 'ca-key.pem'), { force: true })
    mkdirSync(dir, { recursive: true })
    chmodSync(join(work, 'server-key.pem'), 0o600)
    for (const name of ['server-key.pem', 'server.pem', 'ca.pem']) renameSync(join(work, name), join(dir, name))
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  // Judged by the real clock: `now` (a test's) only decides whether to make new material.
  const made = usable(dir, Date.now())
  if (!made) throw new Error(`The certificate made under ${dir} does not verify.`)
  return made
}
