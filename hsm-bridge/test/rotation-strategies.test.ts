/**
 * The Rds and ECS rotation strategies (core/domain/secrets/rotation/strategies/) driven through
 * the steps the engine runs — createPending → setPending → testPending → move ACSCurrent →
 * finish — against real PostgreSQL, MariaDB and sshd, via the real bridge routes and the
 * Worker-side client. A step that throws leaves the (simulated) ACSCurrent where it was, as the
 * engine does. Also: ExtendedConfig / SecretData validation (4xx, no value echoed).
 */
import { randomBytes } from 'node:crypto'

import mysql from 'mysql2/promise'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { KmsError } from '../../core/errors.js'
import { createEcsStrategy } from '../../core/domain/secrets/rotation/strategies/ecs.js'
import {
  RotationStepError,
  type ManagedRotationContext,
  type ManagedRotationStrategy,
} from '../../core/domain/secrets/rotation/strategies/managed-common.js'
import { createRdsStrategy } from '../../core/domain/secrets/rotation/strategies/rds.js'
import { MARIADB_AVAILABLE, startMariaDb, type MariaDbServer } from '../../test/integration/servers/mariadb.js'
import { PG_AVAILABLE, startPostgres, type PgServer } from '../../test/integration/servers/postgres.js'
import { fingerprintOf, SSHD_AVAILABLE, startSshd, type SshdServer } from '../../test/integration/servers/sshd.js'
import { startRotationBridge, type RotationBridgeFixture } from './rotation-fixture.js'

interface SecretState {
  config: Record<string, unknown>
  current: string
  previous?: string
}

let bridge: RotationBridgeFixture
const secrets = new Map<string, string>()
const deps = () => ({ connectors: () => bridge.client })

/** One rotation as the engine runs it; ACSCurrent moves only when every step before succeeded. */
async function rotate(strategy: ManagedRotationStrategy, state: SecretState): Promise<void> {
  const ctx: ManagedRotationContext = {
    secretName: 'test',
    config: state.config,
    current: state.current,
    ...(state.previous === undefined ? {} : { previous: state.previous }),
    readSecret: async (name) => {
      const v = secrets.get(name)
      if (v === undefined) throw new Error('no such secret')
      return v
    },
  }
  const pending = await strategy.createPending(ctx)
  ctx.pending = pending
  await strategy.setPending(ctx)
  await strategy.setPending(ctx) // idempotent: a retried step succeeds too
  await strategy.testPending(ctx)
  const replaced = state.current
  state.previous = state.current
  state.current = pending
  // As the engine calls it after the move: `current` is the replaced version, `pending` the new one.
  const { previous: _p, ...rest } = ctx
  await strategy.finish?.({ ...rest, current: replaced, pending })
}

/** A rotation the engine gives up on after setPending: createPending, setPending, rollback. */
async function setThenRollBack(strategy: ManagedRotationStrategy, state: SecretState): Promise<string> {
  const ctx: ManagedRotationContext = {
    secretName: 'test',
    config: state.config,
    current: state.current,
    readSecret: async (name) => secrets.get(name)!,
  }
  ctx.pending = await strategy.createPending(ctx)
  await strategy.setPending(ctx)
  await strategy.rollback!(ctx)
  return ctx.pending
}

beforeAll(async () => {
  bridge = await startRotationBridge()
})
afterAll(async () => {
  await bridge?.close()
})

const acct = (text: string) => JSON.parse(text) as { AccountName: string; AccountPassword: string }

