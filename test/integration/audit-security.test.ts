/**
 * The audit trail and request metadata under attack (security review items 3, 7, 8, 9):
 * - no value-derived token of a data parameter is recorded, so a reader of the trail cannot
 *   confirm guesses of a plaintext by sending candidates;
 * - `acs:SourceIp` and the recorded source address never come from a header the client set;
 * - cross-account use of a shared key is recorded in the key owner's trail too;
 * - wrong-signature requests naming someone's AccessKeyId are marked unauthenticated, kept
 *   apart from the account's events and bounded in number.
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { UNAUTHENTICATED_PER_KEY_PER_MINUTE } from '../../core/domain/audit/unauthenticated'
import { b64 } from './clients'
import { expectError, expectOk, send, signedV1, stack, v1 } from './raw'

type Principal = { accessKeyId: string; secret: string; accountId: string; name?: string }

const RAM = '2015-05-01'
const TRAIL = '2020-07-06'
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`
const doc = (...Statement: object[]) => JSON.stringify({ Version: '1', Statement })
const root = (): Principal => ({ accessKeyId: stack().accessKeyId, secret: stack().accessKeySecret, accountId: stack().accountId })
const as = (p: Principal, version?: string) => ({ accessKeyId: p.accessKeyId, secret: p.secret, ...(version ? { version } : {}) })

async function user(owner: Principal, policies: string[]): Promise<Principal> {
  const userName = unique('sec')
  expectOk(await v1('CreateUser', { UserName: userName }, as(owner, RAM)))
  for (const policyDocument of policies) {
    const policyName = unique('pol')
    expectOk(await v1('CreatePolicy', { PolicyName: policyName, PolicyDocument: policyDocument }, as(owner, RAM)))
    expectOk(await v1('AttachPolicyToUser', { UserName: userName, PolicyName: policyName, PolicyType: 'Custom' }, as(owner, RAM)))
  }
  const key = expectOk(await v1('CreateAccessKey', { UserName: userName }, as(owner, RAM))).AccessKey
  return { name: userName, accessKeyId: key.AccessKeyId, secret: key.AccessKeySecret, accountId: owner.accountId }
}

async function secondAccount(): Promise<Principal> {
  const s = stack()
  const token = readFileSync(join(s.dataDir, 'local-admin-token'), 'utf8').trim()
  const res = await fetch(new URL('/__local/accounts', s.endpoint), { method: 'POST', headers: { authorization: `Bearer ${token}` } })
  expect(res.status).toBe(200)
  const a = (await res.json()) as { accountId: string; accessKeyId: string; accessKeySecret: string }
  return { accountId: a.accountId, accessKeyId: a.accessKeyId, secret: a.accessKeySecret }
}

/** Every event of `p`'s account matching the filters (all pages). */
async function lookup(p: Principal, filters: Record<string, string>, startTime: string): Promise<any[]> {
  const query: Record<string, string> = { StartTime: startTime, MaxResults: '50' }
  Object.entries(filters).forEach(([k, v], i) => {
    query[`LookupAttribute.${i + 1}.Key`] = k
    query[`LookupAttribute.${i + 1}.Value`] = v
  })
  const events: any[] = []
  for (let token: string | undefined; ;) {
    const page = expectOk(await v1('LookupEvents', { ...query, ...(token ? { NextToken: token } : {}) }, as(p, TRAIL)))
    events.push(...page.Events)
    token = page.NextToken
    if (!token) break
  }
  return events
}

const FORGED_IP_HEADERS = {
  'cf-connecting-ip': '10.0.0.5',
  'x-forwarded-for': '10.0.0.5',
  'x-real-ip': '10.0.0.5',
  'true-client-ip': '10.0.0.5',
}

describe('request parameters in the trail', () => {
  // The attack: a user with only actiontrail:LookupEvents sends refused Encrypts with candidate
  // plaintexts and compares their recorded tokens with the victim's.
  it('carry no token of a data value: a guess cannot be confirmed by comparing events', async () => {
    const start = new Date(Date.now() - 2000).toISOString()
    const key = expectOk(await v1('CreateKey', {})).KeyMetadata.KeyId
    const victimPin = '042'
    expectOk(await v1('Encrypt', { KeyId: key, Plaintext: b64(victimPin) }))
    const secretName = unique('pin')
    // Its outcome does not matter here: the call is recorded with its parameters either way.
    await v1('CreateSecret', { SecretName: secretName, VersionId: 'v1', SecretData: victimPin })
    const auditor = await user(root(), [doc({ Effect: 'Allow', Action: 'actiontrail:LookupEvents', Resource: '*' })])
    for (const guess of ['041', '042', '043']) {
      expectError(await v1('Encrypt', { KeyId: key, Plaintext: b64(guess) }, as(auditor)), 403, 'Forbidden.NoPermission')
      expectError(
        await v1('PutSecretValue', { SecretName: secretName, VersionId: `g${guess}`, SecretData: guess }, as(auditor)),
        403,
        'Forbidden.NoPermission',
      )
    }
    const encrypts = await lookup(auditor, { EventName: 'Encrypt', ResourceName: key }, start)
    expect(encrypts).toHaveLength(4)
    expect(new Set(encrypts.map((e) => JSON.stringify(e.requestParameters.Plaintext)))).toEqual(new Set(['"redacted:small"']))
    const writes = [
      ...(await lookup(auditor, { EventName: 'CreateSecret' }, start)),
      ...(await lookup(auditor, { EventName: 'PutSecretValue' }, start)),
    ]
    expect(writes.length).toBeGreaterThanOrEqual(4)
    expect(new Set(writes.map((e) => e.requestParameters.SecretData))).toEqual(new Set(['redacted:small']))
  })
})

