/**
 * STS in the domain: stateless security tokens (forgery, tampering, truncation, expiry, binding
 * to their AccessKeyId), trust policies, AssumeRole's checks, the authentication of requests
 * signed with temporary credentials, and the session's identity (role policies ∩ session policy,
 * ended by deleting the role).
 */
import { describe, expect, it } from 'vitest'
import { CALLER, FixedClock, memoryKeyDeps } from '../../../test/fakes/memory-store'
import { openSecurityToken, sealSecurityToken, type SessionClaims } from '../../auth/security-token'
import { signV1 } from '../../auth/signature-v1'
import { parseRootKeyRing, generateRootKeyRingJson } from '../../crypto/root-key'
import { authenticate } from '../authenticate'
import type { Caller } from '../model'
import { AccessControl } from '../principals/access-control'
import { MemoryIam } from '../principals/memory-iam.fake'
import { createPolicy } from '../principals/policies'
import { attachPolicyToRole, createRole, deleteRole, detachPolicyFromRole, listPoliciesForRole } from '../principals/roles'
import { parseTrustPolicy, trustAllows } from '../principals/trust-policy'
import { createUser } from '../principals/users'
import { evaluate, conditionContext } from '../policy/evaluate'
import { MemorySecrets } from '../../../test/fakes/memory-secrets'
import { assumeRole, getCallerIdentity } from './assume-role'

const ACCOUNT = CALLER.accountId
const doc = (...Statement: object[]) => JSON.stringify({ Version: '1', Statement })
const trust = (...principals: string[]) => doc({ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { RAM: principals } })

function setup() {
  const clock = new FixedClock()
  const keyDeps = memoryKeyDeps(clock)
  const iam = new MemoryIam()
  const deps = { ...keyDeps, iam, credentials: iam }
  const access = new AccessControl({ iam, keys: keyDeps.keys, secrets: new MemorySecrets(), clock })
  return { deps, iam, clock, access }
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    return (err as { code: string }).code
  }
  return 'none'
}

function claims(over: Partial<SessionClaims> = {}): SessionClaims {
  return {
    accountId: ACCOUNT,
    roleName: 'app',
    roleId: '3000000000000000001',
    sessionName: 's1',
    issuedAt: Date.parse('2026-11-23T12:00:00Z'),
    expiresAt: Date.parse('2026-11-23T13:00:00Z'),
    accessKeyId: 'STS.aaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    accessKeySecret: 'secretsecretsecretsecretsecret12',
    ...over,
  }
}

async function v1Request(accessKeyId: string, secret: string, extra: Record<string, string>, nowMs: number) {
  const params: Record<string, string> = {
    Action: 'DescribeRegions',
    Version: '2016-01-20',
    Format: 'JSON',
    AccessKeyId: accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: crypto.randomUUID(),
    Timestamp: new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...extra,
  }
  params.Signature = await signV1('POST', params, secret)
  return { method: 'POST', path: '/', query: Object.entries(params), form: [], headers: {}, bodySha256Hex: '' }
}

