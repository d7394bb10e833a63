/**
 * @module core/domain/secrets/rotation/ram
 *
 * RAMCredentials (`SecretSubType=RamUserAccessKey`): the secret holds an AccessKey pair of a RAM
 * user of the same account, `{"AccessKeyId","AccessKeySecret","GenerateTimestamp"}`.
 *
 * - create: a new AccessKey for the user. Its id is derived from the secret and the rotation's
 *   version id, so a retried step finds the key it made (and unwraps its secret) instead of making
 *   another. A user holds at most 2 AccessKeys: when full, the oldest key that is not the current
 *   one is deleted first, as Alibaba does.
 * - set: nothing (a new key is active at once). test: the key exists, is Active, and its stored
 *   secret is the pending value's.
 * - finish: the replaced AccessKey keeps working for RAM_OLD_KEY_GRACE_MS, then the job deletes it.
 * - rollback: deletes the key made by create (never the current one).
 */
import { timingSafeEqual, toArrayBuffer, utf8, zeroize, fromUtf8 } from '../../../crypto/bytes'
import { unwrapUnderRoot, wrapUnderRoot } from '../../../crypto/root-key'
import { KmsError, invalidParameter } from '../../../errors'
import { accessKeySecretAad } from '../../authenticate'
import { isoSeconds } from '../../keys/common'
import type { AccessKeyRecord } from '../../model'
import { ConditionFailed } from '../../ports'
import { MAX_ACCESS_KEYS_PER_PRINCIPAL } from '../../principals/access-keys'
import { randomString } from '../../principals/deps'
import { assertUserName } from '../../principals/names'
import type { RotationContext, RotationStrategy } from './strategy'

/**
 * How long the replaced AccessKey keeps working after ACSCurrent moved. Alibaba says an automatic
 * RAM rotation takes "approximately 2 days" end to end; this reads that as the old key's grace.
 */
export const RAM_OLD_KEY_GRACE_MS = 2 * 86_400_000

export const RAM_SUBTYPE = 'RamUserAccessKey'
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

export interface RamSecretValue {
  AccessKeyId: string
  AccessKeySecret: string
  GenerateTimestamp?: string
}

function stepError(step: string, reason: string): KmsError {
  return new KmsError('secret.invalidState', `The secret rotation failed at ${step}: ${reason}.`, { details: { step, reason } })
}

/** @throws KmsError validation.invalidParameter (names the field, never echoes a value) */
export function parseRamValue(data: string, parameter = 'SecretData'): RamSecretValue {
  let parsed: unknown
  try {
    parsed = JSON.parse(data)
  } catch {
    throw invalidParameter(parameter, 'must be a JSON object with AccessKeyId and AccessKeySecret.')
  }
  const v = parsed as Record<string, unknown>
  if (typeof v !== 'object' || v === null || typeof v.AccessKeyId !== 'string' || typeof v.AccessKeySecret !== 'string' || !v.AccessKeyId) {
    throw invalidParameter(parameter, 'must be a JSON object with AccessKeyId and AccessKeySecret.')
  }
  return {
    AccessKeyId: v.AccessKeyId,
    AccessKeySecret: v.AccessKeySecret,
    GenerateTimestamp: typeof v.GenerateTimestamp === 'string' ? v.GenerateTimestamp : undefined,
  }
}

function userName(config: Record<string, unknown>): string {
  return config.UserName as string
}

/** `LTAI` + 20 characters derived from the secret's identity and the rotation's version id. */
async function derivedAccessKeyId(ctx: RotationContext): Promise<string> {
  const seed = `edge-kms/ram-rotation/v1|${ctx.accountId}|${ctx.region}|${ctx.secretName}|${ctx.head.uid ?? ''}|${ctx.versionId}`
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', toArrayBuffer(utf8(seed))))
  let id = 'LTAI'
  for (let i = 0; i < 20; i++) id += ALNUM[digest[i]! % ALNUM.length]
  return id
}

async function ownKey(ctx: RotationContext, id: string): Promise<AccessKeyRecord | undefined> {
  const rec = await ctx.deps.credentials.getAccessKey(id)
  return rec && rec.accountId === ctx.accountId && rec.principal === userName(ctx.config) ? rec : undefined
}

function currentKeyId(ctx: RotationContext): string | undefined {
  try {
    return parseRamValue(ctx.current).AccessKeyId
  } catch {
    return undefined
  }
}