describe('source address', () => {
  // The attack: a forged cf-connecting-ip turned a 403 into a 200 under an IpAddress policy.
  it('ignores client-set forwarding headers for acs:SourceIp, and records the peer address', async () => {
    const start = new Date(Date.now() - 2000).toISOString()
    const key = expectOk(await v1('CreateKey', {})).KeyMetadata.KeyId
    const office = await user(root(), [
      doc({ Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*', Condition: { IpAddress: { 'acs:SourceIp': '10.0.0.0/8' } } }),
    ])
    const local = await user(root(), [
      doc({ Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*', Condition: { IpAddress: { 'acs:SourceIp': '127.0.0.1/32' } } }),
    ])
    const forged = async (p: Principal) => {
      const req = await signedV1('Encrypt', { KeyId: key, Plaintext: b64('x') }, as(p))
      req.headers = { ...req.headers, ...FORGED_IP_HEADERS }
      return send(req)
    }
    expectError(await forged(office), 403, 'Forbidden.NoPermission')
    expectOk(await forged(local))
    const events = [
      ...(await lookup(root(), { EventAccessKeyId: office.accessKeyId }, start)),
      ...(await lookup(root(), { EventAccessKeyId: local.accessKeyId }, start)),
    ]
    expect(events).toHaveLength(2)
    for (const e of events) expect(e.sourceIpAddress).toBe('127.0.0.1')
    // Nor do unauthenticated records carry it.
    const bad = await signedV1('Encrypt', { KeyId: key, Plaintext: b64('x') }, { ...as(office), secret: 'y'.repeat(30) })
    bad.headers = { ...bad.headers, ...FORGED_IP_HEADERS }
    expectError(await send(bad), 400, 'SignatureDoesNotMatch')
    const refused = await lookup(root(), { EventAccessKeyId: office.accessKeyId, EventType: 'UnauthenticatedApiCall' }, start)
    expect(refused.length).toBe(1)
    expect(JSON.stringify([...events, ...refused])).not.toContain('10.0.0.5')
  })
})

describe('cross-account use', () => {
  it('is recorded in the key owner’s trail too, naming the caller', async () => {
    const start = new Date(Date.now() - 2000).toISOString()
    const A = root()
    const B = await secondAccount()
    const key = expectOk(await v1('CreateKey', {})).KeyMetadata.KeyId
    const arn = `acs:kms:${stack().regionId}:${A.accountId}:key/${key}`
    const policy = doc(
      { Effect: 'Allow', Principal: { RAM: [`acs:ram::${A.accountId}:*`] }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Allow', Principal: { RAM: [`acs:ram::${B.accountId}:root`] }, Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*' },
    )
    expectOk(await v1('SetKeyPolicy', { KeyId: key, PolicyName: 'default', Policy: policy }))
    const blob = expectOk(await v1('Encrypt', { KeyId: arn, Plaintext: b64('shared') }, as(B))).CiphertextBlob
    expectOk(await v1('Decrypt', { CiphertextBlob: blob }, as(B)))
    const owners = await lookup(A, { ResourceName: key, EventAccessKeyId: B.accessKeyId }, start)
    expect(owners.map((e) => e.eventName).sort()).toEqual(['Decrypt', 'Encrypt'])
    for (const e of owners) {
      expect(e.userIdentity).toMatchObject({ accountId: B.accountId, accessKeyId: B.accessKeyId, type: 'root-account' })
      expect(e.additionalEventData).toMatchObject({ recipientAccountId: A.accountId, outcome: 'Success' })
    }
    const callers = await lookup(B, { ResourceName: key }, start)
    expect(callers.map((e) => e.eventName).sort()).toEqual(['Decrypt', 'Encrypt'])
    expect(callers.every((e) => e.additionalEventData.recipientAccountId === undefined)).toBe(true)
    // The owner's copy is a different event, not the caller's record twice.
    expect(new Set([...owners, ...callers].map((e) => e.eventId)).size).toBe(4)
  })
})

describe('unauthenticated requests', () => {
  // The attack: knowing only an AccessKeyId, anyone wrote attacker-chosen events into the
  // victim's trail with wrong signatures, without bound.
  it('are marked, kept out of the account’s events unless asked for, and bounded per AccessKeyId and minute', async () => {
    const start = new Date(Date.now() - 2000).toISOString()
    const victim = await user(root(), [])
    const sent = 3 * UNAUTHENTICATED_PER_KEY_PER_MINUTE
    for (let i = 0; i < sent; i++) {
      const res = await v1(
        'ScheduleKeyDeletion',
        { KeyId: randomUUID(), PendingWindowInDays: 7 },
        { accessKeyId: victim.accessKeyId, secret: 'z'.repeat(30) },
      )
      expectError(res, 400, 'SignatureDoesNotMatch')
    }
    expect(await lookup(root(), { EventAccessKeyId: victim.accessKeyId }, start)).toEqual([])
    const asked = await lookup(root(), { EventAccessKeyId: victim.accessKeyId, EventType: 'UnauthenticatedApiCall' }, start)
    // At most the bound per minute (the run may straddle one minute boundary).
    expect(asked.length).toBeGreaterThanOrEqual(UNAUTHENTICATED_PER_KEY_PER_MINUTE)
    expect(asked.length).toBeLessThanOrEqual(2 * UNAUTHENTICATED_PER_KEY_PER_MINUTE)
    for (const e of asked) {
      expect(e).toMatchObject({ eventType: 'UnauthenticatedApiCall', eventName: 'ScheduleKeyDeletion', errorCode: 'SignatureDoesNotMatch' })
      expect(e.userIdentity).toMatchObject({ type: 'unauthenticated', accessKeyId: victim.accessKeyId })
    }
  })
})
