/**
 * The grant rules on their own: principal normalisation (AWS and Alibaba forms, callers), grant
 * tokens (sealed under the root key ring; forged, garbled or other-ring tokens refused), the
 * constraint match (keys case-insensitive, values exact), the delegation rule, and the key purge
 * deleting a key's grants.
 */
import { describe, expect, it } from 'vitest'
import { generateRootKeyRingJson, parseRootKeyRing } from '../../crypto/root-key'
import { CALLER, memoryKeyDeps } from '../../../test/fakes/memory-store'
import { MemoryGrants } from '../../../test/fakes/memory-grants'
import { createKey } from '../keys/create-key'
import { scheduleKeyDeletion } from '../keys/key-lifecycle'
import { runJobs } from '../jobs/job'
import { purgeDeletedKeys } from '../jobs/purge-deleted-keys'
import { atLeastAsStrict, constraintsHold, grantAllows, grantSpec, mayDelegate } from './grants'
import type { GrantRecord } from './model'
import { callerPrincipals, normalisePrincipal } from './principals'
import { openGrantToken, peekGrantToken, sealGrantToken } from './token'

describe('principals', () => {
  it('normalises the AWS and Alibaba forms to one AWS form and refuses anything else', () => {
    expect(normalisePrincipal('acs:ram::123:user/alice')).toBe('arn:aws:iam::123:user/alice')
    expect(normalisePrincipal('arn:aws:iam::123:user/alice')).toBe('arn:aws:iam::123:user/alice')
    expect(normalisePrincipal('acs:ram::123:root')).toBe('arn:aws:iam::123:root')
    expect(normalisePrincipal('acs:ram::123:role/app')).toBe('arn:aws:iam::123:role/app')
    expect(normalisePrincipal('acs:ram::123:assumed-role/app/s1')).toBe('arn:aws:sts::123:assumed-role/app/s1')
    for (const bad of [
      '',
      'alice',
      'arn:aws:iam::123:user/a#b',
      'arn:aws:iam::123:user/root',
      'arn:aws:iam::x:root',
      'kms.amazonaws.com',
    ]) {
      expect(normalisePrincipal(bad)).toBeUndefined()
    }
  })

  it('a role session matches grants to the session and to its role', () => {
    expect(callerPrincipals('acs:ram::123:assumed-role/app/s1')).toEqual([
      'arn:aws:sts::123:assumed-role/app/s1',
      'arn:aws:iam::123:role/app',
    ])
    expect(callerPrincipals('acs:ram::123:user/alice')).toEqual(['arn:aws:iam::123:user/alice'])
  })
})

describe('grant tokens', () => {
  const ring = parseRootKeyRing(generateRootKeyRingJson('rk-a'))
  const claims = { grantId: 'a'.repeat(64), keyId: 'key-1', accountId: '123' }

  it('open to their claims; every token is unique', () => {
    const t1 = sealGrantToken(ring, claims, '01')
    const t2 = sealGrantToken(ring, claims, '02')
    expect(t1).not.toBe(t2)
    expect(openGrantToken(ring, t1)).toEqual(claims)
    expect(peekGrantToken(t2)).toEqual(claims)
  })

  it('refuses forged, garbled and other-ring tokens', () => {
    const token = sealGrantToken(ring, claims, '01')
    const [head, payload, mac] = token.split('.') as [string, string, string]
    const other = parseRootKeyRing(generateRootKeyRingJson('rk-a'))
    const swapped = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), k: 'key-2' })).toString(
      'base64url',
    )
    for (const bad of [
      `${head}.${payload}.${mac.replace(/.$/, (c) => (c === '0' ? '1' : '0'))}`,
      `${head}.${swapped}.${mac}`,
      'x',
      `${token}.x`,
      '',
    ]) {
      expect(() => openGrantToken(ring, bad)).toThrow(expect.objectContaining({ code: 'grant.invalidToken' }))
    }
    expect(() => openGrantToken(other, token)).toThrow(expect.objectContaining({ code: 'grant.invalidToken' }))
  })
})

