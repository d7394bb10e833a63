import { describe, expect, it } from 'vitest'
import { parsePolicyDocument, type PolicyDocument } from './document'
import { conditionContext, evaluate, keepsRootAccess, type AuthzRequest, type ConditionContext, type PrincipalRef } from './evaluate'
import { MAX_MATCH_STEPS, MatchBudget } from './match'
import { defaultResourcePolicyText, systemPolicyDocument } from './system-policies'

const A = '1111111111111111'
const B = '2222222222222222'
const KEY = `acs:kms:cn-hangzhou:${A}:key/k1`
const alice: PrincipalRef = { accountId: A, arn: `acs:ram::${A}:user/alice`, isRoot: false }
const rootA: PrincipalRef = { accountId: A, arn: `acs:ram::${A}:root`, isRoot: true }
const bob: PrincipalRef = { accountId: B, arn: `acs:ram::${B}:user/bob`, isRoot: false }

const identity = (...statements: object[]) => parsePolicyDocument(JSON.stringify({ Version: '1', Statement: statements }), 'identity')
const resource = (...statements: object[]) => parsePolicyDocument(JSON.stringify({ Version: '1', Statement: statements }), 'resource')
const defaultKeyPolicy = parsePolicyDocument(defaultResourcePolicyText(A), 'resource')

function req(principal: PrincipalRef, action: string, res = KEY, ctx = conditionContext({})): AuthzRequest {
  return { principal, action, resource: res, context: ctx }
}

function allowed(r: AuthzRequest, id: readonly PolicyDocument[] | 'root', res?: PolicyDocument, crossAccount = true) {
  return evaluate(r, { identity: id, resource: res, crossAccount }).allowed
}

