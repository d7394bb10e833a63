/**
 * @module core/domain/secrets/rotation/strategies/rds
 *
 * Managed `SecretType=Rds` secrets on a self-hosted PostgreSQL or MySQL/MariaDB. ExtendedConfig:
 *
 * | field | |
 * |---|---|
 * | `SecretSubType` | `SingleUser` or `DoubleUsers` (required) |
 * | `DBInstanceId` | the instance's name (required, as at Alibaba; any label for a self-hosted one) |
 * | `Engine` | `postgresql` or `mysql` (required; `mysql` also means MariaDB) |
 * | `Host`, `Port` | where the bridge connects (Port defaults to 5432 / 3306) |
 * | `Database` | database to log in to (PostgreSQL, default `postgres`; MySQL optional) |
 * | `AccountHost` | MySQL account host part (`'user'@'host'`), default `%` |
 * | `AdminSecretName` | a secret holding a privileged login; required for DoubleUsers and for accounts that may not change their own password |
 * | `CustomData` | free object, as at Alibaba |
 *
 * SecretData at CreateSecret: `{"Accounts":[{"AccountName","AccountPassword"}]}` (one account);
 * each rotated version holds `{"AccountName","AccountPassword"}` (what Alibaba returns).
 *
 * - SingleUser: a new password for the one account, set by the account itself (or the admin),
 *   tested by a fresh login before it becomes current. The old password stops working.
 * - DoubleUsers: the account ACSPrevious points to (on the first rotation `<AccountName>_clone`,
 *   created by the admin with the privileges of the original) gets a new password and becomes
 *   current; the previously current account keeps working until the rotation after.
 * - rollback (the engine gave up before the move): a SingleUser account gets ACSCurrent's
 *   password back.
 */
import { invalidParameter } from '../../../../errors'
import {
  allowOnlyKeys,
  bridgeFromDeps,
  checkCustomData,
  configObject,
  connectorsOf,
  expectOk,
  HOST_PATTERN,
  isObject,
  newPassword,
  optAdminSecretName,
  optPort,
  optString,
  parseJsonObject,
  readAdminLogin,
  reqString,
  RotationStepError,
  stepJson,
  type AdminLogin,
  type ManagedRotationContext,
  type ManagedRotationStrategy,
  type ManagedStrategyDeps,
} from './managed-common'

export interface RdsConfig {
  subType: 'SingleUser' | 'DoubleUsers'
  dbInstanceId: string
  engine: 'postgresql' | 'mysql'
  host: string
  port: number
  database: string | undefined
  accountHost: string | undefined
  adminSecretName: string | undefined
}

export interface RdsAccount {
  AccountName: string
  AccountPassword: string
}

