/**
 * The SSH connector of the bridge against a real OpenSSH sshd started from
 * test/integration/servers/sshd.ts (loopback port, own host key, throw-away accounts), through
 * the signed HTTP routes and the Worker-side client. Needs root (sshd switches users).
 */
import { randomBytes } from 'node:crypto'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { SSHD_AVAILABLE, startSshd, type SshdServer, fingerprintOf } from '../../test/integration/servers/sshd.js'
import { freePort } from '../../scripts/lib/free-port.js'
import { startRotationBridge, type RotationBridgeFixture } from './rotation-fixture.js'

if (!SSHD_AVAILABLE) console.warn('sshd suites skipped: they need root and openssh-server')

describe.skipIf(!SSHD_AVAILABLE)('ssh connector (real sshd)', () => {
  let server: SshdServer
  let bridge: RotationBridgeFixture
  beforeAll(async () => {
    server = await startSshd()
    bridge = await startRotationBridge()
  })
  afterAll(async () => {
    await bridge?.close()
    await server?.stop()
  })
  const endpoint = () => ({ host: server.host, port: server.port, hostKeyFingerprint: server.hostKeyFingerprint })
  const pw = () => randomBytes(15).toString('base64url') + ':$\'"'

  it('computes the host key fingerprint exactly as ssh-keygen -l -E sha256 prints it', () => {
    expect(server.hostKeyFingerprint).toBe(server.hostKeyFingerprintFromSshKeygen)
    expect(server.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
  })

  it('password: admin runs chpasswd; the new password logs in, the old one no longer does', async () => {
    const { user, password: old } = server.passwordUser
    expect(await bridge.client.sshTestLogin({ ...endpoint(), user, password: old })).toEqual({ ok: true })
    const next = pw()
    const out = await bridge.client.sshSetPassword({ ...endpoint(), login: server.admin, user, newPassword: next })
    expect(out).toEqual({ ok: true })
    expect(await bridge.client.sshTestLogin({ ...endpoint(), user, password: next })).toEqual({ ok: true })
    expect(await bridge.client.sshTestLogin({ ...endpoint(), user, password: old })).toEqual({ ok: false, reason: 'authFailed' })
    server.passwordUser.password = next
    const logs = bridge.logs.join('\n')
    expect(logs).not.toContain(next)
    expect(logs).not.toContain(old)
  })

  it('a non-root admin without sudo is denied; the password is unchanged', async () => {
    const { user, password } = server.passwordUser
    // the key user as "admin": sudo -n chpasswd fails (no sudo / no rule)
    const out = await bridge.client.sshSetPassword({
      ...endpoint(),
      login: { user: server.keyUser.user, privateKey: server.keyUser.privateKey },
      user,
      newPassword: pw(),
    })
    expect(out).toMatchObject({ ok: false, reason: 'denied' })
    expect(await bridge.client.sshTestLogin({ ...endpoint(), user, password })).toEqual({ ok: true })
  })

  it('SSH key: adds the new key beside the old, then removes the old; other keys are kept; idempotent', async () => {
    const { user, privateKey: oldPrivate, publicKey: oldPublic } = server.keyUser
    const fresh = await bridge.client.sshGenerateKey('kms-test')
    expect(fresh.publicKey).toMatch(/^ssh-ed25519 [A-Za-z0-9+/=]+ kms-test$/)
    expect(fresh.privateKey).toContain('BEGIN OPENSSH PRIVATE KEY')
    const other = await bridge.client.sshGenerateKey('other')
    const asOld = { user, privateKey: oldPrivate }
    expect(await bridge.client.sshAuthorizeKey({ ...endpoint(), login: asOld, add: other.publicKey })).toEqual({ ok: true })

    expect(await bridge.client.sshAuthorizeKey({ ...endpoint(), login: asOld, add: fresh.publicKey })).toEqual({ ok: true })
    expect(await bridge.client.sshAuthorizeKey({ ...endpoint(), login: asOld, add: fresh.publicKey })).toEqual({ ok: true })
    expect(server.authorizedKeys(user).filter((l) => l === fresh.publicKey)).toHaveLength(1)
    expect(await bridge.client.sshTestLogin({ ...endpoint(), user, privateKey: fresh.privateKey })).toEqual({ ok: true })
    expect(await bridge.client.sshTestLogin({ ...endpoint(), user, privateKey: oldPrivate })).toEqual({ ok: true })

    const asNew = { user, privateKey: fresh.privateKey }
    expect(await bridge.client.sshAuthorizeKey({ ...endpoint(), login: asNew, remove: [oldPublic] })).toEqual({ ok: true })
    expect(await bridge.client.sshTestLogin({ ...endpoint(), user, privateKey: oldPrivate })).toEqual({ ok: false, reason: 'authFailed' })
    expect(await bridge.client.sshTestLogin({ ...endpoint(), user, privateKey: fresh.privateKey })).toEqual({ ok: true })
    const lines = server.authorizedKeys(user)
    expect(lines).toContain(other.publicKey)
    expect(lines.some((l) => l.includes(oldPublic.split(' ')[1]!))).toBe(false)
    server.keyUser.privateKey = fresh.privateKey
    server.keyUser.publicKey = fresh.publicKey
    expect(bridge.logs.join('\n')).not.toContain(fresh.privateKey.split('\n')[1]!)
  })

  it('a wrong pinned host key fails before any credential is sent; nothing changes', async () => {
    const { user, password } = server.passwordUser
    const wrong = fingerprintOf((await bridge.client.sshGenerateKey()).publicKey)
    const out = await bridge.client.sshSetPassword({
      ...endpoint(),
      hostKeyFingerprint: wrong,
      login: server.admin,
      user,
      newPassword: pw(),
    })
    expect(out).toEqual({ ok: false, reason: 'hostKeyMismatch' })
    expect(await bridge.client.sshTestLogin({ ...endpoint(), hostKeyFingerprint: wrong, user, password })).toEqual({
      ok: false,
      reason: 'hostKeyMismatch',
    })
    expect(await bridge.client.sshTestLogin({ ...endpoint(), user, password })).toEqual({ ok: true })
  })

  it('a closed port is unreachable; a malformed fingerprint or key is a validation error', async () => {
    const port = await freePort()
    expect(await bridge.client.sshTestLogin({ ...endpoint(), port, user: 'x', password: 'y' })).toMatchObject({
      ok: false,
      reason: 'unreachable',
    })
    await expect(
      bridge.client.sshTestLogin({ ...endpoint(), hostKeyFingerprint: 'MD5:aa', user: 'x', password: 'y' }),
    ).rejects.toMatchObject({ code: 'validation.invalidParameter' })
    await expect(bridge.client.sshTestLogin({ ...endpoint(), user: 'x', privateKey: 'not a key' })).rejects.toMatchObject({
      code: 'validation.invalidParameter',
    })
  })
})
