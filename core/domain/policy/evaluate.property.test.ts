/**
 * Property tests of the decision (security checklist row 4): over random policy sets and
 * requests, default deny, explicit-deny-wins and order independence hold, and the decision equals
 * a naive reference model. At least 1,000 runs each; the seed is printed on failure.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parsePolicyDocument, type PolicyDocument } from './document'
import { conditionContext, evaluate, type AuthzRequest, type PrincipalRef } from './evaluate'
import { defaultResourcePolicyText } from './system-policies'

const RUNS = 1000
const A = '1111111111111111'
const B = '2222222222222222'

const ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey', 'kms:GetSecretValue', 'kms:ScheduleKeyDeletion', 'ram:CreateUser']
const ACTION_PATTERNS = [...ACTIONS, '*', 'kms:*', 'kms:De*', 'kms:*crypt', 'ram:*', 'KMS:encrypt', 'kms:Get?ecretValue']
const RESOURCES = [
  `acs:kms:cn-hangzhou:${A}:key/k1`,
  `acs:kms:cn-hangzhou:${A}:key/k2`,
  `acs:kms:cn-hangzhou:${A}:secret/s1`,
  `acs:ram::${A}:user/alice`,
  `acs:kms:cn-hangzhou:${B}:key/k9`,
]
const RESOURCE_PATTERNS = [
  ...RESOURCES,
  '*',
  `acs:kms:*:${A}:key/*`,
  'acs:kms:*:*:*',
  `acs:kms:cn-hangzhou:${A}:secret/*`,
  'acs:ram::*:user/a?ice',
]
const IPS = ['10.1.2.3', '192.168.1.1', '::1']

const condition = fc.option(
  fc.oneof(
    fc.constant({ IpAddress: { 'acs:SourceIp': '10.0.0.0/8' } }),
    fc.constant({ NotIpAddress: { 'acs:SourceIp': ['10.0.0.0/8', '::1'] } }),
    fc.constant({ StringEquals: { 'kms:EncryptionContext:app': 'x' } }),
    fc.constant({ StringNotLike: { 'kms:EncryptionContext:app': 'y*' } }),
    fc.constant({ DateGreaterThan: { 'acs:CurrentTime': '2026-01-01T00:00:00Z' } }),
  ),
  { nil: undefined },
)

const statement = fc.record({
  Effect: fc.constantFrom('Allow', 'Deny'),
  Action: fc.uniqueArray(fc.constantFrom(...ACTION_PATTERNS), { minLength: 1, maxLength: 3 }),
  Resource: fc.uniqueArray(fc.constantFrom(...RESOURCE_PATTERNS), { minLength: 1, maxLength: 3 }),
  Condition: condition,
})
type RawStatement = { Effect: string; Action: string[]; Resource: string[]; Condition?: object }

const policySet = fc.array(fc.array(statement, { minLength: 1, maxLength: 4 }), { maxLength: 4 })

const principal = fc.constantFrom<PrincipalRef>(
  { accountId: A, arn: `acs:ram::${A}:user/alice`, isRoot: false },
  { accountId: A, arn: `acs:ram::${A}:user/carol`, isRoot: false },
)

const request = fc.record({
  principal,
  action: fc.constantFrom(...ACTIONS),
  resource: fc.constantFrom(...RESOURCES),
  ip: fc.constantFrom(...IPS),
  app: fc.option(fc.constantFrom('x', 'y1', 'z'), { nil: undefined }),
  now: fc.constantFrom(Date.parse('2025-06-01T00:00:00Z'), Date.parse('2027-06-01T00:00:00Z')),
})
type RawRequest = { principal: PrincipalRef; action: string; resource: string; ip: string; app?: string; now: number }

function compile(set: RawStatement[][]): PolicyDocument[] {
  return set.map((statements) =>
    parsePolicyDocument(
      JSON.stringify({ Version: '1', Statement: statements.map((s) => (s.Condition ? s : { ...s, Condition: undefined })) }),
      'identity',
    ),
  )
}

function toRequest(r: RawRequest): AuthzRequest {
  return {
    principal: r.principal,
    action: r.action,
    resource: r.resource,
    context: conditionContext({ sourceIp: r.ip, now: r.now, encryptionContext: r.app === undefined ? {} : { app: r.app } }),
  }
}

/** Every resource carries the default policy of its own account (delegation to that account). */
function defaultPolicyOf(resource: string): PolicyDocument {
  return parsePolicyDocument(defaultResourcePolicyText(resource.split(':')[3] || A), 'resource')
}

