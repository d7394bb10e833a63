/**
 * The local stack's HTTPS pieces that need no running stack: the port configuration of
 * `npm start` and the TLS material made under the data dir (scripts/lib/local-tls.ts).
 */
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ensureLocalTls } from '../../scripts/lib/local-tls'
import { readStackConfig, StackError } from '../../scripts/lib/stack'

const dirs: string[] = []
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'kms-tls-test-'))
  dirs.push(d)
  return d
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

describe('readStackConfig: the HTTPS port', () => {
  it('prefers KMS_PORT + 1 when KMS_HTTPS_PORT is unset (a free port if that one is taken)', () => {
    const config = readStackConfig({ KMS_PORT: '9000' })
    expect(config.httpsPort).toBeUndefined()
    expect(config.preferredHttpsPort).toBe(9001)
    expect(readStackConfig({}).preferredHttpsPort).toBe(8788)
  })

  it('takes KMS_HTTPS_PORT as a must (a taken port is then an error at start)', () => {
    expect(readStackConfig({ KMS_PORT: '9000', KMS_HTTPS_PORT: '9443' })).toMatchObject({ port: 9000, httpsPort: 9443 })
  })

  it('refuses a KMS_HTTPS_PORT that is no port or equals KMS_PORT', () => {
    for (const bad of ['0', '65536', 'x', '9000']) {
      expect(() => readStackConfig({ KMS_PORT: '9000', KMS_HTTPS_PORT: bad }), bad).toThrow(StackError)
    }
  })
})

describe('ensureLocalTls', () => {
  it('makes a CA and a server certificate for 127.0.0.1 / localhost, and keeps no CA key', () => {
    const dataDir = tempDir()
    const tls = ensureLocalTls(dataDir)
    const ca = new X509Certificate(readFileSync(tls.caCertPath))
    const server = new X509Certificate(tls.cert)
    expect(ca.ca).toBe(true)
    expect(server.ca).toBe(false)
    expect(server.checkIssued(ca) && server.verify(ca.publicKey)).toBe(true)
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1')
    expect(server.checkHost('localhost')).toBe('localhost')
    expect(server.keyUsage).toContain('1.3.6.1.5.5.7.3.1') // serverAuth
    expect(readdirSync(join(dataDir, 'tls')).sort()).toEqual(['ca.pem', 'server-key.pem', 'server.pem'])
    expect(readdirSync(dataDir)).toEqual(['tls']) // no work dir left behind
    expect(statSync(tls.keyPath).mode & 0o777).toBe(0o600)
  })

  it('reuses what it made, and makes it again when it is damaged or about to expire', () => {
    const dataDir = tempDir()
    const first = ensureLocalTls(dataDir)
    expect(ensureLocalTls(dataDir).cert).toBe(first.cert)
    const expiry = Date.parse(new X509Certificate(first.cert).validTo)
    expect(ensureLocalTls(dataDir, expiry - 3600_000).cert).not.toBe(first.cert)
    writeFileSync(join(dataDir, 'tls', 'server.pem'), 'not a certificate')
    const remade = ensureLocalTls(dataDir)
    expect(new X509Certificate(remade.cert).checkIssued(new X509Certificate(readFileSync(remade.caCertPath)))).toBe(true)
  })
})