describe('security tokens', () => {
  it('round-trip, and bind the AccessKeyId', async () => {
    const { deps } = setup()
    const c = claims({ policy: doc({ Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*' }) })
    const token = await sealSecurityToken(deps.rootKeys, c)
    expect(token).toMatch(/^edge-sts1\.rk-test\.[A-Za-z0-9_-]+$/)
    expect(token).not.toContain(c.accessKeySecret)
    expect(await openSecurityToken(deps.rootKeys, token, c.accessKeyId)).toEqual(c)
    expect(await code(openSecurityToken(deps.rootKeys, token, 'STS.bbbbbbbbbbbbbbbbbbbbbbbbbbbb'))).toBe('auth.securityTokenMismatch')
  })

  it('refuse tampered, truncated, foreign-ring and garbage tokens as malformed', async () => {
    const { deps } = setup()
    const c = claims()
    const token = await sealSecurityToken(deps.rootKeys, c)
    const payload = token.split('.')[2]!
    const flipped = `${token.slice(0, -3)}${token.at(-3) === 'A' ? 'B' : 'A'}${token.slice(-2)}`
    const otherRing = parseRootKeyRing(generateRootKeyRingJson('rk-test'))
    const foreign = await sealSecurityToken(otherRing, c)
    for (const bad of [
      flipped,
      token.slice(0, -10),
      `edge-sts1.rk-test.${payload.slice(8)}`,
      'edge-sts1.nope.' + payload,
      foreign,
      'CAIS123',
      '',
      'x'.repeat(9000),
    ]) {
      expect(await code(openSecurityToken(deps.rootKeys, bad, c.accessKeyId))).toBe('auth.securityTokenMalformed')
    }
  })
})

describe('trust policies', () => {
  it('accept account roots, account ids, users and roles; refuse conditions and other actions', () => {
    const st = parseTrustPolicy(trust(`acs:ram::${ACCOUNT}:root`))
    expect(trustAllows(st, ACCOUNT, `acs:ram::${ACCOUNT}:user/alice`)).toBe(true)
    expect(trustAllows(st, '2222222222222222', 'acs:ram::2222222222222222:root')).toBe(false)
    expect(trustAllows(parseTrustPolicy(trust(ACCOUNT)), ACCOUNT, `acs:ram::${ACCOUNT}:root`)).toBe(true)
    const alice = parseTrustPolicy(trust(`acs:ram::${ACCOUNT}:user/alice`))
    expect(trustAllows(alice, ACCOUNT, `acs:ram::${ACCOUNT}:user/alice`)).toBe(true)
    expect(trustAllows(alice, ACCOUNT, `acs:ram::${ACCOUNT}:user/bob`)).toBe(false)
    const denyBob = parseTrustPolicy(
      doc(
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { RAM: [`acs:ram::${ACCOUNT}:root`] } },
        { Action: 'sts:AssumeRole', Effect: 'Deny', Principal: { RAM: [`acs:ram::${ACCOUNT}:user/bob`] } },
      ),
    )
    expect(trustAllows(denyBob, ACCOUNT, `acs:ram::${ACCOUNT}:user/bob`)).toBe(false)
    expect(trustAllows(denyBob, ACCOUNT, `acs:ram::${ACCOUNT}:user/alice`)).toBe(true)
    for (const bad of [
      doc({ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { RAM: ['*'] } }),
      doc({ Action: 'kms:Encrypt', Effect: 'Allow', Principal: { RAM: [ACCOUNT] } }),
      doc({ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { RAM: [ACCOUNT] }, Condition: {} }),
      doc({ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Federated: ['x'] } }),
      '{"Version":"1","Statement":[]}',
      '{',
      'x'.repeat(3000),
    ]) {
      expect(() => parseTrustPolicy(bad)).toThrow(expect.objectContaining({ code: 'policy.malformed' }))
    }
  })
})

describe('roles and AssumeRole', () => {
  it('checks the trust policy, the duration bounds and the session policy', async () => {
    const { deps } = setup()
    const role = await createRole(deps, CALLER, { roleName: 'app', assumeRolePolicyDocument: trust(`acs:ram::${ACCOUNT}:root`) })
    expect(role.roleId).toMatch(/^\d{19}$/)
    const arn = `acs:ram::${ACCOUNT}:role/app`
    const out = await assumeRole(deps, CALLER, { roleArn: arn, roleSessionName: 'sess-1' })
    expect(out.accessKeyId).toMatch(/^STS\.[A-Za-z0-9]{28}$/)
    expect(out.assumedRoleArn).toBe(`acs:ram::${ACCOUNT}:assumed-role/app/sess-1`)
    expect(out.assumedRoleId).toBe(`${role.roleId}:sess-1`)
    expect(Date.parse(out.expiration) - deps.clock.now()).toBe(3600_000)
    expect(await code(assumeRole(deps, CALLER, { roleArn: arn, roleSessionName: 's', durationSeconds: 3600 }))).toBe(
      'validation.invalidParameter',
    )
    expect(await code(assumeRole(deps, CALLER, { roleArn: arn, roleSessionName: 'ok', durationSeconds: 899 }))).toBe(
      'validation.invalidParameter',
    )
    expect(await code(assumeRole(deps, CALLER, { roleArn: arn, roleSessionName: 'ok', durationSeconds: 3601 }))).toBe(
      'validation.invalidParameter',
    )
    expect(await code(assumeRole(deps, CALLER, { roleArn: arn, roleSessionName: 'ok', durationSeconds: 900 }))).toBe('none')
    expect(await code(assumeRole(deps, CALLER, { roleArn: arn, roleSessionName: 'ok', policy: '{"Version":"1"' }))).toBe('policy.malformed')
    expect(await code(assumeRole(deps, CALLER, { roleArn: `acs:ram::${ACCOUNT}:role/nope`, roleSessionName: 'ok' }))).toBe(
      'iam.roleNotFound',
    )
    expect(await code(assumeRole(deps, CALLER, { roleArn: 'acs:ram::2222222222222222:role/app', roleSessionName: 'ok' }))).toBe(
      'sts.noPermission',
    )

    await createUser(deps, CALLER, { userName: 'bob' })
    await createRole(deps, CALLER, { roleName: 'alice-only', assumeRolePolicyDocument: trust(`acs:ram::${ACCOUNT}:user/alice`) })
    const bob: Caller = { ...CALLER, principal: 'bob', principalType: 'user', principalArn: `acs:ram::${ACCOUNT}:user/bob` }
    expect(await code(assumeRole(deps, bob, { roleArn: `acs:ram::${ACCOUNT}:role/alice-only`, roleSessionName: 'ok' }))).toBe(
      'sts.noPermission',
    )
    expect(await code(assumeRole(deps, bob, { roleArn: arn, roleSessionName: 'ok' }))).toBe('none')
  })

  it('lets a session assume a role that trusts its role, for at most an hour', async () => {
    const { deps, clock } = setup()
    await createRole(deps, CALLER, { roleName: 'first', assumeRolePolicyDocument: trust(ACCOUNT) })
    await createRole(deps, CALLER, {
      roleName: 'second',
      assumeRolePolicyDocument: trust(`acs:ram::${ACCOUNT}:role/first`),
      maxSessionDuration: 7200,
    })
    await createRole(deps, CALLER, { roleName: 'third', assumeRolePolicyDocument: trust(`acs:ram::${ACCOUNT}:user/alice`) })
    const first = await assumeRole(deps, CALLER, { roleArn: `acs:ram::${ACCOUNT}:role/first`, roleSessionName: 'one' })
    const auth = { credentials: deps.iam, rootKeys: deps.rootKeys, clock }
    const { caller } = await authenticate(
      auth,
      await v1Request(first.accessKeyId, first.accessKeySecret, { SecurityToken: first.securityToken }, clock.now()),
      'cn-hangzhou',
    )
    const second = `acs:ram::${ACCOUNT}:role/second`
    expect((await assumeRole(deps, caller, { roleArn: second, roleSessionName: 'two' })).assumedRoleArn).toBe(
      `acs:ram::${ACCOUNT}:assumed-role/second/two`,
    )
    expect(await code(assumeRole(deps, caller, { roleArn: second, roleSessionName: 'two', durationSeconds: 7200 }))).toBe(
      'validation.invalidParameter',
    )
    expect(await code(assumeRole(deps, CALLER, { roleArn: second, roleSessionName: 'two' }))).toBe('sts.noPermission')
    expect(await code(assumeRole(deps, caller, { roleArn: `acs:ram::${ACCOUNT}:role/third`, roleSessionName: 'two' }))).toBe(
      'sts.noPermission',
    )
  })

  it('authenticates requests signed with the temporary key and its token, and refuses the rest', async () => {
    const { deps, clock } = setup()
    await createRole(deps, CALLER, { roleName: 'app', assumeRolePolicyDocument: trust(ACCOUNT) })
    const out = await assumeRole(deps, CALLER, { roleArn: `acs:ram::${ACCOUNT}:role/app`, roleSessionName: 'sess-1', durationSeconds: 900 })
    const auth = { credentials: deps.iam, rootKeys: deps.rootKeys, clock }
    const ok = await authenticate(
      auth,
      await v1Request(out.accessKeyId, out.accessKeySecret, { SecurityToken: out.securityToken }, clock.now()),
      'cn-hangzhou',
    )
    expect(ok.caller).toMatchObject({
      accountId: ACCOUNT,
      principalType: 'AssumedRoleUser',
      principalArn: `acs:ram::${ACCOUNT}:assumed-role/app/sess-1`,
      session: { roleName: 'app', sessionName: 'sess-1' },
    })
    expect(await getCallerIdentity(deps, ok.caller)).toMatchObject({
      identityType: 'AssumedRoleUser',
      arn: `acs:ram::${ACCOUNT}:assumed-role/app/sess-1`,
    })

    const at = (
      ms: number,
      id = out.accessKeyId,
      secret = out.accessKeySecret,
      extra: Record<string, string> = { SecurityToken: out.securityToken },
    ) => v1Request(id, secret, extra, ms).then((r) => code(authenticate({ ...auth, clock: { now: () => ms } }, r, 'cn-hangzhou')))
    expect(await at(clock.now())).toBe('none')
    expect(await at(clock.now(), out.accessKeyId, 'wrong-secret')).toBe('auth.signatureMismatch')
    expect(await at(clock.now(), out.accessKeyId, out.accessKeySecret, {})).toBe('auth.securityTokenMissing')
    expect(await at(clock.now(), out.accessKeyId, out.accessKeySecret, { SecurityToken: out.securityToken.slice(0, -4) })).toBe(
      'auth.securityTokenMalformed',
    )
    expect(await at(clock.now(), 'STS.zzzzzzzzzzzzzzzzzzzzzzzzzzzz')).toBe('auth.securityTokenMismatch')
    expect(await at(clock.now() + 900_000)).toBe('auth.securityTokenExpired')
    expect(await at(clock.now() + 899_000)).toBe('none')
    // A token with an ordinary AccessKey.
    deps.iam.accessKeys.set('LTAIordinary', {
      accessKeyId: 'LTAIordinary',
      accountId: ACCOUNT,
      principal: 'root',
      status: 'Active',
      wrappedSecret: 'x',
      createdAt: '',
    })
    expect(await at(clock.now(), 'LTAIordinary', 'whatever')).toBe('auth.securityTokenMismatch')
  })

  it('narrows the role policies by the session policy, and ends sessions when the role is deleted', async () => {
    const { deps, access, clock } = setup()
    await createRole(deps, CALLER, { roleName: 'app', assumeRolePolicyDocument: trust(ACCOUNT) })
    await createPolicy(deps, CALLER, {
      policyName: 'enc-dec',
      document: doc({ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*' }),
    })
    await attachPolicyToRole(deps, CALLER, { roleName: 'app', policyName: 'enc-dec', policyType: 'Custom' })
    expect((await listPoliciesForRole(deps, CALLER, 'app')).map((p) => p.policyName)).toEqual(['enc-dec'])
    const out = await assumeRole(deps, CALLER, {
      roleArn: `acs:ram::${ACCOUNT}:role/app`,
      roleSessionName: 'narrow',
      // Wider than the role (kms:*), yet it can only narrow it.
      policy: doc({ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:CreateKey'], Resource: '*' }),
    })
    const auth = { credentials: deps.iam, rootKeys: deps.rootKeys, clock }
    const { caller } = await authenticate(
      auth,
      await v1Request(out.accessKeyId, out.accessKeySecret, { SecurityToken: out.securityToken }, clock.now()),
      'cn-hangzhou',
    )
    const view = await access.identity(caller)
    const allowed = (action: string) => {
      const req = {
        action,
        resource: `acs:kms:cn-hangzhou:${ACCOUNT}:key`,
        principal: view.principal,
        context: conditionContext({ now: clock.now(), secureTransport: false }),
      }
      const byRole = evaluate(req, { identity: view.policies, crossAccount: false }).allowed
      return byRole && (!view.session || evaluate(req, { identity: [view.session], crossAccount: false }).allowed)
    }
    expect(allowed('kms:Encrypt')).toBe(true)
    expect(allowed('kms:Decrypt')).toBe(false)
    expect(allowed('kms:CreateKey')).toBe(false)

    expect(await code(deleteRole(deps, CALLER, 'app'))).toBe('iam.roleHasPolicies')
    await detachPolicyFromRole(deps, CALLER, { roleName: 'app', policyName: 'enc-dec', policyType: 'Custom' })
    await deleteRole(deps, CALLER, 'app')
    access.forgetAccount(ACCOUNT)
    expect(await code(access.identity(caller))).toBe('auth.securityTokenExpired')
    // A role created again under the same name does not revive the old sessions.
    await createRole(deps, CALLER, { roleName: 'app', assumeRolePolicyDocument: trust(ACCOUNT) })
    access.forgetAccount(ACCOUNT)
    expect(await code(access.identity(caller))).toBe('auth.securityTokenExpired')
  })
})
