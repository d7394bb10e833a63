/**
 * AWS KMS grants end to end on the shared stack (the Worker in workerd, DynamoDB behind it) with
 * the official @aws-sdk/client-kms: a RAM user made through the RAM API (@alicloud/ram20150501)
 * with no policy is refused Encrypt, encrypts and decrypts once a grant names it, sees the grant
 * constrained to its encryption context, retires a grant by its token, and is refused again at
 * once after RevokeGrant (grants are stored in the key's partition and read uncached).
 */
import { randomUUID } from 'node:crypto'
import RamModule, * as Ram from '@alicloud/ram20150501'
import { $OpenApiUtil } from '@alicloud/openapi-core'
import {
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  KMSClient,
  ListGrantsCommand,
  ListRetirableGrantsCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
} from '@aws-sdk/client-kms'
import { describe, expect, it } from 'vitest'
import { stackInfo } from './clients'

const stack = stackInfo()
const RamClient = ((RamModule as unknown as { default?: unknown }).default ?? RamModule) as unknown as new (
  config: InstanceType<typeof $OpenApiUtil.Config>,
) => InstanceType<typeof Ram.default>

const ram = new RamClient(
  new $OpenApiUtil.Config({
    accessKeyId: stack.accessKeyId,
    accessKeySecret: stack.accessKeySecret,
    regionId: stack.regionId,
    endpoint: stack.endpoint.replace(/^https?:\/\//, ''),
    protocol: 'HTTP',
  }),
)

function kmsAs(accessKeyId: string, secretAccessKey: string): KMSClient {
  return new KMSClient({ region: stack.regionId, endpoint: stack.endpoint, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 })
}

const root = kmsAs(stack.accessKeyId, stack.accessKeySecret)
const text = (s: string) => new TextEncoder().encode(s)
const denied = { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } }

/** A RAM user with an AccessKey and no policy, as a KMS client, and its AWS principal ARN. */
async function newUser(): Promise<{ arn: string; kms: KMSClient }> {
  const userName = `grantee-${randomUUID().slice(0, 8)}`
  await ram.createUser(new Ram.CreateUserRequest({ userName }))
  const { body } = await ram.createAccessKey(new Ram.CreateAccessKeyRequest({ userName }))
  return {
    arn: `arn:aws:iam::${stack.accountId}:user/${userName}`,
    kms: kmsAs(body!.accessKey!.accessKeyId!, body!.accessKey!.accessKeySecret!),
  }
}

describe('grants on the stack', () => {
  it('a RAM user encrypts with a grant and is refused after RevokeGrant', async () => {
    const keyId = (await root.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!
    const user = await newUser()
    await expect(user.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: text('x') }))).rejects.toMatchObject(denied)

    const { GrantId, GrantToken } = await root.send(
      new CreateGrantCommand({ KeyId: keyId, GranteePrincipal: user.arn, Operations: ['Encrypt', 'Decrypt'], Name: 'integration' }),
    )
    expect(GrantId).toMatch(/^[0-9a-f]{64}$/)
    expect(GrantToken).toBeTruthy()
    // Idempotent by Name.
    const again = await root.send(
      new CreateGrantCommand({ KeyId: keyId, GranteePrincipal: user.arn, Operations: ['Decrypt', 'Encrypt'], Name: 'integration' }),
    )
    expect(again.GrantId).toBe(GrantId)

    const blob = (await user.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: text('granted') }))).CiphertextBlob!
    const out = await user.kms.send(new DecryptCommand({ CiphertextBlob: blob }))
    expect(new TextDecoder().decode(out.Plaintext)).toBe('granted')

    const listed = await root.send(new ListGrantsCommand({ KeyId: keyId }))
    expect(listed.Grants).toHaveLength(1)
    expect(listed.Grants![0]).toMatchObject({
      GrantId,
      GranteePrincipal: user.arn,
      Name: 'integration',
      Operations: ['Decrypt', 'Encrypt'],
    })
    expect(listed.Grants![0]!.CreationDate).toBeInstanceOf(Date)

    await root.send(new RevokeGrantCommand({ KeyId: keyId, GrantId }))
    await expect(user.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: text('x') }))).rejects.toMatchObject(denied)
    await expect(user.kms.send(new DecryptCommand({ CiphertextBlob: blob }))).rejects.toMatchObject(denied)
    await expect(root.send(new RevokeGrantCommand({ KeyId: keyId, GrantId }))).rejects.toMatchObject({ name: 'NotFoundException' })
  })

  it('constraints hold on the stack; the retiring principal retires by token; a forged token is refused', async () => {
    const keyId = (await root.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!
    const user = await newUser()
    const retirer = await newUser()
    const { GrantId, GrantToken } = await root.send(
      new CreateGrantCommand({
        KeyId: keyId,
        GranteePrincipal: user.arn,
        RetiringPrincipal: retirer.arn,
        Operations: ['Encrypt'],
        Constraints: { EncryptionContextSubset: { tenant: 't1' } },
      }),
    )
    await user.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: text('x'), EncryptionContext: { tenant: 't1', x: 'y' } }))
    await expect(
      user.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: text('x'), EncryptionContext: { tenant: 't2' } })),
    ).rejects.toMatchObject(denied)

    const retirable = await root.send(new ListRetirableGrantsCommand({ RetiringPrincipal: retirer.arn }))
    expect(retirable.Grants!.map((g) => g.GrantId)).toEqual([GrantId])

    const forged = `${GrantToken!.slice(0, -1)}${GrantToken!.endsWith('0') ? '1' : '0'}`
    await expect(retirer.kms.send(new RetireGrantCommand({ GrantToken: forged }))).rejects.toMatchObject({
      name: 'InvalidGrantTokenException',
    })
    await retirer.kms.send(new RetireGrantCommand({ GrantToken }))
    await expect(
      user.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: text('x'), EncryptionContext: { tenant: 't1' } })),
    ).rejects.toMatchObject(denied)
  })
})
