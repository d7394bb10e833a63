/**
 * @module core/domain/secrets/rotation/strategies/ecs
 *
 * Managed `SecretType=ECS` secrets on any SSH host (an ECS instance or your own). ExtendedConfig:
 *
 * | field | |
 * |---|---|
 * | `SecretSubType` | `Password` or `SSHKey` (required) |
 * | `Host`, `Port` | where the bridge connects (Port defaults to 22) |
 * | `HostKeyFingerprint` | the host key's `SHA256:…` fingerprint as `ssh-keygen -l -E sha256 -f /etc/ssh/ssh_host_ed25519_key.pub` prints it (required: a host with another key fails the rotation) |
 * | `UserName` | optional; must equal SecretData's UserName |
 * | `AdminSecretName` | a secret with a root (or passwordless-sudo) login, `{"UserName","PrivateKey"}` or `{"UserName","Password"}`; required for Password |
 * | `RegionId`, `InstanceId`, `CustomData` | accepted as at Alibaba, not used |
 *
 * SecretData: Password `{"UserName","Password"}`; SSHKey `{"UserName","PublicKey","PrivateKey"}`.
 *
 * - Password: the admin login runs `chpasswd` (bridge); a fresh login with the new password is
 *   tested before it becomes current; the old password stops working.
 * - SSHKey: a new Ed25519 pair; the account's own current key adds the new public key to its
 *   authorized_keys (other keys are kept), a fresh login with the new key is tested, and `finish`
 *   (after the move) removes the old key, logging in with the new one.
 * - rollback (the engine gave up before the move): ACSCurrent's password is set back, or the
 *   pending public key removed.
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
  newPassword,
  optAdminSecretName,
  optPort,
  optString,
  parseJsonObject,
  readAdminLogin,
  reqString,
  RotationStepError,
  stepJson,
  type ManagedRotationStrategy,
  type ManagedStrategyDeps,
} from './managed-common'

export interface EcsConfig {
  subType: 'Password' | 'SSHKey'
  host: string
  port: number
  hostKeyFingerprint: string
  userName: string | undefined
  adminSecretName: string | undefined
}

export type EcsValue = { UserName: string; Password: string } | { UserName: string; PublicKey: string; PrivateKey: string }

const CONFIG_FIELDS = [
  'SecretSubType',
  'Host',
  'Port',
  'HostKeyFingerprint',
  'UserName',
  'AdminSecretName',
  'RegionId',
  'InstanceId',
  'CustomData',
] as const
const USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/
const PUBLIC_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,2}( [^\r\n]{0,200})?$/
const PRIVATE_KEY = /^-----BEGIN ((OPENSSH|RSA|EC) )?PRIVATE KEY-----\r?\n[\s\S]+\r?\n-----END ((OPENSSH|RSA|EC) )?PRIVATE KEY-----\r?\n?$/

/**
 * @throws {KmsError} validation.invalidParameter
 */
export function parseEcsConfig(raw: unknown): EcsConfig {
  const c = configObject(raw)
  allowOnlyKeys(c, CONFIG_FIELDS, 'ExtendedConfig')
  const subType = c.SecretSubType
  if (subType !== 'Password' && subType !== 'SSHKey') {
    throw invalidParameter('ExtendedConfig.SecretSubType', 'must be Password or SSHKey.')
  }
  const adminSecretName = optAdminSecretName(c)
  if (subType === 'Password' && adminSecretName === undefined) {
    throw invalidParameter('ExtendedConfig.AdminSecretName', 'is required for the Password subtype.')
  }
  checkCustomData(c)
  optString(c, 'RegionId', 'ExtendedConfig', 64)
  optString(c, 'InstanceId', 'ExtendedConfig', 128)
  return {
    subType,
    host: reqString(c, 'Host', 'ExtendedConfig', 253, HOST_PATTERN),
    port: optPort(c, 'ExtendedConfig') ?? 22,
    hostKeyFingerprint: reqString(c, 'HostKeyFingerprint', 'ExtendedConfig', 60, FINGERPRINT),
    userName: optString(c, 'UserName', 'ExtendedConfig', 32, USER),
    adminSecretName,
  }
}

/**
 * @throws {KmsError} validation.invalidParameter
 */
export function parseEcsValue(subType: EcsConfig['subType'], text: string): EcsValue {
  const o = parseJsonObject(text, 'SecretData')
  const UserName = reqString(o, 'UserName', 'SecretData', 32, USER)
  if (subType === 'Password') {
    allowOnlyKeys(o, ['UserName', 'Password'], 'SecretData')
    return { UserName, Password: reqString(o, 'Password', 'SecretData', 256) }
  }
  allowOnlyKeys(o, ['UserName', 'PublicKey', 'PrivateKey'], 'SecretData')
  const PublicKey = reqString(o, 'PublicKey', 'SecretData', 2048, PUBLIC_KEY)
  const PrivateKey = o.PrivateKey
  if (typeof PrivateKey !== 'string' || PrivateKey.length > 16_384 || !PRIVATE_KEY.test(PrivateKey)) {
    throw invalidParameter('SecretData.PrivateKey', 'must be an unencrypted private key in OpenSSH or PEM form.')
  }
  return { UserName, PublicKey, PrivateKey }
}

function keyOf(v: EcsValue): { PublicKey: string; PrivateKey: string } {
  if (!('PrivateKey' in v)) throw new RotationStepError('ssh', 'invalidValue')
  return v
}

/**
 * The ECS strategy.
 *
 * @throws never
 */