describe('validation at CreateSecret (4xx InvalidParameter, no value echoed)', () => {
  const rds = createRdsStrategy({ connectors: () => undefined })
  const ecs = createEcsStrategy({ connectors: () => undefined })
  const data = JSON.stringify({ Accounts: [{ AccountName: 'app', AccountPassword: 'pw-secret-123' }] })
  const good = { SecretSubType: 'SingleUser', DBInstanceId: 'db1', Engine: 'postgresql', Host: '127.0.0.1', Port: 5432 }

  it.each([
    [{ ...good, SecretSubType: 'Triple' }, 'ExtendedConfig.SecretSubType'],
    [{ ...good, Engine: 'oracle' }, 'ExtendedConfig.Engine'],
    [{ ...good, Host: 'a b' }, 'ExtendedConfig.Host'],
    [{ ...good, Port: 70000 }, 'ExtendedConfig.Port'],
    [{ ...good, SecretSubType: 'DoubleUsers' }, 'ExtendedConfig.AdminSecretName'],
    [{ ...good, Extra: 1 }, 'ExtendedConfig'],
    ['text', 'ExtendedConfig'],
  ])('Rds config %j → %s', (config, parameter) => {
    const err = (() => {
      try {
        rds.validate(config as never, data)
      } catch (e) {
        return e
      }
    })() as KmsError
    expect(err).toBeInstanceOf(KmsError)
    expect(err.code).toBe('validation.invalidParameter')
    expect(err.details?.parameter).toBe(parameter)
  })

  it.each([
    ['{"Accounts":[]}', 'SecretData.Accounts'],
    ['{"Accounts":[{"AccountName":"a"}]}', 'SecretData.AccountPassword'],
    ['not json', 'SecretData'],
  ])('Rds SecretData %s → %s', (text, parameter) => {
    const err = (() => {
      try {
        rds.validate(good, text)
      } catch (e) {
        return e
      }
    })() as KmsError
    expect(err.details?.parameter).toBe(parameter)
    expect(err.message).not.toContain('pw-secret')
  })

  it('accepts the documented Rds and ECS shapes', () => {
    expect(() => rds.validate(good, data)).not.toThrow()
    expect(() => rds.validate({ ...good, SecretSubType: 'DoubleUsers', AdminSecretName: 'db/admin', CustomData: {} }, data)).not.toThrow()
    const ecsCfg = {
      SecretSubType: 'Password',
      Host: '127.0.0.1',
      HostKeyFingerprint: 'SHA256:' + 'A'.repeat(43),
      AdminSecretName: 'host/admin',
    }
    expect(() => ecs.validate(ecsCfg, '{"UserName":"app","Password":"x"}')).not.toThrow()
  })

  it.each([
    [
      { SecretSubType: 'Password', Host: 'h', HostKeyFingerprint: 'SHA256:' + 'A'.repeat(43) },
      '{"UserName":"a","Password":"p"}',
      'ExtendedConfig.AdminSecretName',
    ],
    [{ SecretSubType: 'SSHKey', Host: 'h', HostKeyFingerprint: 'MD5:00' }, '{}', 'ExtendedConfig.HostKeyFingerprint'],
    [
      { SecretSubType: 'SSHKey', Host: 'h', HostKeyFingerprint: 'SHA256:' + 'A'.repeat(43) },
      '{"UserName":"a","PublicKey":"ssh-ed25519 AAAA","PrivateKey":"nope"}',
      'SecretData.PrivateKey',
    ],
    [
      { SecretSubType: 'Password', Host: 'h', HostKeyFingerprint: 'SHA256:' + 'A'.repeat(43), AdminSecretName: 'x', UserName: 'b' },
      '{"UserName":"a","Password":"p"}',
      'ExtendedConfig.UserName',
    ],
  ])('ECS %j → %s', (config, text, parameter) => {
    const err = (() => {
      try {
        ecs.validate(config, text)
      } catch (e) {
        return e
      }
    })() as KmsError
    expect(err.code).toBe('validation.invalidParameter')
    expect(err.details?.parameter).toBe(parameter)
  })

  it('no bridge configured → the rotation fails (notConfigured), nothing thrown at CreateSecret', async () => {
    const ctx = {
      secretName: 's',
      config: good,
      current: data,
      pending: JSON.stringify({ AccountName: 'app', AccountPassword: 'n' }),
      readSecret: async () => '',
    }
    await expect(rds.testPending(ctx)).rejects.toMatchObject({ reason: 'notConfigured' })
  })
})