function decide(set: RawStatement[][], r: RawRequest): boolean {
  return evaluate(toRequest(r), { identity: compile(set), resource: defaultPolicyOf(r.resource), crossAccount: true }).allowed
}

function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items]
  let s = seed >>> 0
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    const j = s % (i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

/** Wildcards by dynamic programming over (pattern prefix, value prefix): slow, obviously right. */
function referenceGlob(p: string, v: string): boolean {
  let prev = Array<boolean>(v.length + 1).fill(false)
  prev[0] = true
  for (const c of p) {
    const cur = Array<boolean>(v.length + 1).fill(false)
    cur[0] = c === '*' && prev[0]!
    for (let j = 1; j <= v.length; j++) cur[j] = c === '*' ? prev[j]! || cur[j - 1]! : prev[j - 1]! && (c === '?' || c === v[j - 1])
    prev = cur
  }
  return prev[v.length]!
}

/** The reference model: glob by DP, conditions by hand, allow iff some allow and no deny. */
function reference(set: RawStatement[][], r: RawRequest): boolean {
  const glob = (p: string, v: string, i: boolean) => referenceGlob(i ? p.toLowerCase() : p, i ? v.toLowerCase() : v)
  const cond = (c: object | undefined): boolean => {
    if (!c) return true
    const [op, block] = Object.entries(c)[0] as [string, Record<string, string | string[]>]
    const [, value] = Object.entries(block)[0]!
    const values = typeof value === 'string' ? [value] : value
    switch (op) {
      case 'IpAddress':
        return r.ip.startsWith('10.')
      case 'NotIpAddress':
        return !r.ip.startsWith('10.') && r.ip !== '::1'
      case 'StringEquals':
        return r.app !== undefined && values.includes(r.app)
      case 'StringNotLike':
        return r.app === undefined || !r.app.startsWith('y')
      case 'DateGreaterThan':
        return r.now > Date.parse('2026-01-01T00:00:00Z')
      default:
        throw new Error(op)
    }
  }
  let allow = false
  let deny = false
  for (const doc of set) {
    for (const s of doc) {
      const hit = s.Action.some((a) => glob(a, r.action, true)) && s.Resource.some((p) => glob(p, r.resource, false)) && cond(s.Condition)
      if (!hit) continue
      if (s.Effect === 'Deny') deny = true
      else allow = true
    }
  }
  const sameAccount = r.resource.split(':')[3] === '' || r.resource.split(':')[3] === A
  // Every resource carries the default policy, which delegates only `kms:*` to its account.
  return allow && !deny && sameAccount && r.action.startsWith('kms:')
}

describe('evaluate (properties)', () => {
  it('denies by default: no policy, no access', () => {
    fc.assert(
      fc.property(request, (r) => {
        expect(decide([], r)).toBe(false)
        expect(evaluate(toRequest(r), { identity: [], crossAccount: true }).allowed).toBe(false)
      }),
      { numRuns: RUNS },
    )
  })

  it('lets an explicit deny matching the request win over any policy set', () => {
    fc.assert(
      fc.property(policySet, request, fc.boolean(), (set, r, wildcardDeny) => {
        const deny: RawStatement = {
          Effect: 'Deny',
          Action: [wildcardDeny ? '*' : r.action],
          Resource: [wildcardDeny ? '*' : r.resource],
        }
        const withDeny = [...set, [deny]]
        expect(decide(withDeny, r)).toBe(false)
        const allowAll: RawStatement = { Effect: 'Allow', Action: ['*'], Resource: ['*'] }
        expect(decide([[allowAll], ...withDeny], r)).toBe(false)
      }),
      { numRuns: RUNS },
    )
  })

  it('never depends on the order of policies, statements or list entries', () => {
    fc.assert(
      fc.property(policySet, request, fc.integer(), (set, r, seed) => {
        const permuted = shuffled(set, seed).map((doc, i) =>
          shuffled(doc, seed + i).map((s, j) => ({
            ...s,
            Action: shuffled(s.Action, seed + i + j),
            Resource: shuffled(s.Resource, seed - i - j),
          })),
        )
        expect(decide(permuted, r)).toBe(decide(set, r))
      }),
      { numRuns: RUNS },
    )
  })

  it('agrees with the reference model', () => {
    fc.assert(
      fc.property(policySet, request, (set, r) => {
        expect(decide(set, r)).toBe(reference(set, r))
      }),
      { numRuns: RUNS },
    )
  })
})
