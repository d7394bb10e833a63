/**
 * AWS KMS grants on fakes, through the official @aws-sdk/client-kms (requests to `app.request` in
 * process): a RAM user with no policy is refused until a grant names it; what the grant lists is
 * all it allows; constraints on the encryption context (keys case-insensitive); revoking and
 * retiring stop it at once; grant tokens are authenticated; a Name makes CreateGrant idempotent;
 * an explicit deny beats a grant; delegation through a grant's CreateGrant gives no more than it
 * has; the Alibaba dialect honours grants too; bad input answers AWS's exception names, never a
 * 5xx, never an echo of the value sent.
 */
import {
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  KMSClient,
  ListGrantsCommand,
  ListRetirableGrantsCommand,
  ReEncryptCommand,
  ScheduleKeyDeletionCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  type CreateGrantCommandInput,
} from '@aws-sdk/client-kms'
import { describe, expect, it, vi } from 'vitest'
import { MAX_GRANTS_PER_KEY, type GrantRecord } from '../../core/domain/grants/model'
import { inProcessHandler } from './aws-harness'
import { fake, v1 } from './harness'

const REGION = fake.deps.region
const ACCOUNT = fake.root.accountId
const ENDPOINT = 'http://kms.test'
const arnOf = (keyId: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}`
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`

/** Every error body the app sent (to check that nothing sent is echoed). */
const errorBodies: string[] = []
const handler = inProcessHandler((status, body) => {
  expect(status).toBeLessThan(500)
  if (status >= 400) errorBodies.push(new TextDecoder().decode(body))
})

function kmsAs(accessKeyId: string, secretAccessKey: string): KMSClient {
  return new KMSClient({
    region: REGION,
    endpoint: ENDPOINT,
    credentials: { accessKeyId, secretAccessKey },
    requestHandler: handler as never,
    maxAttempts: 1,
  })
}

const kms = kmsAs(fake.root.accessKeyId, fake.root.accessKeySecret)

async function ram(action: string, params: Record<string, string>): Promise<Record<string, any>> {
  const res = await v1(action, params, { accessKeyId: fake.root.accessKeyId, secret: fake.root.accessKeySecret, version: '2015-05-01' })
  expect(res.status, res.text).toBe(200)
  return res.json as Record<string, any>
}

let n = 0
/** A RAM user of the root account with no policy at all (or only `deny`), as a KMS client. */
async function newUser(deny?: string[]): Promise<{ name: string; arn: string; kms: KMSClient; ak: { id: string; secret: string } }> {
  const name = `grantee-${++n}`
  await ram('CreateUser', { UserName: name })
  if (deny) {
    await ram('CreatePolicy', {
      PolicyName: `deny-${n}`,
      PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Deny', Action: deny, Resource: ['*'] }] }),
    })
    await ram('AttachPolicyToUser', { UserName: name, PolicyName: `deny-${n}`, PolicyType: 'Custom' })
  }
  const { AccessKey } = await ram('CreateAccessKey', { UserName: name })
  return {
    name,
    arn: userArn(name),
    kms: kmsAs(AccessKey.AccessKeyId, AccessKey.AccessKeySecret),
    ak: { id: AccessKey.AccessKeyId, secret: AccessKey.AccessKeySecret },
  }
}

async function newKey(): Promise<string> {
  return (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!
}

const text = (s: string) => new TextEncoder().encode(s)
const denied = { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } }

async function grant(input: CreateGrantCommandInput, client = kms) {
  const out = await client.send(new CreateGrantCommand(input))
  return { grantId: out.GrantId!, token: out.GrantToken! }
}

