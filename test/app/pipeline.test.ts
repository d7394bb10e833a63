/**
 * The pipeline's guarantees (functions/app.ts), on the app with fake deps: exactly one audit
 * event per authenticated call, also when it is refused before its handler (bad parameters,
 * denied); unauthenticated refusals recorded apart; a cross-account call copied into the key
 * owner's trail; 503 and no handler when an event cannot be written; the body limit before the
 * body is read; the Alibaba error shape and a Date header on every answer.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { resetUnauthenticatedSlots } from '../../core/domain/audit/unauthenticated'
import type { AuditEvent } from '../../core/domain/audit/model'
import { createKey, expectError, expectErrorShape, expectOk, expectUnhandled, fake, signedV1, send, v1 } from './harness'

/** The audit events written for one request (by its request id). */
function eventsOf(res: { headers: Headers }): Array<AuditEvent & { trail: string }> {
  const requestId = res.headers.get('x-acs-request-id')
  return [...fake.audit.records.values()]
    .map((r) => ({ ...(JSON.parse(r.body) as AuditEvent), trail: r.accountId }))
    .filter((e) => e.requestId === requestId)
}

afterEach(() => {
  fake.audit.failWrites = false
  resetUnauthenticatedSlots()
})

describe('one audit event per call', () => {
  it('records an allowed call once, with its caller and outcome', async () => {
    const res = await v1('DescribeRegions')
    expectOk(res)
    expect(res.headers.get('date')).toEqual(expect.any(String))
    expect(eventsOf(res)).toEqual([
      expect.objectContaining({
        action: 'DescribeRegions',
        outcome: 'Success',
        decision: 'Allow',
        accountId: fake.root.accountId,
        trail: fake.root.accountId,
      }),
    ])
  })

  it('records a call refused for bad parameters once, as a failure of its caller', async () => {
    const res = await v1('DescribeKey', {})
    expectError(res, 400, 'MissingParameter')
    expect(res.writes).toBe(0)
    expect(eventsOf(res)).toEqual([
      expect.objectContaining({ action: 'DescribeKey', outcome: 'Failure', errorCode: 'MissingParameter', accountId: fake.root.accountId }),
    ])
  })

  it('records a denied call once, with decision Deny, and never runs its handler', async () => {
    const res = await v1('DescribeKey', { KeyId: `acs:kms:${fake.deps.region}:6543210987654321:key/${crypto.randomUUID()}` })
    expectError(res, 403, 'Forbidden.NoPermission')
    expectUnhandled(res)
    expect(eventsOf(res)).toEqual([expect.objectContaining({ outcome: 'Failure', decision: 'Deny', errorCode: 'Forbidden.NoPermission' })])
  })

  it('records a refusal before authentication apart, as unauthenticated', async () => {
    const res = await v1('CreateKey', {}, { secret: 'not-the-secret' })
    expectError(res, 400, 'SignatureDoesNotMatch')
    expectUnhandled(res)
    expect(eventsOf(res)).toEqual([
      expect.objectContaining({
        action: 'CreateKey',
        outcome: 'Failure',
        unauthenticated: true,
        trail: `${fake.root.accountId}/unauthenticated`,
      }),
    ])
  })

  it("copies a cross-account call into the key owner's trail", async () => {
    const other = await fake.addAccount()
    const key = await createKey()
    const arn = `acs:kms:${fake.deps.region}:${fake.root.accountId}:key/${key}`
    const policy = JSON.stringify({
      Version: '1',
      Statement: [
        { Effect: 'Allow', Principal: { RAM: [`acs:ram::${fake.root.accountId}:*`] }, Action: 'kms:*', Resource: '*' },
        { Effect: 'Allow', Principal: { RAM: [`acs:ram::${other.accountId}:root`] }, Action: ['kms:Encrypt'], Resource: '*' },
      ],
    })
    expectOk(await v1('SetKeyPolicy', { KeyId: key, PolicyName: 'default', Policy: policy }))
    const res = await v1('Encrypt', { KeyId: arn, Plaintext: 'aGk=' }, { accessKeyId: other.accessKeyId, secret: other.accessKeySecret })
    expectOk(res)
    expect(
      eventsOf(res)
        .map((e) => e.trail)
        .sort(),
    ).toEqual([fake.root.accountId, other.accountId].sort())
  })
})

describe('when the audit trail cannot be written', () => {
  it('answers 503 and never runs the handler', async () => {
    fake.audit.failWrites = true
    const res = await v1('CreateKey', { Description: 'never' })
    expect(res.status, res.text).toBe(503)
    expect(res.json.Code).toBe('ServiceUnavailableTemporary')
    expectUnhandled(res)
    fake.audit.failWrites = false
    expect(expectOk(await v1('ListKeys', { PageSize: 100 })).Keys.Key.map((k: { KeyId: string }) => k.KeyId)).toHaveLength(
      fake.keys.items.size,
    )
  })

  it('answers 503 to a refused call whose refusal cannot be recorded', async () => {
    fake.audit.failWrites = true
    const res = await v1('DescribeKey', {})
    expect(res.status, res.text).toBe(503)
    expectUnhandled(res)
  })
})

describe('body limit', () => {
  it('refuses a body over the limit before reading it, recorded as unauthenticated', async () => {
    const req = await signedV1('CreateKey', { Description: 'big' })
    req.body = `${String(req.body)}&Pad=${'x'.repeat(200 * 1024)}`
    const res = await send(req)
    expectError(res, 413, 'RequestEntityTooLarge')
    expectUnhandled(res)
    expectErrorShape(res)
    expect(eventsOf(res)).toEqual([expect.objectContaining({ action: '-', outcome: 'Failure', unauthenticated: true })])
  })
})
