/**
 * Managed ECS secrets end to end: the official openapi-client (callApi, ACS3) against the local
 * stack, whose Worker rotates through the stack's hsm-bridge into a real OpenSSH sshd started here
 * (test/integration/servers/sshd.ts; needs root). Password and SSHKey subtypes rotate with
 * RotateSecret (and by the scheduled job after the interval); the new credential logs in, the old
 * one no longer does; a wrong HostKeyFingerprint fails the rotation with ACSCurrent unchanged.
 */
import { randomUUID } from 'node:crypto'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { RotationBridgeClient } from '../../core/hsm-client/rotation'
import { openApiCaller, stackInfo } from './clients'
import { managedRotationReady, rotateAndWait, rotateByCron, secretValue } from './servers/managed-secrets'
import { fingerprintOf, SSHD_AVAILABLE, startSshd, type SshdServer } from './servers/sshd'

const run = randomUUID().slice(0, 8)

let call: ReturnType<typeof openApiCaller>
let ready: string | true
let server: SshdServer | undefined
/** The stack's own bridge, to test logins exactly as the rotation does. */
let probe: RotationBridgeClient | undefined
const adminName = `it-ecs-admin-${run}`

beforeAll(async () => {
  call = openApiCaller()
  ready = await managedRotationReady(call, 'ECS')
  const hsm = stackInfo().hsm
  if (ready !== true || !SSHD_AVAILABLE || hsm === undefined) return
  probe = new RotationBridgeClient({ baseUrl: hsm.url, secret: hsm.secret })
  server = await startSshd()
  await call('CreateSecret', {
    SecretName: adminName,
    VersionId: 'v1',
    SecretDataType: 'text',
    SecretData: JSON.stringify({ UserName: 'root', PrivateKey: server.admin.privateKey }),
  })
})
afterAll(async () => {
  await server?.stop()
})

const skipUnlessReady = (ctx: { skip: () => void }) => {
  if (ready !== true || server === undefined) ctx.skip()
}
const base = () => ({ Host: '127.0.0.1', Port: server!.port, HostKeyFingerprint: server!.hostKeyFingerprint })
const ep = () => ({ host: '127.0.0.1', port: server!.port, hostKeyFingerprint: server!.hostKeyFingerprint })

async function createEcs(name: string, config: Record<string, unknown>, value: unknown): Promise<void> {
  await call('CreateSecret', {
    SecretName: name,
    VersionId: 'v1',
    SecretType: 'ECS',
    SecretDataType: 'text',
    SecretData: JSON.stringify(value),
    ExtendedConfig: JSON.stringify(config),
    EnableAutomaticRotation: 'true',
    RotationInterval: '7d',
  })
}

describe.skipIf(!SSHD_AVAILABLE)('ECS secrets on a real sshd', () => {
  it('Password: RotateSecret changes it (admin chpasswd); the new one logs in, the old one does not; again by the scheduled job', async (ctx) => {
    skipUnlessReady(ctx)
    const { user, password } = server!.passwordUser
    const name = `acs/ecs/it-password-${run}`
    const first = JSON.stringify({ UserName: user, Password: password })
    await createEcs(name, { ...base(), SecretSubType: 'Password', AdminSecretName: adminName }, { UserName: user, Password: password })
    const t0 = performance.now()
    const r1 = JSON.parse(await rotateAndWait(call, name, first)) as { UserName: string; Password: string }
    console.log(`rotation wall time (RotateSecret → new ACSCurrent), ECS Password: ${Math.round(performance.now() - t0)} ms`)
    expect(r1.UserName).toBe(user)
    expect(await probe!.sshTestLogin({ ...ep(), user, password: r1.Password })).toEqual({ ok: true })
    expect(await probe!.sshTestLogin({ ...ep(), user, password })).toEqual({ ok: false, reason: 'authFailed' })
    const r2 = JSON.parse(await rotateByCron(call, name, JSON.stringify(r1), 8)) as { Password: string }
    expect(await probe!.sshTestLogin({ ...ep(), user, password: r2.Password })).toEqual({ ok: true })
    expect(await probe!.sshTestLogin({ ...ep(), user, password: r1.Password })).toEqual({ ok: false, reason: 'authFailed' })
    server!.passwordUser.password = r2.Password
  })

  it('SSHKey: RotateSecret installs a new key pair; the new key logs in, the old one does not', async (ctx) => {
    skipUnlessReady(ctx)
    const { user, publicKey, privateKey } = server!.keyUser
    const name = `acs/ecs/it-key-${run}`
    const value = { UserName: user, PublicKey: publicKey, PrivateKey: privateKey }
    await createEcs(name, { ...base(), SecretSubType: 'SSHKey' }, value)
    const t0 = performance.now()
    const next = JSON.parse(await rotateAndWait(call, name, JSON.stringify(value))) as typeof value
    console.log(`rotation wall time (RotateSecret → new ACSCurrent), ECS SSHKey: ${Math.round(performance.now() - t0)} ms`)
    expect(next.PublicKey).not.toBe(publicKey)
    expect(await probe!.sshTestLogin({ ...ep(), user, privateKey: next.PrivateKey })).toEqual({ ok: true })
    expect(await probe!.sshTestLogin({ ...ep(), user, privateKey })).toEqual({ ok: false, reason: 'authFailed' })
  })

  it('a wrong HostKeyFingerprint fails the rotation; ACSCurrent unchanged, the password still works', async (ctx) => {
    skipUnlessReady(ctx)
    const { user, password } = server!.passwordUser
    const wrong = fingerprintOf((await probe!.sshGenerateKey()).publicKey)
    const name = `acs/ecs/it-wrong-host-${run}`
    const value = { UserName: user, Password: password }
    await createEcs(name, { ...base(), HostKeyFingerprint: wrong, SecretSubType: 'Password', AdminSecretName: adminName }, value)
    await call('RotateSecret', { SecretName: name, VersionId: 'v2' }).catch(() => undefined)
    await rotateByCron(call, name, JSON.stringify(value), 0, { expectUnchanged: true })
    expect(JSON.parse(await secretValue(call, name))).toEqual(value)
    expect(await probe!.sshTestLogin({ ...ep(), user, password })).toEqual({ ok: true })
    const described = await call('DescribeSecret', { SecretName: name })
    expect(described.RotationStatus).toBe('Failed')
    expect(String(described.LastRotationError)).toMatch(/hostKeyMismatch/)
    expect(JSON.stringify(described)).not.toContain(password)
  })

  it('a bad ExtendedConfig (no HostKeyFingerprint) is a 400 InvalidParameter', async (ctx) => {
    skipUnlessReady(ctx)
    const err = await call('CreateSecret', {
      SecretName: `acs/ecs/it-bad-${run}`,
      VersionId: 'v1',
      SecretType: 'ECS',
      SecretDataType: 'text',
      SecretData: JSON.stringify({ UserName: 'u', Password: 'never-echoed-pw' }),
      ExtendedConfig: JSON.stringify({ SecretSubType: 'Password', Host: '127.0.0.1', AdminSecretName: adminName }),
    }).then(
      () => undefined,
      (e: { code?: string; message: string }) => e,
    )
    expect(String(err?.code)).toContain('InvalidParameter')
    expect(err!.message).not.toContain('never-echoed-pw')
  })
})