describe.skipIf(!PG_AVAILABLE)('Rds on PostgreSQL', () => {
  let server: PgServer
  beforeAll(async () => {
    server = await startPostgres()
    secrets.set('pg/admin', JSON.stringify({ AccountName: server.admin.user, AccountPassword: server.admin.password }))
  })
  afterAll(async () => {
    await server?.stop()
  })
  const base = () => ({ DBInstanceId: 'local-pg', Engine: 'postgresql', Host: server.host, Port: server.port, Database: 'postgres' })
  async function login(a: { AccountName: string; AccountPassword: string }): Promise<boolean> {
    const c = new pg.Client({
      host: server.host,
      port: server.port,
      database: 'postgres',
      user: a.AccountName,
      password: a.AccountPassword,
    })
    try {
      await c.connect()
      await c.end()
      return true
    } catch {
      return false
    }
  }

  it('SingleUser (own credential): new password works, old one fails', async () => {
    const name = `app_${randomBytes(3).toString('hex')}`
    const first = { AccountName: name, AccountPassword: 'Initial-' + randomBytes(8).toString('hex') }
    await server.query(`CREATE ROLE ${name} LOGIN PASSWORD ${pg.escapeLiteral(first.AccountPassword)}`)
    const s: SecretState = { config: { ...base(), SecretSubType: 'SingleUser' }, current: JSON.stringify({ Accounts: [first] }) }
    const t0 = performance.now()
    await rotate(createRdsStrategy(deps()), s)
    console.log(`rotation wall time, Rds SingleUser PostgreSQL: ${Math.round(performance.now() - t0)} ms`)
    expect(acct(s.current).AccountName).toBe(name)
    expect(await login(acct(s.current))).toBe(true)
    expect(await login(first)).toBe(false)
  })

  it('DoubleUsers: alternates <user> and <user>_clone; the previous one works until the next rotation', async () => {
    const name = `svc_${randomBytes(3).toString('hex')}`
    const first = { AccountName: name, AccountPassword: 'Initial-' + randomBytes(8).toString('hex') }
    await server.query(`CREATE ROLE ${name} LOGIN PASSWORD ${pg.escapeLiteral(first.AccountPassword)}`)
    const s: SecretState = {
      config: { ...base(), SecretSubType: 'DoubleUsers', AdminSecretName: 'pg/admin' },
      current: JSON.stringify({ Accounts: [first] }),
    }
    const strategy = createRdsStrategy(deps())
    const t0 = performance.now()
    await rotate(strategy, s)
    console.log(`rotation wall time, Rds DoubleUsers PostgreSQL (creates the clone): ${Math.round(performance.now() - t0)} ms`)
    const r1 = acct(s.current)
    expect(r1.AccountName).toBe(`${name}_clone`)
    expect(await login(r1)).toBe(true)
    expect(await login(first)).toBe(true) // previous still valid
    await rotate(strategy, s)
    const r2 = acct(s.current)
    expect(r2.AccountName).toBe(name)
    expect(await login(r2)).toBe(true)
    expect(await login(r1)).toBe(true) // previous (the clone) still valid
    expect(await login(first)).toBe(false) // two rotations ago: replaced
  })

  it("SingleUser rollback (the engine gave up after setPending): ACSCurrent's password works again", async () => {
    const name = `app_${randomBytes(3).toString('hex')}`
    const first = { AccountName: name, AccountPassword: 'Initial-' + randomBytes(8).toString('hex') }
    await server.query(`CREATE ROLE ${name} LOGIN PASSWORD ${pg.escapeLiteral(first.AccountPassword)}`)
    const s: SecretState = { config: { ...base(), SecretSubType: 'SingleUser' }, current: JSON.stringify({ Accounts: [first] }) }
    const pending = await setThenRollBack(createRdsStrategy(deps()), s)
    expect(await login(first)).toBe(true)
    expect(await login(acct(pending))).toBe(false)
  })

  it('unreachable database → the rotation fails at setPending, ACSCurrent untouched', async () => {
    const name = `app_${randomBytes(3).toString('hex')}`
    const first = { AccountName: name, AccountPassword: 'Initial-' + randomBytes(8).toString('hex') }
    await server.query(`CREATE ROLE ${name} LOGIN PASSWORD ${pg.escapeLiteral(first.AccountPassword)}`)
    const current = JSON.stringify({ Accounts: [first] })
    const s: SecretState = { config: { ...base(), Port: 1, SecretSubType: 'SingleUser' }, current }
    const err = await rotate(createRdsStrategy(deps()), s).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RotationStepError)
    expect((err as RotationStepError).reason).toBe('unreachable')
    expect(s.current).toBe(current)
    expect(await login(first)).toBe(true)
  })
})