export function createEcsStrategy(deps: ManagedStrategyDeps = bridgeFromDeps): ManagedRotationStrategy {
  const endpoint = (cfg: EcsConfig) => ({ host: cfg.host, port: cfg.port, hostKeyFingerprint: cfg.hostKeyFingerprint })

  return {
    secretType: 'ECS',

    validate(config, data) {
      const cfg = parseEcsConfig(config)
      const value = parseEcsValue(cfg.subType, data)
      if (cfg.userName !== undefined && cfg.userName !== value.UserName) {
        throw invalidParameter('ExtendedConfig.UserName', 'must equal the UserName of SecretData.')
      }
    },

    async createPending(ctx) {
      const step = 'createPending'
      const cfg = stepJson(step, () => parseEcsConfig(ctx.config))
      const current = stepJson(step, () => parseEcsValue(cfg.subType, ctx.current))
      if (cfg.subType === 'Password') {
        return JSON.stringify({ UserName: current.UserName, Password: newPassword(ctx) })
      }
      const pair = await connectorsOf(deps, ctx, step).sshGenerateKey('edge-kms')
      return JSON.stringify({ UserName: current.UserName, PublicKey: pair.publicKey, PrivateKey: pair.privateKey })
    },

    async setPending(ctx) {
      const step = 'setPending'
      const cfg = stepJson(step, () => parseEcsConfig(ctx.config))
      const current = stepJson(step, () => parseEcsValue(cfg.subType, ctx.current))
      const pending = stepJson(step, () => parseEcsValue(cfg.subType, ctx.pending ?? ''))
      if (pending.UserName !== current.UserName) throw new RotationStepError(step, 'invalidValue')
      const bridge = connectorsOf(deps, ctx, step)
      if (cfg.subType === 'Password') {
        const admin = await readAdminLogin(ctx, cfg.adminSecretName!, step)
        const out = await bridge.sshSetPassword({
          ...endpoint(cfg),
          login: admin,
          user: pending.UserName,
          newPassword: (pending as { Password: string }).Password,
        })
        expectOk(step, out)
        return
      }
      const next = keyOf(pending)
      const add = { ...endpoint(cfg), add: next.PublicKey }
      const out = await bridge.sshAuthorizeKey({ ...add, login: { user: current.UserName, privateKey: keyOf(current).PrivateKey } })
      if (!out.ok && out.reason === 'authFailed') {
        // A retried step whose first attempt already finished: the pending key logs in.
        const retry = await bridge.sshAuthorizeKey({ ...add, login: { user: pending.UserName, privateKey: next.PrivateKey } })
        if (retry.ok) return
      }
      expectOk(step, out)
    },

    async testPending(ctx) {
      const step = 'testPending'
      const cfg = stepJson(step, () => parseEcsConfig(ctx.config))
      const pending = stepJson(step, () => parseEcsValue(cfg.subType, ctx.pending ?? ''))
      const credential = 'Password' in pending ? { password: pending.Password } : { privateKey: pending.PrivateKey }
      expectOk(step, await connectorsOf(deps, ctx, step).sshTestLogin({ ...endpoint(cfg), user: pending.UserName, ...credential }))
    },

    // The engine gave up before the move: Password gets ACSCurrent's password back (admin);
    // SSHKey loses the pending public key (removed with ACSCurrent's key).
    async rollback(ctx) {
      const step = 'rollback'
      const cfg = stepJson(step, () => parseEcsConfig(ctx.config))
      if (ctx.pending === undefined) return
      const current = stepJson(step, () => parseEcsValue(cfg.subType, ctx.current))
      const pending = stepJson(step, () => parseEcsValue(cfg.subType, ctx.pending!))
      const bridge = connectorsOf(deps, ctx, step)
      if ('Password' in current) {
        if ((await bridge.sshTestLogin({ ...endpoint(cfg), user: current.UserName, password: current.Password })).ok) return
        const admin = await readAdminLogin(ctx, cfg.adminSecretName!, step)
        expectOk(
          step,
          await bridge.sshSetPassword({ ...endpoint(cfg), login: admin, user: current.UserName, newPassword: current.Password }),
        )
        return
      }
      const key = keyOf(current)
      if (keyOf(pending).PublicKey.split(' ')[1] === key.PublicKey.split(' ')[1]) return
      expectOk(
        step,
        await bridge.sshAuthorizeKey({
          ...endpoint(cfg),
          login: { user: current.UserName, privateKey: key.PrivateKey },
          remove: [keyOf(pending).PublicKey],
        }),
      )
    },

    async finish(ctx) {
      const cfg = stepJson('finish', () => parseEcsConfig(ctx.config))
      if (cfg.subType !== 'SSHKey') return
      // Called after the move: the new key is `pending` (or, if the engine passes none, current);
      // the old one is whichever of current/previous differs from it.
      const step = 'finish'
      const fresh = keyOf(stepJson(step, () => parseEcsValue(cfg.subType, ctx.pending ?? ctx.current)))
      const olds = [ctx.current, ctx.previous]
        .filter((t): t is string => t !== undefined)
        .map((t) => keyOf(stepJson(step, () => parseEcsValue(cfg.subType, t))).PublicKey)
        .filter((k) => k.split(' ')[1] !== fresh.PublicKey.split(' ')[1])
      if (olds.length === 0) return
      const user = stepJson(step, () => parseEcsValue(cfg.subType, ctx.pending ?? ctx.current)).UserName
      expectOk(
        step,
        await connectorsOf(deps, ctx, step).sshAuthorizeKey({
          ...endpoint(cfg),
          login: { user, privateKey: fresh.PrivateKey },
          remove: olds,
        }),
      )
    },
  }
}

/** The ECS strategy the engine's registry uses (bridge from the engine's deps). */
export const ecsStrategy = createEcsStrategy()