describe('evaluate', () => {
  it('denies by default and lets the root do everything in its account', () => {
    expect(allowed(req(alice, 'kms:Encrypt'), [], defaultKeyPolicy)).toBe(false)
    expect(allowed(req(rootA, 'kms:Encrypt'), 'root', defaultKeyPolicy)).toBe(true)
    expect(allowed(req(rootA, 'ram:CreateUser', `acs:ram::${A}:user/x`), 'root')).toBe(true)
  })

  it('grants exactly what an identity policy allows on a key with the default policy', () => {
    const p = identity({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY })
    expect(allowed(req(alice, 'kms:Decrypt'), [p], defaultKeyPolicy)).toBe(true)
    expect(allowed(req(alice, 'kms:Encrypt'), [p], defaultKeyPolicy)).toBe(false)
    expect(allowed(req(alice, 'kms:Decrypt', KEY.replace('k1', 'k2')), [p], defaultKeyPolicy)).toBe(false)
  })

  it('lets an explicit Deny in either policy win', () => {
    const allowAll = systemPolicyDocument('AdministratorAccess')!
    const deny = identity({ Effect: 'Deny', Action: 'kms:Enc*', Resource: '*' })
    expect(allowed(req(alice, 'kms:Encrypt'), [allowAll, deny], defaultKeyPolicy)).toBe(false)
    expect(allowed(req(alice, 'kms:Decrypt'), [allowAll, deny], defaultKeyPolicy)).toBe(true)
    const keyDeny = resource(
      { Effect: 'Allow', Principal: { RAM: [`acs:ram::${A}:*`] }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Deny', Principal: { RAM: [`acs:ram::${A}:root`] }, Action: 'kms:Decrypt', Resource: '*' },
    )
    expect(allowed(req(rootA, 'kms:Decrypt'), 'root', keyDeny)).toBe(false)
    expect(allowed(req(alice, 'kms:Decrypt'), [allowAll], keyDeny)).toBe(false)
    expect(allowed(req(alice, 'kms:Encrypt'), [allowAll], keyDeny)).toBe(true)
  })

  it('needs the key policy AND the caller policy across accounts, and never for management', () => {
    const bobPolicy = identity({ Effect: 'Allow', Action: 'kms:*', Resource: `acs:kms:*:${A}:key/*` })
    const grantsB = resource(
      { Effect: 'Allow', Principal: { RAM: [`acs:ram::${A}:*`] }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Allow', Principal: { RAM: [`acs:ram::${B}:root`] }, Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*' },
    )
    expect(allowed(req(bob, 'kms:Encrypt'), [bobPolicy], defaultKeyPolicy)).toBe(false)
    expect(allowed(req(bob, 'kms:Encrypt'), [], grantsB)).toBe(false)
    expect(allowed(req(bob, 'kms:Encrypt'), [bobPolicy], grantsB)).toBe(true)
    expect(allowed(req(bob, 'kms:ScheduleKeyDeletion'), [bobPolicy], grantsB, false)).toBe(false)
    expect(allowed(req(bob, 'kms:ListKeys', `acs:kms:cn-hangzhou:${A}:key`), [bobPolicy])).toBe(false)
  })

  it('evaluates conditions: source IP, time, encryption context and tags', () => {
    const p = identity({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: {
        IpAddress: { 'acs:SourceIp': '10.0.0.0/8' },
        DateLessThan: { 'acs:CurrentTime': '2030-01-01T00:00:00Z' },
        StringEquals: { 'kms:EncryptionContext:App': 'billing', 'kms:tag/env': ['prod', 'staging'] },
      },
    })
    const ctx = (over: object) =>
      conditionContext({
        sourceIp: '10.2.3.4',
        now: Date.parse('2029-01-01T00:00:00Z'),
        encryptionContext: { App: 'billing' },
        tags: { env: 'prod' },
        ...over,
      })
    expect(allowed(req(alice, 'kms:Decrypt', KEY, ctx({})), [p], defaultKeyPolicy)).toBe(true)
    expect(allowed(req(alice, 'kms:Decrypt', KEY, ctx({ sourceIp: '192.168.0.1' })), [p], defaultKeyPolicy)).toBe(false)
    expect(allowed(req(alice, 'kms:Decrypt', KEY, ctx({ now: Date.parse('2031-01-01T00:00:00Z') })), [p], defaultKeyPolicy)).toBe(false)
    expect(allowed(req(alice, 'kms:Decrypt', KEY, ctx({ encryptionContext: { app: 'billing' } })), [p], defaultKeyPolicy)).toBe(false)
    expect(allowed(req(alice, 'kms:Decrypt', KEY, ctx({ tags: {} })), [p], defaultKeyPolicy)).toBe(false)
    const notIp = identity({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { NotIpAddress: { 'acs:SourceIp': '10.0.0.0/8' } } })
    const all = systemPolicyDocument('AliyunKMSFullAccess')!
    expect(allowed(req(alice, 'kms:Decrypt', KEY, ctx({ sourceIp: '8.8.8.8' })), [all, notIp], defaultKeyPolicy)).toBe(false)
    expect(allowed(req(alice, 'kms:Decrypt', KEY, ctx({})), [all, notIp], defaultKeyPolicy)).toBe(true)
  })

  it('reads system policies as documented', () => {
    const ro = systemPolicyDocument('AliyunKMSReadOnlyAccess')!
    expect(allowed(req(alice, 'kms:DescribeKey'), [ro], defaultKeyPolicy)).toBe(true)
    expect(allowed(req(alice, 'kms:GetSecretValue'), [ro], defaultKeyPolicy)).toBe(false)
    expect(allowed(req(alice, 'kms:Encrypt'), [ro], defaultKeyPolicy)).toBe(false)
  })
})

describe('evaluate: bounded work', () => {
  // The reported attack: a key policy with a StringNotLike condition of five stars, and a caller
  // with no permissions at all sending an 8 KB context that the old RegExp matcher backtracked on.
  const attackPolicy = resource(
    { Effect: 'Allow', Principal: { RAM: [`acs:ram::${A}:*`] }, Action: 'kms:*', Resource: '*' },
    {
      Effect: 'Deny',
      Principal: { RAM: [`acs:ram::${A}:*`] },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { StringNotLike: { 'kms:EncryptionContext:path': 's3://*/*/*/*/*.parquet' } },
    },
  )

  it('decides the wildcard-backtracking attack (8 KB of slashes) in bounded steps and denies', () => {
    for (const n of [150, 400, 8 * 1024 - 16]) {
      const ctx = conditionContext({ encryptionContext: { path: `s3://${'/'.repeat(n)}` } })
      const budget = new MatchBudget()
      expect(evaluate(req(alice, 'kms:Decrypt', KEY, ctx), { identity: [], resource: attackPolicy, crossAccount: true }, budget)).toEqual({
        allowed: false,
        reason: 'explicitDeny',
      })
      // Linear in the value times the pattern: far below the request's allowance.
      expect(MAX_MATCH_STEPS - budget.remaining).toBeLessThan(30 * (n + 10))
    }
  })

  it('denies (tooComplex) when the budget runs out, even where an Allow would apply', () => {
    const p = identity({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { StringLike: { 'kms:EncryptionContext:k': `${'*a'.repeat(400)}*b` } },
    })
    const ctx = () => conditionContext({ encryptionContext: { k: `${'a'.repeat(8000)}b` } })
    expect(evaluate(req(alice, 'kms:Decrypt', KEY, ctx()), { identity: [p], resource: defaultKeyPolicy, crossAccount: true })).toEqual({
      allowed: true,
    })
    expect(
      evaluate(
        req(alice, 'kms:Decrypt', KEY, ctx()),
        { identity: [p], resource: defaultKeyPolicy, crossAccount: true },
        new MatchBudget(5_000),
      ),
    ).toEqual({
      allowed: false,
      reason: 'tooComplex',
    })
    // One budget spans several decisions of one request.
    const shared = new MatchBudget(12_000)
    expect(
      evaluate(req(alice, 'kms:Decrypt', KEY, ctx()), { identity: [p], resource: defaultKeyPolicy, crossAccount: true }, shared).allowed,
    ).toBe(true)
    expect(
      evaluate(req(alice, 'kms:Decrypt', KEY, ctx()), { identity: [p], resource: defaultKeyPolicy, crossAccount: true }, shared).allowed,
    ).toBe(false)
  })

  it('tests no condition of a statement whose principal, action or resource does not match', () => {
    const read: string[] = []
    const spy: ConditionContext = { get: (key) => (read.push(key), [`s3://${'/'.repeat(8000)}`]) }
    const policy = resource(
      { Effect: 'Allow', Principal: { RAM: [`acs:ram::${A}:*`] }, Action: 'kms:Encrypt', Resource: '*' },
      {
        Effect: 'Deny',
        Principal: { RAM: [`acs:ram::${A}:user/bob`] },
        Action: 'kms:*',
        Resource: '*',
        Condition: { StringLike: { 'kms:EncryptionContext:a': '*x' } },
      },
      {
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:Encrypt',
        Resource: '*',
        Condition: { StringLike: { 'kms:EncryptionContext:b': '*x' } },
      },
      {
        Effect: 'Deny',
        Principal: '*',
        Action: '*',
        Resource: `acs:kms:*:${A}:key/other`,
        Condition: { StringLike: { 'kms:EncryptionContext:c': '*x' } },
      },
    )
    const id = identity({
      Effect: 'Allow',
      Action: 'kms:Encrypt',
      Resource: `acs:kms:*:${A}:key/other`,
      Condition: { StringLike: { 'kms:EncryptionContext:d': '*x' } },
    })
    const r: AuthzRequest = { principal: alice, action: 'kms:Decrypt', resource: KEY, context: spy }
    expect(evaluate(r, { identity: [id], resource: policy, crossAccount: true })).toEqual({ allowed: false, reason: 'noAllow' })
    expect(read).toEqual([])
  })
})

describe('keepsRootAccess', () => {
  it('refuses policies that would lock the account root out', () => {
    expect(keepsRootAccess(defaultKeyPolicy, A, KEY, 'kms:SetKeyPolicy')).toBe(true)
    const onlyAlice = resource({ Effect: 'Allow', Principal: { RAM: [alice.arn] }, Action: 'kms:*', Resource: '*' })
    expect(keepsRootAccess(onlyAlice, A, KEY, 'kms:SetKeyPolicy')).toBe(false)
    const conditional = resource({
      Effect: 'Allow',
      Principal: { RAM: [`acs:ram::${A}:root`] },
      Action: 'kms:*',
      Resource: '*',
      Condition: { IpAddress: { 'acs:SourceIp': '10.0.0.0/8' } },
    })
    expect(keepsRootAccess(conditional, A, KEY, 'kms:SetKeyPolicy')).toBe(false)
    const denied = resource(
      { Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' },
      { Effect: 'Deny', Principal: { RAM: [`acs:ram::${A}:*`] }, Action: 'kms:Set*', Resource: '*' },
    )
    expect(keepsRootAccess(denied, A, KEY, 'kms:SetKeyPolicy')).toBe(false)
  })
})