export const ramStrategy: RotationStrategy = {
  validate(config, data) {
    if (config.SecretSubType !== RAM_SUBTYPE) {
      throw invalidParameter('ExtendedConfig.SecretSubType', `must be ${RAM_SUBTYPE} for RAMCredentials secrets.`)
    }
    if (typeof config.UserName !== 'string') throw invalidParameter('ExtendedConfig.UserName', 'is required for RAMCredentials secrets.')
    assertUserName(config.UserName)
    parseRamValue(data)
  },

  async createPending(ctx) {
    const { deps } = ctx
    const user = await deps.iam.getUser(ctx.accountId, userName(ctx.config))
    if (!user || user.state !== 'Active') throw stepError('create', 'the RAM user does not exist')
    const id = await derivedAccessKeyId(ctx)
    const existing = await ownKey(ctx, id)
    if (existing) {
      const secret = await unwrapUnderRoot(deps.rootKeys, existing.wrappedSecret, accessKeySecretAad(id))
      try {
        return JSON.stringify({ AccessKeyId: id, AccessKeySecret: fromUtf8(secret), GenerateTimestamp: existing.createdAt })
      } finally {
        zeroize(secret)
      }
    }
    const keys = await deps.iam.listAccessKeys(ctx.accountId, user.userName)
    if (keys.length >= MAX_ACCESS_KEYS_PER_PRINCIPAL) {
      const current = currentKeyId(ctx)
      const oldest = [...keys]
        .filter((k) => k.accessKeyId !== current)
        .sort((a, b) => (a.createdAt + a.accessKeyId < b.createdAt + b.accessKeyId ? -1 : 1))
      for (const k of oldest.slice(0, keys.length - MAX_ACCESS_KEYS_PER_PRINCIPAL + 1)) {
        await deps.iam.deleteAccessKey(k.accessKeyId, ctx.accountId, user.userName).catch((err) => {
          if (!(err instanceof ConditionFailed)) throw err
        })
      }
    }
    const secret = randomString(deps.random, 30)
    const createdAt = isoSeconds(deps.clock.now())
    const record: AccessKeyRecord = {
      accessKeyId: id,
      accountId: ctx.accountId,
      principal: user.userName,
      status: 'Active',
      wrappedSecret: await wrapUnderRoot(deps.rootKeys, utf8(secret), accessKeySecretAad(id), deps.random),
      createdAt,
    }
    try {
      await deps.credentials.createAccessKey(record)
    } catch (err) {
      if (!(err instanceof ConditionFailed)) throw err
      // A concurrent driver made it first: use its secret.
      return this.createPending(ctx)
    }
    return JSON.stringify({ AccessKeyId: id, AccessKeySecret: secret, GenerateTimestamp: createdAt })
  },

  async setPending(ctx) {
    const pending = parseRamValue(ctx.pending ?? '')
    if (!(await ownKey(ctx, pending.AccessKeyId))) throw stepError('set', 'the new AccessKey does not exist')
  },

  async testPending(ctx) {
    const pending = parseRamValue(ctx.pending ?? '')
    const rec = await ownKey(ctx, pending.AccessKeyId)
    if (!rec || rec.status !== 'Active') throw stepError('test', 'the new AccessKey is not active')
    const stored = await unwrapUnderRoot(ctx.deps.rootKeys, rec.wrappedSecret, accessKeySecretAad(rec.accessKeyId))
    try {
      if (!timingSafeEqual(stored, utf8(pending.AccessKeySecret))) throw stepError('test', 'the new AccessKey does not sign')
    } finally {
      zeroize(stored)
    }
  },

  async finish(ctx) {
    const old = currentKeyId(ctx)
    const pending = parseRamValue(ctx.pending ?? '')
    if (!old || old === pending.AccessKeyId) return undefined
    return { due: isoSeconds(ctx.nowMs + RAM_OLD_KEY_GRACE_MS), ref: old }
  },

  async cleanup(ctx, ref) {
    // ctx.current is ACSCurrent now: never delete the key applications are told to use.
    if (currentKeyId(ctx) === ref) return
    if (!(await ownKey(ctx, ref))) return
    await ctx.deps.iam.deleteAccessKey(ref, ctx.accountId, userName(ctx.config)).catch((err) => {
      if (!(err instanceof ConditionFailed)) throw err
    })
  },

  async rollback(ctx) {
    const id = await derivedAccessKeyId(ctx)
    if (currentKeyId(ctx) === id || !(await ownKey(ctx, id))) return
    await ctx.deps.iam.deleteAccessKey(id, ctx.accountId, userName(ctx.config)).catch((err) => {
      if (!(err instanceof ConditionFailed)) throw err
    })
  },
}
