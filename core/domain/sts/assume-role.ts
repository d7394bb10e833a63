/**
 * @module core/domain/sts/assume-role
 *
 * STS AssumeRole and GetCallerIdentity (Version 2015-04-01).
 *
 * AssumeRole needs, in this order: `sts:AssumeRole` on the role ARN in the caller's own policies
 * (the AssumeRole descriptor, functions/alibaba/sts/assume-role.ts; the root implicitly), a role that exists, and a trust policy
 * naming the caller or its account root (`NoPermission`, 403, otherwise). The credentials it
 * returns are a temporary AccessKey pair and a stateless security token
 * (core/auth/security-token.ts) valid for `DurationSeconds` (900 to the role's
 * MaxSessionDuration, default 3600; a session assuming a role again gets at most 3600). An
 * optional session `Policy` only narrows: requests of the session are allowed only where both
 * the role's policies and the session policy allow (functions/authorize.ts).
 */
import { newTemporaryAccessKey, sealSecurityToken } from '../../auth/security-token'
import type { RandomSource } from '../../crypto/random'
import type { RootKeyRing } from '../../crypto/root-key'
import { utf8 } from '../../crypto/bytes'
import { KmsError, invalidParameter } from '../../errors'
import type { Caller } from '../model'
import type { Clock, IamRepository } from '../ports'
import { parsePolicyDocument } from '../policy/document'
import { isoSeconds } from '../principals/deps'
import { ROOT_PRINCIPAL } from '../principals/model'
import { getActiveRole, roleArn } from '../principals/roles'
import { parseTrustPolicy, trustAllows } from '../principals/trust-policy'

export const MIN_DURATION_SECONDS = 900
export const DEFAULT_DURATION_SECONDS = 3600
/** Role chaining (a session assuming a role) is limited to an hour, as Alibaba does. */
export const CHAINED_MAX_DURATION_SECONDS = 3600
export const MAX_SESSION_POLICY_BYTES = 2048

const SESSION_NAME = /^[A-Za-z0-9.@_-]{2,64}$/
const ROLE_ARN = /^acs:ram::(\d{1,32}):role\/([A-Za-z0-9.-]{1,64})$/

export interface StsDeps {
  iam: IamRepository
  clock: Clock
  random: RandomSource
  rootKeys: RootKeyRing
}

export interface AssumeRoleInput {
  roleArn: string
  roleSessionName: string
  durationSeconds?: number
  policy?: string
}

export interface AssumeRoleOutput {
  accessKeyId: string
  accessKeySecret: string
  securityToken: string
  /** ISO-8601 UTC, second precision. */
  expiration: string
  assumedRoleArn: string
  assumedRoleId: string
}

function noPermission(): KmsError {
  return new KmsError(
    'sts.noPermission',
    'You are not authorized to do this action. The trust policy of the role does not allow you to assume it.',
  )
}

/** The ARN a trust policy names the caller by (a session by its role). */
function trustArnOf(caller: Caller): string {
  if (caller.session) return roleArn(caller.accountId, caller.session.roleName)
  return caller.principal === ROOT_PRINCIPAL ? `acs:ram::${caller.accountId}:root` : `acs:ram::${caller.accountId}:user/${caller.principal}`
}

/**
 * @throws KmsError validation.invalidParameter (ARN, session name, duration), policy.malformed
 *   (session policy), iam.roleNotFound, sts.noPermission (trust policy, another account)
 */
export async function assumeRole(deps: StsDeps, caller: Caller, input: AssumeRoleInput): Promise<AssumeRoleOutput> {
  const m = ROLE_ARN.exec(input.roleArn)
  if (!m) throw invalidParameter('RoleArn', 'must be a role ARN, acs:ram::<account>:role/<name>.')
  const [, account, roleName] = m as unknown as [string, string, string]
  if (!SESSION_NAME.test(input.roleSessionName)) {
    throw invalidParameter('RoleSessionName', 'must be 2 to 64 letters, digits or the characters . @ _ -.')
  }
  if (input.policy !== undefined) {
    if (utf8(input.policy).length > MAX_SESSION_POLICY_BYTES)
      throw invalidParameter('Policy', `must be at most ${MAX_SESSION_POLICY_BYTES} bytes.`)
    parsePolicyDocument(input.policy, 'identity')
  }
  // Cross-account roles are not supported: authorisation already refuses another account's ARN.
  if (account !== caller.accountId) throw noPermission()
  const role = await getActiveRole(deps, account, roleName)
  let trusted = false
  try {
    trusted = trustAllows(parseTrustPolicy(role.assumeRolePolicyDocument), caller.accountId, trustArnOf(caller))
  } catch (err) {
    if (!KmsError.match(err, 'policy.')) throw err
  }
  if (!trusted) throw noPermission()
  const max = caller.session ? Math.min(CHAINED_MAX_DURATION_SECONDS, role.maxSessionDuration) : role.maxSessionDuration
  const duration = input.durationSeconds ?? Math.min(DEFAULT_DURATION_SECONDS, max)
  if (!Number.isInteger(duration) || duration < MIN_DURATION_SECONDS || duration > max) {
    throw invalidParameter('DurationSeconds', `must be from ${MIN_DURATION_SECONDS} to ${max} seconds for this role.`)
  }
  const now = deps.clock.now()
  // Whole seconds, so that Expiration reports exactly when the token stops working.
  const expiresAt = (Math.floor(now / 1000) + duration) * 1000
  const key = newTemporaryAccessKey(deps.random)
  const securityToken = await sealSecurityToken(
    deps.rootKeys,
    {
      accountId: account,
      roleName: role.roleName,
      roleId: role.roleId,
      sessionName: input.roleSessionName,
      issuedAt: now,
      expiresAt,
      accessKeyId: key.accessKeyId,
      accessKeySecret: key.accessKeySecret,
      ...(input.policy === undefined ? {} : { policy: input.policy }),
    },
    deps.random,
  )
  return {
    ...key,
    securityToken,
    expiration: isoSeconds(expiresAt),
    assumedRoleArn: `acs:ram::${account}:assumed-role/${role.roleName}/${input.roleSessionName}`,
    assumedRoleId: `${role.roleId}:${input.roleSessionName}`,
  }
}

export interface CallerIdentity {
  accountId: string
  userId: string
  arn: string
  identityType: 'Account' | 'RAMUser' | 'AssumedRoleUser'
  principalId: string
  roleId?: string
}

/** @throws KmsError store.unavailable */
export async function getCallerIdentity(deps: Pick<StsDeps, 'iam'>, caller: Caller): Promise<CallerIdentity> {
  if (caller.session) {
    const id = `${caller.session.roleId}:${caller.session.sessionName}`
    return {
      accountId: caller.accountId,
      userId: id,
      arn: `acs:ram::${caller.accountId}:assumed-role/${caller.session.roleName}/${caller.session.sessionName}`,
      identityType: 'AssumedRoleUser',
      principalId: id,
      roleId: caller.session.roleId,
    }
  }
  if (caller.principal === ROOT_PRINCIPAL) {
    return {
      accountId: caller.accountId,
      userId: caller.accountId,
      arn: `acs:ram::${caller.accountId}:root`,
      identityType: 'Account',
      principalId: caller.accountId,
    }
  }
  const user = await deps.iam.getUser(caller.accountId, caller.principal)
  const userId = user?.userId ?? ''
  return {
    accountId: caller.accountId,
    userId,
    arn: `acs:ram::${caller.accountId}:user/${caller.principal}`,
    identityType: 'RAMUser',
    principalId: userId,
  }
}