describe.skipIf(!MARIADB_AVAILABLE)('Rds on MariaDB', () => {
  let server: MariaDbServer
  beforeAll(async () => {
    server = await startMariaDb()
    secrets.set('my/admin', JSON.stringify({ Accounts: [{ AccountName: server.admin.user, AccountPassword: server.admin.password }] }))
  })
  afterAll(async () => {
    await server?.stop()
  })
  const base = () => ({ DBInstanceId: 'local-mariadb', Engine: 'mysql', Host: server.host, Port: server.port })
  async function login(a: { AccountName: string; AccountPassword: string }): Promise<boolean> {
    try {
      const c = await mysql.createConnection({ host: server.host, port: server.port, user: a.AccountName, password: a.AccountPassword })
      await c.end()
      return true
    } catch {
      return false
    }
  }

  it('SingleUser (own credential): new password works, old one fails', async () => {
    const name = `app_${randomBytes(3).toString('hex')}`
    const first = { AccountName: name, AccountPassword: 'Initial-' + randomBytes(8).toString('hex') }
    await server.query('CREATE USER ?@? IDENTIFIED BY ?', [name, '%', first.AccountPassword])
    const s: SecretState = { config: { ...base(), SecretSubType: 'SingleUser' }, current: JSON.stringify({ Accounts: [first] }) }
    const t0 = performance.now()
    await rotate(createRdsStrategy(deps()), s)
    console.log(`rotation wall time, Rds SingleUser MariaDB: ${Math.round(performance.now() - t0)} ms`)
    expect(await login(acct(s.current))).toBe(true)
    expect(await login(first)).toBe(false)
  })

  it('DoubleUsers: alternates, the clone has the grants of the original', async () => {
    const name = `svc_${randomBytes(3).toString('hex')}`
    const first = { AccountName: name, AccountPassword: 'Initial-' + randomBytes(8).toString('hex') }
    await server.query(`CREATE DATABASE d_${name}`)
    await server.query(`CREATE TABLE d_${name}.t (x int)`)
    await server.query('CREATE USER ?@? IDENTIFIED BY ?', [name, '%', first.AccountPassword])
    await server.query(`GRANT SELECT ON d_${name}.* TO ?@?`, [name, '%'])
    const s: SecretState = {
      config: { ...base(), SecretSubType: 'DoubleUsers', AdminSecretName: 'my/admin' },
      current: JSON.stringify({ Accounts: [first] }),
    }
    const strategy = createRdsStrategy(deps())
    const t0 = performance.now()
    await rotate(strategy, s)
    console.log(`rotation wall time, Rds DoubleUsers MariaDB (creates the clone): ${Math.round(performance.now() - t0)} ms`)
    const r1 = acct(s.current)
    expect(r1.AccountName).toBe(`${name}_clone`)
    const c = await mysql.createConnection({ host: server.host, port: server.port, user: r1.AccountName, password: r1.AccountPassword })
    await expect(c.query(`SELECT * FROM d_${name}.t`)).resolves.toBeDefined()
    await c.end()
    expect(await login(first)).toBe(true)
    await rotate(strategy, s)
    expect(acct(s.current).AccountName).toBe(name)
    expect(await login(acct(s.current))).toBe(true)
    expect(await login(r1)).toBe(true)
    expect(await login(first)).toBe(false)
  })
})