describe('a grant lets a RAM user with no policy use the key', () => {
  it('refused before, allowed for the granted operations only, refused again after RevokeGrant', async () => {
    const k = await newKey()
    const user = await newUser()
    await expect(user.kms.send(new EncryptCommand({ KeyId: k, Plaintext: text('x') }))).rejects.toMatchObject(denied)

    const { grantId, token } = await grant({ KeyId: k, GranteePrincipal: user.arn, Operations: ['Encrypt', 'Decrypt'] })
    expect(grantId).toMatch(/^[0-9a-f]{64}$/)
    expect(token.length).toBeGreaterThan(20)

    const blob = (await user.kms.send(new EncryptCommand({ KeyId: arnOf(k), Plaintext: text('hello') }))).CiphertextBlob!
    const plain = await user.kms.send(new DecryptCommand({ CiphertextBlob: blob }))
    expect(new TextDecoder().decode(plain.Plaintext)).toBe('hello')
    // Not granted: DescribeKey, GenerateDataKey.
    await expect(user.kms.send(new DescribeKeyCommand({ KeyId: k }))).rejects.toMatchObject(denied)
    await expect(user.kms.send(new GenerateDataKeyCommand({ KeyId: k, KeySpec: 'AES_256' }))).rejects.toMatchObject(denied)
    // Another key: nothing.
    await expect(user.kms.send(new EncryptCommand({ KeyId: await newKey(), Plaintext: text('x') }))).rejects.toMatchObject(denied)

    const listed = await kms.send(new ListGrantsCommand({ KeyId: k }))
    expect(listed.Truncated).toBe(false)
    expect(listed.Grants).toHaveLength(1)
    expect(listed.Grants![0]).toMatchObject({
      KeyId: arnOf(k),
      GrantId: grantId,
      GranteePrincipal: user.arn,
      IssuingAccount: `arn:aws:iam::${ACCOUNT}:root`,
      Operations: ['Decrypt', 'Encrypt'],
    })
    expect(listed.Grants![0]!.CreationDate).toBeInstanceOf(Date)
    expect(Math.abs(listed.Grants![0]!.CreationDate!.getTime() - Date.now())).toBeLessThan(60_000)

    await kms.send(new RevokeGrantCommand({ KeyId: k, GrantId: grantId }))
    await expect(user.kms.send(new EncryptCommand({ KeyId: k, Plaintext: text('x') }))).rejects.toMatchObject(denied)
    await expect(user.kms.send(new DecryptCommand({ CiphertextBlob: blob }))).rejects.toMatchObject(denied)
    expect((await kms.send(new ListGrantsCommand({ KeyId: k }))).Grants).toEqual([])
    await expect(kms.send(new RevokeGrantCommand({ KeyId: k, GrantId: grantId }))).rejects.toMatchObject({ name: 'NotFoundException' })
  })

  it('a call the policies allow reads no grants (the hot path pays nothing); a refused one reads them once', async () => {
    const k = await newKey()
    const user = await newUser()
    await grant({ KeyId: k, GranteePrincipal: user.arn, Operations: ['Encrypt'] })
    const spy = vi.spyOn(fake.grants, 'listByKey')
    try {
      await kms.send(new EncryptCommand({ KeyId: k, Plaintext: text('x') }))
      await kms.send(new DescribeKeyCommand({ KeyId: k }))
      expect(spy).not.toHaveBeenCalled()
      await user.kms.send(new EncryptCommand({ KeyId: k, Plaintext: text('x') }))
      expect(spy).toHaveBeenCalledTimes(1)
    } finally {
      spy.mockRestore()
    }
  })

  it("ReEncrypt: ReEncryptFrom and ReEncryptTo each through the grant, with one read of the key's grants", async () => {
    const k = await newKey()
    const user = await newUser()
    const blob = (await kms.send(new EncryptCommand({ KeyId: k, Plaintext: text('r') }))).CiphertextBlob!
    await grant({ KeyId: k, GranteePrincipal: user.arn, Operations: ['ReEncryptFrom'] })
    // ReEncryptTo is missing: refused.
    await expect(user.kms.send(new ReEncryptCommand({ CiphertextBlob: blob, DestinationKeyId: k }))).rejects.toMatchObject(denied)
    await grant({ KeyId: k, GranteePrincipal: user.arn, Operations: ['ReEncryptTo'] })
    const spy = vi.spyOn(fake.grants, 'listByKey')
    try {
      const out = await user.kms.send(new ReEncryptCommand({ CiphertextBlob: blob, DestinationKeyId: k }))
      expect(out.KeyId).toBe(arnOf(k))
      expect(spy).toHaveBeenCalledTimes(1)
    } finally {
      spy.mockRestore()
    }
  })

  it('applies to the Alibaba dialect too (one authorisation path)', async () => {
    const k = await newKey()
    const user = await newUser()
    const encrypt = () =>
      v1('Encrypt', { KeyId: k, Plaintext: Buffer.from('x').toString('base64') }, { accessKeyId: user.ak.id, secret: user.ak.secret })
    expect((await encrypt()).status).toBe(403)
    // The grantee named in the Alibaba form: stored normalised.
    await grant({ KeyId: k, GranteePrincipal: `acs:ram::${ACCOUNT}:user/${user.name}`, Operations: ['Encrypt'] })
    const ok = await encrypt()
    expect(ok.status, ok.text).toBe(200)
    const listed = await kms.send(new ListGrantsCommand({ KeyId: k, GranteePrincipal: `acs:ram::${ACCOUNT}:user/${user.name}` }))
    expect(listed.Grants!.map((g) => g.GranteePrincipal)).toEqual([user.arn])
  })

  it('an explicit deny beats a grant', async () => {
    const k = await newKey()
    const user = await newUser(['kms:Encrypt'])
    await grant({ KeyId: k, GranteePrincipal: user.arn, Operations: ['Encrypt', 'DescribeKey'] })
    await expect(user.kms.send(new EncryptCommand({ KeyId: k, Plaintext: text('x') }))).rejects.toMatchObject(denied)
    // The same grant's other operation still works: only the denied action is refused.
    expect((await user.kms.send(new DescribeKeyCommand({ KeyId: k }))).KeyMetadata!.KeyId).toBe(k)
  })
})