describe('constraints and delegation', () => {
  it('subset and equals: keys case-insensitive, values exact', () => {
    expect(constraintsHold({ encryptionContextSubset: { A: 'x' } }, { a: 'x', b: 'y' })).toBe(true)
    expect(constraintsHold({ encryptionContextSubset: { A: 'x' } }, { a: 'X' })).toBe(false)
    expect(constraintsHold({ encryptionContextEquals: { a: 'x' } }, { A: 'x' })).toBe(true)
    expect(constraintsHold({ encryptionContextEquals: { a: 'x' } }, { a: 'x', b: 'y' })).toBe(false)
    expect(constraintsHold(undefined, {})).toBe(true)
  })

  it('a constraint applies to context operations only', () => {
    const g: GrantRecord = {
      grantId: 'a'.repeat(64),
      keyId: 'k',
      accountId: '1',
      region: 'r',
      granteePrincipal: 'arn:aws:iam::1:user/u',
      operations: ['Encrypt', 'DescribeKey'],
      constraints: { encryptionContextSubset: { a: 'b' } },
      issuingAccount: 'arn:aws:iam::1:root',
      createdAt: new Date().toISOString(),
    }
    const forms = ['arn:aws:iam::1:user/u']
    expect(grantAllows(g, forms, 'DescribeKey', () => ({}))).toBe(true)
    expect(grantAllows(g, forms, 'Encrypt', () => ({}))).toBe(false)
    expect(grantAllows(g, forms, 'Encrypt', () => ({ a: 'b' }))).toBe(true)
    expect(grantAllows(g, ['arn:aws:iam::1:user/v'], 'DescribeKey', () => ({}))).toBe(false)
    expect(grantAllows(g, forms, 'Decrypt', () => ({ a: 'b' }))).toBe(false)
    const parentSpec = grantSpec(
      { GranteePrincipal: 'arn:aws:iam::1:user/w', Operations: ['Encrypt'], Constraints: { EncryptionContextEquals: { a: 'b', c: 'd' } } },
      '1',
    )
    expect(mayDelegate(g, parentSpec)).toBe(true)
    expect(mayDelegate(g, { ...parentSpec, operations: ['Decrypt'] })).toBe(false)
    expect(atLeastAsStrict(undefined, { encryptionContextSubset: { a: 'b' } })).toBe(false)
    expect(atLeastAsStrict({ encryptionContextSubset: { a: 'b' } }, { encryptionContextEquals: { a: 'b' } })).toBe(false)
    expect(atLeastAsStrict({ encryptionContextEquals: { A: 'b' } }, { encryptionContextEquals: { a: 'b' } })).toBe(true)
  })
})

describe('purge-deleted-keys', () => {
  it("deletes the key's grants with the key, and only that key's", async () => {
    const DAY = 86_400_000
    const grants = new MemoryGrants()
    const deps = { ...memoryKeyDeps(), grants }
    const doomed = await createKey(deps, CALLER, {})
    const kept = await createKey(deps, CALLER, {})
    const grant = (keyId: string, i: number): GrantRecord => ({
      grantId: String(i).padStart(64, '0'),
      keyId,
      accountId: CALLER.accountId,
      region: CALLER.region,
      granteePrincipal: `arn:aws:iam::${CALLER.accountId}:user/u`,
      operations: ['Encrypt'],
      issuingAccount: `arn:aws:iam::${CALLER.accountId}:root`,
      createdAt: new Date().toISOString(),
    })
    await grants.create(grant(doomed.keyId, 1))
    await grants.create(grant(doomed.keyId, 2))
    await grants.create(grant(kept.keyId, 3))
    await scheduleKeyDeletion(deps, CALLER, doomed.keyId, 7)
    const [report] = await runJobs([purgeDeletedKeys], deps, deps.clock.now() + 7 * DAY)
    expect(report).toMatchObject({ processed: 1, failed: 0 })
    expect(await grants.listByKey(doomed.keyId)).toEqual([])
    expect((await grants.listByKey(kept.keyId)).map((g) => g.grantId)).toEqual([String(3).padStart(64, '0')])
  })
})