describe.skipIf(!SSHD_AVAILABLE)('ECS on sshd', () => {
  let server: SshdServer
  beforeAll(async () => {
    server = await startSshd()
    secrets.set('host/admin', JSON.stringify({ UserName: 'root', PrivateKey: server.admin.privateKey }))
  })
  afterAll(async () => {
    await server?.stop()
  })
  const base = () => ({ Host: server.host, Port: server.port, HostKeyFingerprint: server.hostKeyFingerprint })
  const ep = () => ({ host: server.host, port: server.port, hostKeyFingerprint: server.hostKeyFingerprint })

  it('Password: the new password logs in, the old one no longer does', async () => {
    const { user, password } = server.passwordUser
    const s: SecretState = {
      config: { ...base(), SecretSubType: 'Password', AdminSecretName: 'host/admin' },
      current: JSON.stringify({ UserName: user, Password: password }),
    }
    const t0 = performance.now()
    await rotate(createEcsStrategy(deps()), s)
    console.log(`rotation wall time, ECS Password: ${Math.round(performance.now() - t0)} ms`)
    const next = JSON.parse(s.current) as { Password: string }
    expect(await bridge.client.sshTestLogin({ ...ep(), user, password: next.Password })).toEqual({ ok: true })
    expect(await bridge.client.sshTestLogin({ ...ep(), user, password })).toEqual({ ok: false, reason: 'authFailed' })
    server.passwordUser.password = next.Password
  })

  it('SSHKey: the new key logs in; after finish the old key no longer does', async () => {
    const { user, publicKey, privateKey } = server.keyUser
    const s: SecretState = {
      config: { ...base(), SecretSubType: 'SSHKey' },
      current: JSON.stringify({ UserName: user, PublicKey: publicKey, PrivateKey: privateKey }),
    }
    const t0 = performance.now()
    await rotate(createEcsStrategy(deps()), s)
    console.log(`rotation wall time, ECS SSHKey: ${Math.round(performance.now() - t0)} ms`)
    const next = JSON.parse(s.current) as { PublicKey: string; PrivateKey: string }
    expect(await bridge.client.sshTestLogin({ ...ep(), user, privateKey: next.PrivateKey })).toEqual({ ok: true })
    expect(await bridge.client.sshTestLogin({ ...ep(), user, privateKey })).toEqual({ ok: false, reason: 'authFailed' })
    expect(server.authorizedKeys(user)).toEqual([next.PublicKey])
    server.keyUser.publicKey = next.PublicKey
    server.keyUser.privateKey = next.PrivateKey
  })

  it("rollback: Password gets ACSCurrent's password back; SSHKey loses the pending key", async () => {
    const pw = server.passwordUser
    const ps: SecretState = {
      config: { ...base(), SecretSubType: 'Password', AdminSecretName: 'host/admin' },
      current: JSON.stringify({ UserName: pw.user, Password: pw.password }),
    }
    const pendingPw = JSON.parse(await setThenRollBack(createEcsStrategy(deps()), ps)) as { Password: string }
    expect(await bridge.client.sshTestLogin({ ...ep(), user: pw.user, password: pw.password })).toEqual({ ok: true })
    expect(await bridge.client.sshTestLogin({ ...ep(), user: pw.user, password: pendingPw.Password })).toEqual({
      ok: false,
      reason: 'authFailed',
    })

    const k = server.keyUser
    const ks: SecretState = {
      config: { ...base(), SecretSubType: 'SSHKey' },
      current: JSON.stringify({ UserName: k.user, PublicKey: k.publicKey, PrivateKey: k.privateKey }),
    }
    const pendingKey = JSON.parse(await setThenRollBack(createEcsStrategy(deps()), ks)) as { PublicKey: string; PrivateKey: string }
    expect(await bridge.client.sshTestLogin({ ...ep(), user: k.user, privateKey: pendingKey.PrivateKey })).toEqual({
      ok: false,
      reason: 'authFailed',
    })
    expect(await bridge.client.sshTestLogin({ ...ep(), user: k.user, privateKey: k.privateKey })).toEqual({ ok: true })
    expect(server.authorizedKeys(k.user)).toEqual([k.publicKey])
  })

  it('wrong HostKeyFingerprint → the rotation fails, ACSCurrent untouched, password unchanged', async () => {
    const { user, password } = server.passwordUser
    const wrong = fingerprintOf((await bridge.client.sshGenerateKey()).publicKey)
    const current = JSON.stringify({ UserName: user, Password: password })
    const s: SecretState = {
      config: { ...base(), HostKeyFingerprint: wrong, SecretSubType: 'Password', AdminSecretName: 'host/admin' },
      current,
    }
    const err = await rotate(createEcsStrategy(deps()), s).catch((e: unknown) => e)
    expect((err as RotationStepError).reason).toBe('hostKeyMismatch')
    expect(s.current).toBe(current)
    expect(await bridge.client.sshTestLogin({ ...ep(), user, password })).toEqual({ ok: true })
  })
})