describe('role sessions', () => {
  async function session(roleName: string, policy?: string): Promise<KMSClient> {
    const res = await v1(
      'AssumeRole',
      { RoleArn: `acs:ram::${ACCOUNT}:role/${roleName}`, RoleSessionName: 'grant-session', ...(policy ? { Policy: policy } : {}) },
      { accessKeyId: fake.root.accessKeyId, secret: fake.root.accessKeySecret, version: '2015-04-01' },
    )
    expect(res.status, res.text).toBe(200)
    const c = (res.json as Record<string, any>).Credentials
    return new KMSClient({
      region: REGION,
      endpoint: ENDPOINT,
      credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.AccessKeySecret, sessionToken: c.SecurityToken },
      requestHandler: handler as never,
      maxAttempts: 1,
    })
  }

  it('a grant to a role serves its sessions; a session policy still narrows (it must allow the action too)', async () => {
    const k = await newKey()
    const roleName = `grant-role-${++n}`
    const trust = {
      Version: '1',
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { RAM: [`acs:ram::${ACCOUNT}:root`] } }],
    }
    await ram('CreateRole', { RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify(trust) })
    const plain = await session(roleName)
    await expect(plain.send(new EncryptCommand({ KeyId: k, Plaintext: text('x') }))).rejects.toMatchObject(denied)
    // Named in the Alibaba form, stored in the AWS form.
    await grant({ KeyId: k, GranteePrincipal: `acs:ram::${ACCOUNT}:role/${roleName}`, Operations: ['Encrypt', 'DescribeKey'] })
    await plain.send(new EncryptCommand({ KeyId: k, Plaintext: text('x') }))
    const narrowed = await session(
      roleName,
      JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: ['kms:DescribeKey'], Resource: ['*'] }] }),
    )
    await expect(narrowed.send(new EncryptCommand({ KeyId: k, Plaintext: text('x') }))).rejects.toMatchObject(denied)
    expect((await narrowed.send(new DescribeKeyCommand({ KeyId: k }))).KeyMetadata!.KeyId).toBe(k)
    const [g] = (await kms.send(new ListGrantsCommand({ KeyId: k }))).Grants!
    expect(g!.GranteePrincipal).toBe(`arn:aws:iam::${ACCOUNT}:role/${roleName}`)
  })
})