const CONFIG_FIELDS = [
  'SecretSubType',
  'DBInstanceId',
  'Engine',
  'Host',
  'Port',
  'Database',
  'AccountHost',
  'AdminSecretName',
  'CustomData',
] as const
const ACCOUNT_NAME = /^[^\0'"`\\]{1,63}$/

/**
 * @throws {KmsError} validation.invalidParameter
 */
export function parseRdsConfig(raw: unknown): RdsConfig {
  const c = configObject(raw)
  allowOnlyKeys(c, CONFIG_FIELDS, 'ExtendedConfig')
  const subType = c.SecretSubType
  if (subType !== 'SingleUser' && subType !== 'DoubleUsers') {
    throw invalidParameter('ExtendedConfig.SecretSubType', 'must be SingleUser or DoubleUsers.')
  }
  const engine = c.Engine
  if (engine !== 'postgresql' && engine !== 'mysql') {
    throw invalidParameter('ExtendedConfig.Engine', 'must be postgresql or mysql (self-hosted databases only).')
  }
  const adminSecretName = optAdminSecretName(c)
  if (subType === 'DoubleUsers' && adminSecretName === undefined) {
    throw invalidParameter('ExtendedConfig.AdminSecretName', 'is required for DoubleUsers.')
  }
  checkCustomData(c)
  return {
    subType,
    dbInstanceId: reqString(c, 'DBInstanceId', 'ExtendedConfig', 128),
    engine,
    host: reqString(c, 'Host', 'ExtendedConfig', 253, HOST_PATTERN),
    port: optPort(c, 'ExtendedConfig') ?? (engine === 'postgresql' ? 5432 : 3306),
    database: optString(c, 'Database', 'ExtendedConfig', 63, ACCOUNT_NAME),
    accountHost: engine === 'mysql' ? optString(c, 'AccountHost', 'ExtendedConfig', 255, /^[A-Za-z0-9.%_:-]+$/) : undefined,
    adminSecretName,
  }
}

/**
 * The account of a version: `{"AccountName","AccountPassword"}` or the CreateSecret form
 * `{"Accounts":[{…}]}` (its first account).
 *
 * @throws {KmsError} validation.invalidParameter
 */
export function parseRdsAccount(text: string): RdsAccount {
  const o = parseJsonObject(text, 'SecretData')
  let acct: Record<string, unknown> = o
  if (o.Accounts !== undefined) {
    allowOnlyKeys(o, ['Accounts'], 'SecretData')
    if (!Array.isArray(o.Accounts) || o.Accounts.length !== 1 || !isObject(o.Accounts[0])) {
      throw invalidParameter('SecretData.Accounts', 'must be an array of exactly one account.')
    }
    acct = o.Accounts[0]
  }
  allowOnlyKeys(acct, ['AccountName', 'AccountPassword'], 'SecretData')
  return {
    AccountName: reqString(acct, 'AccountName', 'SecretData', 63, ACCOUNT_NAME),
    AccountPassword: reqString(acct, 'AccountPassword', 'SecretData', 256),
  }
}

/**
 * The Rds strategy.
 *
 * @throws never
 */
export function createRdsStrategy(deps: ManagedStrategyDeps = bridgeFromDeps): ManagedRotationStrategy {
  const database = (cfg: RdsConfig) => cfg.database ?? (cfg.engine === 'postgresql' ? 'postgres' : undefined)

  async function setPassword(
    ctx: ManagedRotationContext,
    step: string,
    cfg: RdsConfig,
    login: AdminLogin,
    account: RdsAccount,
    original: string | undefined,
  ): Promise<void> {
    const bridge = connectorsOf(deps, ctx, step)
    if (login.password === undefined) throw new RotationStepError(step, 'invalidValue')
    const out =
      cfg.engine === 'postgresql'
        ? await bridge.postgresSetPassword({
            host: cfg.host,
            port: cfg.port,
            database: database(cfg)!,
            login: { user: login.user, password: login.password },
            user: account.AccountName,
            newPassword: account.AccountPassword,
            ...(original === undefined ? {} : { memberOf: original }),
          })
        : await bridge.mysqlSetPassword({
            host: cfg.host,
            port: cfg.port,
            login: { user: login.user, password: login.password },
            user: account.AccountName,
            ...(cfg.accountHost === undefined ? {} : { accountHost: cfg.accountHost }),
            newPassword: account.AccountPassword,
            ...(original === undefined ? {} : { cloneOf: original }),
          })
    expectOk(step, out)
  }

  async function testLogin(ctx: ManagedRotationContext, step: string, cfg: RdsConfig, account: RdsAccount) {
    const bridge = connectorsOf(deps, ctx, step)
    const db = database(cfg)
    return cfg.engine === 'postgresql'
      ? bridge.postgresTestLogin({
          host: cfg.host,
          port: cfg.port,
          database: db!,
          user: account.AccountName,
          password: account.AccountPassword,
        })
      : bridge.mysqlTestLogin({
          host: cfg.host,
          port: cfg.port,
          user: account.AccountName,
          password: account.AccountPassword,
          ...(db === undefined ? {} : { database: db }),
        })
  }

  return {
    secretType: 'Rds',

    validate(config, data) {
      parseRdsConfig(config)
      parseRdsAccount(data)
    },

    async createPending(ctx) {
      const step = 'createPending'
      const cfg = stepJson(step, () => parseRdsConfig(ctx.config))
      const current = stepJson(step, () => parseRdsAccount(ctx.current))
      let name = current.AccountName
      if (cfg.subType === 'DoubleUsers') {
        const previous = ctx.previous === undefined ? undefined : stepJson(step, () => parseRdsAccount(ctx.previous!))
        name =
          previous !== undefined && previous.AccountName !== current.AccountName
            ? previous.AccountName
            : current.AccountName.endsWith('_clone')
              ? current.AccountName.slice(0, -'_clone'.length)
              : `${current.AccountName}_clone`
      }
      return JSON.stringify({ AccountName: name, AccountPassword: newPassword(ctx) })
    },

    async setPending(ctx) {
      const step = 'setPending'
      const cfg = stepJson(step, () => parseRdsConfig(ctx.config))
      const current = stepJson(step, () => parseRdsAccount(ctx.current))
      const pending = stepJson(step, () => parseRdsAccount(ctx.pending ?? ''))
      if (cfg.adminSecretName !== undefined) {
        const admin = await readAdminLogin(ctx, cfg.adminSecretName, step)
        // DoubleUsers: the account is created (with the privileges of the current one) if missing.
        const original = cfg.subType === 'DoubleUsers' && pending.AccountName !== current.AccountName ? current.AccountName : undefined
        await setPassword(ctx, step, cfg, admin, pending, original)
        return
      }
      // SingleUser without admin: the account changes its own password. A retried step finds the
      // pending password already in place.
      if (pending.AccountName !== current.AccountName) throw new RotationStepError(step, 'invalidValue')
      try {
        await setPassword(ctx, step, cfg, { user: current.AccountName, password: current.AccountPassword }, pending, undefined)
      } catch (err) {
        if (err instanceof RotationStepError && err.reason === 'authFailed') {
          const already = await testLogin(ctx, step, cfg, pending)
          if (already.ok) return
        }
        throw err
      }
    },

    async testPending(ctx) {
      const step = 'testPending'
      const cfg = stepJson(step, () => parseRdsConfig(ctx.config))
      const pending = stepJson(step, () => parseRdsAccount(ctx.pending ?? ''))
      expectOk(step, await testLogin(ctx, step, cfg, pending))
    },

    // The engine gave up before the move. SingleUser: ACSCurrent's password is put back (by the
    // admin, or by the account with the pending password it may now have). DoubleUsers: nothing
    // to undo, ACSCurrent's account was never touched.
    async rollback(ctx) {
      const step = 'rollback'
      const cfg = stepJson(step, () => parseRdsConfig(ctx.config))
      if (cfg.subType !== 'SingleUser' || ctx.pending === undefined) return
      const current = stepJson(step, () => parseRdsAccount(ctx.current))
      const pending = stepJson(step, () => parseRdsAccount(ctx.pending!))
      if ((await testLogin(ctx, step, cfg, current)).ok) return
      const login =
        cfg.adminSecretName !== undefined
          ? await readAdminLogin(ctx, cfg.adminSecretName, step)
          : { user: pending.AccountName, password: pending.AccountPassword }
      await setPassword(ctx, step, cfg, login, current, undefined)
    },
  }
}

/** The Rds strategy the engine's registry uses (bridge from the engine's deps). */
export const rdsStrategy = createRdsStrategy()