describe('constraints', () => {
  it('EncryptionContextSubset: only with a matching context (keys case-insensitive, values exact); DescribeKey unconstrained', async () => {
    const k = await newKey()
    const user = await newUser()
    await grant({
      KeyId: k,
      GranteePrincipal: user.arn,
      Operations: ['Encrypt', 'Decrypt', 'DescribeKey'],
      Constraints: { EncryptionContextSubset: { purpose: 'test' } },
    })
    const enc = (ctx?: Record<string, string>) =>
      user.kms.send(new EncryptCommand({ KeyId: k, Plaintext: text('x'), EncryptionContext: ctx }))
    await expect(enc()).rejects.toMatchObject(denied)
    await expect(enc({ purpose: 'TEST' })).rejects.toMatchObject(denied)
    await expect(enc({ other: 'test' })).rejects.toMatchObject(denied)
    const blob = (await enc({ Purpose: 'test', extra: 'y' })).CiphertextBlob!
    await user.kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { Purpose: 'test', extra: 'y' } }))
    expect((await user.kms.send(new DescribeKeyCommand({ KeyId: k }))).KeyMetadata!.KeyId).toBe(k)
    const [g] = (await kms.send(new ListGrantsCommand({ KeyId: k }))).Grants!
    expect(g!.Constraints).toEqual({ EncryptionContextSubset: { purpose: 'test' } })
  })

  it('EncryptionContextEquals: exactly that context', async () => {
    const k = await newKey()
    const user = await newUser()
    await grant({ KeyId: k, GranteePrincipal: user.arn, Operations: ['Encrypt'], Constraints: { EncryptionContextEquals: { a: '1' } } })
    const enc = (ctx?: Record<string, string>) =>
      user.kms.send(new EncryptCommand({ KeyId: k, Plaintext: text('x'), EncryptionContext: ctx }))
    await enc({ a: '1' })
    await enc({ A: '1' })
    await expect(enc({ a: '1', b: '2' })).rejects.toMatchObject(denied)
    await expect(enc({ a: '2' })).rejects.toMatchObject(denied)
    await expect(enc()).rejects.toMatchObject(denied)
  })
})

describe('retiring', () => {
  it('the retiring principal retires by GrantToken; the grant stops at once; the token then names nothing', async () => {
    const k = await newKey()
    const user = await newUser()
    const retirer = await newUser()
    const { token, grantId } = await grant({
      KeyId: k,
      GranteePrincipal: user.arn,
      RetiringPrincipal: retirer.arn,
      Operations: ['Encrypt'],
    })
    await user.kms.send(new EncryptCommand({ KeyId: k, Plaintext: text('x') }))
    // The grantee without RetireGrant cannot retire it.
    await expect(user.kms.send(new RetireGrantCommand({ GrantToken: token }))).rejects.toMatchObject(denied)
    const retirable = await kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: retirer.arn }))
    expect(retirable.Grants!.map((g) => g.GrantId)).toEqual([grantId])
    await retirer.kms.send(new RetireGrantCommand({ GrantToken: token }))
    await expect(user.kms.send(new EncryptCommand({ KeyId: k, Plaintext: text('x') }))).rejects.toMatchObject(denied)
    await expect(retirer.kms.send(new RetireGrantCommand({ GrantToken: token }))).rejects.toMatchObject(denied)
    await expect(kms.send(new RetireGrantCommand({ GrantToken: token }))).rejects.toMatchObject({ name: 'NotFoundException' })
    expect((await kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: retirer.arn }))).Grants).toEqual([])
  })

  it('a grantee whose grant includes RetireGrant retires it by KeyId + GrantId; a stranger cannot', async () => {
    const k = await newKey()
    const user = await newUser()
    const stranger = await newUser()
    const { grantId } = await grant({ KeyId: k, GranteePrincipal: user.arn, Operations: ['Encrypt', 'RetireGrant'] })
    await expect(stranger.kms.send(new RetireGrantCommand({ KeyId: arnOf(k), GrantId: grantId }))).rejects.toMatchObject(denied)
    await user.kms.send(new RetireGrantCommand({ KeyId: arnOf(k), GrantId: grantId }))
    await expect(user.kms.send(new EncryptCommand({ KeyId: k, Plaintext: text('x') }))).rejects.toMatchObject(denied)
  })

  it('a forged, garbled or re-targeted token is InvalidGrantTokenException', async () => {
    const k = await newKey()
    const user = await newUser()
    const { token } = await grant({ KeyId: k, GranteePrincipal: user.arn, Operations: ['Encrypt'] })
    const [head, payload, mac] = token.split('.') as [string, string, string]
    const flipped = `${head}.${payload}.${mac.slice(0, -1)}${mac.endsWith('0') ? '1' : '0'}`
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
    const other = Buffer.from(JSON.stringify({ ...claims, g: 'f'.repeat(64) })).toString('base64url')
    for (const bad of [flipped, `${head}.${other}.${mac}`, 'not-a-token', `${token}x`]) {
      await expect(kms.send(new RetireGrantCommand({ GrantToken: bad }))).rejects.toMatchObject({
        name: 'InvalidGrantTokenException',
        $metadata: { httpStatusCode: 400 },
      })
    }
    // A token for this key sent with another KeyId.
    await expect(kms.send(new RetireGrantCommand({ GrantToken: token, KeyId: arnOf(await newKey()) }))).rejects.toMatchObject({
      name: 'InvalidGrantTokenException',
    })
    // Still there.
    await user.kms.send(new EncryptCommand({ KeyId: k, Plaintext: text('x') }))
  })
})

describe('CreateGrant', () => {
  it('same Name and parameters: the same GrantId (a new token); other parameters: a new grant', async () => {
    const k = await newKey()
    const user = await newUser()
    const input = { KeyId: k, GranteePrincipal: user.arn, Operations: ['Encrypt', 'Decrypt'] as ('Encrypt' | 'Decrypt')[], Name: 'app:one' }
    const a = await grant(input)
    const b = await grant({ ...input, Operations: ['Decrypt', 'Encrypt', 'Encrypt'] })
    expect(b.grantId).toBe(a.grantId)
    expect(b.token).not.toBe(a.token)
    const c = await grant({ ...input, Operations: ['Encrypt'] })
    expect(c.grantId).not.toBe(a.grantId)
    const d = await grant({ KeyId: k, GranteePrincipal: user.arn, Operations: ['Encrypt'] })
    const e = await grant({ KeyId: k, GranteePrincipal: user.arn, Operations: ['Encrypt'] })
    expect(d.grantId).not.toBe(e.grantId)
    expect((await kms.send(new ListGrantsCommand({ KeyId: k }))).Grants).toHaveLength(4)
    const one = await kms.send(new ListGrantsCommand({ KeyId: k, GrantId: a.grantId }))
    expect(one.Grants!.map((g) => [g.GrantId, g.Name])).toEqual([[a.grantId, 'app:one']])
    const page = await kms.send(new ListGrantsCommand({ KeyId: k, Limit: 3 }))
    expect(page).toMatchObject({ Truncated: true })
    const rest = await kms.send(new ListGrantsCommand({ KeyId: k, Limit: 3, Marker: page.NextMarker }))
    expect(rest.Truncated).toBe(false)
    expect([...page.Grants!, ...rest.Grants!].map((g) => g.GrantId).sort()).toEqual([a.grantId, c.grantId, d.grantId, e.grantId].sort())
  })

  it('a grantee with CreateGrant may grant a subset of its operations, constraints as strict or stricter', async () => {
    const k = await newKey()
    const parent = await newUser()
    const child = await newUser()
    await grant({
      KeyId: k,
      GranteePrincipal: parent.arn,
      Operations: ['Encrypt', 'CreateGrant'],
      Constraints: { EncryptionContextSubset: { team: 'a' } },
    })
    const refused = [
      { Operations: ['Decrypt'], Constraints: { EncryptionContextSubset: { team: 'a' } } },
      { Operations: ['Encrypt'] },
      { Operations: ['Encrypt'], Constraints: { EncryptionContextSubset: { team: 'b' } } },
    ] as const
    for (const r of refused) {
      await expect(
        grant({ KeyId: k, GranteePrincipal: child.arn, ...(r as object) } as CreateGrantCommandInput, parent.kms),
      ).rejects.toMatchObject(denied)
    }
    await grant(
      { KeyId: k, GranteePrincipal: child.arn, Operations: ['Encrypt'], Constraints: { EncryptionContextEquals: { team: 'a', app: 'x' } } },
      parent.kms,
    )
    await child.kms.send(new EncryptCommand({ KeyId: k, Plaintext: text('x'), EncryptionContext: { team: 'a', app: 'x' } }))
    await expect(
      child.kms.send(new EncryptCommand({ KeyId: k, Plaintext: text('x'), EncryptionContext: { team: 'a' } })),
    ).rejects.toMatchObject(denied)
    // The child has no CreateGrant, and cannot list grants.
    await expect(grant({ KeyId: k, GranteePrincipal: child.arn, Operations: ['Encrypt'] }, child.kms)).rejects.toMatchObject(denied)
    await expect(child.kms.send(new ListGrantsCommand({ KeyId: k }))).rejects.toMatchObject(denied)
  })

  it('refuses bad input with AWS exception names before writing, and echoes nothing', async () => {
    const k = await newKey()
    const user = await newUser()
    const SENTINEL = 'Zq9sentinelValue'
    const validation = { name: 'ValidationException', $metadata: { httpStatusCode: 400 } }
    const bad: Array<Record<string, unknown>> = [
      { GranteePrincipal: user.arn, Operations: ['Encrypt', SENTINEL] },
      { GranteePrincipal: user.arn, Operations: [] },
      { GranteePrincipal: user.arn },
      { Operations: ['Encrypt'] },
      { GranteePrincipal: `arn:aws:iam::${ACCOUNT}:user/${SENTINEL}!`, Operations: ['Encrypt'] },
      { GranteePrincipal: SENTINEL, Operations: ['Encrypt'] },
      { GranteePrincipal: 'arn:aws:iam::999999999999:user/other', Operations: ['Encrypt'] },
      { GranteePrincipal: user.arn, RetiringPrincipal: `x${SENTINEL}`, Operations: ['Encrypt'] },
      { GranteePrincipal: user.arn, Operations: ['DescribeKey'], Constraints: { EncryptionContextSubset: { a: SENTINEL } } },
      { GranteePrincipal: user.arn, Operations: ['Encrypt', 'Sign'], Constraints: { EncryptionContextSubset: { a: SENTINEL } } },
      {
        GranteePrincipal: user.arn,
        Operations: ['Encrypt'],
        Constraints: { EncryptionContextSubset: { a: 'b' }, EncryptionContextEquals: { a: 'b' } },
      },
      { GranteePrincipal: user.arn, Operations: ['Encrypt'], Constraints: { EncryptionContextSubset: {} } },
      { GranteePrincipal: user.arn, Operations: ['Encrypt'], Constraints: { EncryptionContextSubset: { a: 'x'.repeat(385) } } },
      { GranteePrincipal: user.arn, Operations: ['Encrypt'], Name: `${SENTINEL} with spaces` },
      { GranteePrincipal: user.arn, Operations: ['Encrypt'], GrantTokens: Array.from({ length: 11 }, () => 't') },
      { GranteePrincipal: user.arn, Operations: ['Encrypt'], GrantTokens: [SENTINEL.repeat(600)] },
    ]
    const before = fake.writes()
    for (const b of bad) {
      await expect(kms.send(new CreateGrantCommand({ KeyId: k, ...b } as never)), JSON.stringify(b).slice(0, 200)).rejects.toMatchObject(
        validation,
      )
    }
    expect(fake.writes()).toBe(before)
    expect((await kms.send(new ListGrantsCommand({ KeyId: k }))).Grants).toEqual([])
    await expect(kms.send(new RevokeGrantCommand({ KeyId: k, GrantId: SENTINEL }))).rejects.toMatchObject({
      name: 'InvalidGrantIdException',
    })
    await expect(kms.send(new ListGrantsCommand({ KeyId: k, GrantId: SENTINEL }))).rejects.toMatchObject({
      name: 'InvalidGrantIdException',
    })
    await expect(kms.send(new RetireGrantCommand({ KeyId: k, GrantId: SENTINEL }))).rejects.toMatchObject({
      name: 'InvalidGrantIdException',
    })
    await expect(kms.send(new RetireGrantCommand({}))).rejects.toMatchObject(validation)
    await expect(kms.send(new RevokeGrantCommand({ KeyId: k, GrantId: 'a'.repeat(64) }))).rejects.toMatchObject({
      name: 'NotFoundException',
    })
    // GrantTokens on another operation: shape only.
    await kms.send(new DescribeKeyCommand({ KeyId: k, GrantTokens: ['anything'] }))
    for (const body of errorBodies) {
      expect(body).not.toContain(SENTINEL)
      expect(body).not.toContain('Zq9')
    }
  })

  it('at most MAX_GRANTS_PER_KEY grants per key: LimitExceededException before the write', async () => {
    const k = await newKey()
    const user = await newUser()
    for (let i = 0; i < MAX_GRANTS_PER_KEY; i++) {
      const g: GrantRecord = {
        grantId: i.toString(16).padStart(64, '0'),
        keyId: k,
        accountId: ACCOUNT,
        region: REGION,
        granteePrincipal: user.arn,
        operations: ['DescribeKey'],
        issuingAccount: `arn:aws:iam::${ACCOUNT}:root`,
        createdAt: new Date().toISOString(),
      }
      await fake.grants.create(g)
    }
    const before = fake.writes()
    await expect(grant({ KeyId: k, GranteePrincipal: user.arn, Operations: ['Encrypt'] })).rejects.toMatchObject({
      name: 'LimitExceededException',
      $metadata: { httpStatusCode: 400 },
    })
    expect(fake.writes()).toBe(before)
    // Revoke one: room for one more.
    await kms.send(new RevokeGrantCommand({ KeyId: k, GrantId: '0'.repeat(64) }))
    await grant({ KeyId: k, GranteePrincipal: user.arn, Operations: ['Encrypt'] })
  })

  it('DryRun: DryRunOperationException after every check, nothing written; a key pending deletion takes no grant', async () => {
    const k = await newKey()
    const user = await newUser()
    const dry = { name: 'DryRunOperationException', $metadata: { httpStatusCode: 400 } }
    const before = fake.writes()
    await expect(grant({ KeyId: k, GranteePrincipal: user.arn, Operations: ['Encrypt'], DryRun: true })).rejects.toMatchObject(dry)
    expect(fake.writes()).toBe(before)
    const { grantId, token } = await grant({ KeyId: k, GranteePrincipal: user.arn, Operations: ['Encrypt'] })
    await expect(kms.send(new RevokeGrantCommand({ KeyId: k, GrantId: grantId, DryRun: true }))).rejects.toMatchObject(dry)
    await expect(kms.send(new RetireGrantCommand({ GrantToken: token, DryRun: true }))).rejects.toMatchObject(dry)
    await user.kms.send(new EncryptCommand({ KeyId: k, Plaintext: text('x') }))
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: k, PendingWindowInDays: 7 }))
    await expect(grant({ KeyId: k, GranteePrincipal: user.arn, Operations: ['Encrypt'] })).rejects.toMatchObject({
      name: 'KMSInvalidStateException',
    })
    // The existing grant can still be revoked.
    await kms.send(new RevokeGrantCommand({ KeyId: k, GrantId: grantId }))
  })

  it('needs kms:CreateGrant: a user with no policy and no grant is refused', async () => {
    const k = await newKey()
    const user = await newUser()
    await expect(grant({ KeyId: k, GranteePrincipal: user.arn, Operations: ['Encrypt'] }, user.kms)).rejects.toMatchObject(denied)
    await expect(user.kms.send(new RevokeGrantCommand({ KeyId: k, GrantId: 'a'.repeat(64) }))).rejects.toMatchObject(denied)
    await expect(user.kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: user.arn }))).rejects.toMatchObject(denied)
  })
})

describe('GrantTokens on other operations', () => {
  it('a well-formed list is accepted (grants are effective at once); a malformed one is ValidationException, echoing nothing', async () => {
    const k = await newKey()
    const user = await newUser()
    const { token } = await grant({ KeyId: k, GranteePrincipal: user.arn, Operations: ['Encrypt', 'DescribeKey'] })
    await user.kms.send(new EncryptCommand({ KeyId: k, Plaintext: text('x'), GrantTokens: [token] }))
    await user.kms.send(new DescribeKeyCommand({ KeyId: k, GrantTokens: [token] }))
    const bad = { name: 'ValidationException', $metadata: { httpStatusCode: 400 } }
    const canary = 'grant-token-canary-'.repeat(500)
    await expect(
      kms.send(new EncryptCommand({ KeyId: k, Plaintext: text('x'), GrantTokens: Array(11).fill(token) })),
    ).rejects.toMatchObject(bad)
    await expect(kms.send(new EncryptCommand({ KeyId: k, Plaintext: text('x'), GrantTokens: [canary] }))).rejects.toMatchObject(bad)
    await expect(kms.send(new DescribeKeyCommand({ KeyId: k, GrantTokens: [''] }))).rejects.toMatchObject(bad)
    expect(errorBodies.some((b) => b.includes('grant-token-canary'))).toBe(false)
  })
})
