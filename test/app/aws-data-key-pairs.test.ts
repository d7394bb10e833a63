/**
 * TrentService GenerateDataKeyPair / GenerateDataKeyPairWithoutPlaintext on fakes, through the
 * official @aws-sdk/client-kms: every KeyPairSpec gives a real pair (a signature by the private
 * key verifies under the public key, with node:crypto), Decrypt of the private ciphertext gives
 * back the PKCS#8 bytes with the same encryption context only, WithoutPlaintext carries no private
 * key, the CMK checks and the permissions (`kms:GenerateDataKeyPair[WithoutPlaintext]` on the key)
 * are GenerateDataKey's, and bad input is an AWS exception that echoes nothing.
 */
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DisableKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  KMSClient,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  type DataKeyPairSpec,
} from '@aws-sdk/client-kms'
import { createPrivateKey, createPublicKey, randomBytes, sign, verify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { sm2SignDigest, sm2VerifyDigest } from '../../core/crypto/sm/sm2'
import { inProcessHandler, signedAwsRequest } from './aws-harness'
import { fake, v1 } from './harness'

const REGION = fake.deps.region
const ACCOUNT = fake.root.accountId
const ENDPOINT = 'http://kms.test'
const arnOf = (keyId: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}`

function kmsAs(accessKeyId: string, secretAccessKey: string): KMSClient {
  return new KMSClient({
    region: REGION,
    endpoint: ENDPOINT,
    credentials: { accessKeyId, secretAccessKey },
    requestHandler: inProcessHandler() as never,
    maxAttempts: 1,
  })
}

const kms = kmsAs(fake.root.accessKeyId, fake.root.accessKeySecret)

async function newKey(input: ConstructorParameters<typeof CreateKeyCommand>[0] = {}): Promise<string> {
  return (await kms.send(new CreateKeyCommand(input))).KeyMetadata!.KeyId!
}

let n = 0
/** A RAM user of the root account allowed exactly `actions` on every resource, as a KMS client. */
async function userClient(actions: string[], condition?: Record<string, unknown>): Promise<KMSClient> {
  const ram = async (action: string, params: Record<string, string>) => {
    const res = await v1(action, params, { accessKeyId: fake.root.accessKeyId, secret: fake.root.accessKeySecret, version: '2015-05-01' })
    expect(res.status, res.text).toBe(200)
    return res.json as Record<string, any>
  }
  const user = `dkp-user-${++n}`
  await ram('CreateUser', { UserName: user })
  const policy = `dkp-policy-${n}`
  await ram('CreatePolicy', {
    PolicyName: policy,
    PolicyDocument: JSON.stringify({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: actions, Resource: ['*'], ...(condition ? { Condition: condition } : {}) }],
    }),
  })
  await ram('AttachPolicyToUser', { UserName: user, PolicyName: policy, PolicyType: 'Custom' })
  const { AccessKey } = await ram('CreateAccessKey', { UserName: user })
  return kmsAs(AccessKey.AccessKeyId, AccessKey.AccessKeySecret)
}

/** A raw TrentService request signed as the SDK signs it, with any body. */
const raw = (target: string, body: string) => signedAwsRequest(`TrentService.${target}`, body, { service: 'kms', hostname: 'kms.test' })

/** Whether a signature made with `pkcs8` verifies under `spki`, and one over another message does not. */
function pairMatches(spec: string, pkcs8: Uint8Array, spki: Uint8Array): boolean {
  if (spec === 'SM2') {
    const digest = new Uint8Array(32).fill(3)
    const signature = sm2SignDigest(pkcs8, digest, (k) => new Uint8Array(randomBytes(k)))
    return sm2VerifyDigest(spki, digest, signature) && !sm2VerifyDigest(spki, new Uint8Array(32).fill(4), signature)
  }
  const hash = spec === 'ECC_NIST_EDWARDS25519' ? null : 'sha256'
  const privateKey = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' })
  const publicKey = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' })
  const message = Buffer.from('signed outside KMS')
  const signature = sign(hash, message, privateKey)
  return verify(hash, message, publicKey, signature) && !verify(hash, Buffer.from('something else'), publicKey, signature)
}

const SPECS: DataKeyPairSpec[] = [
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ECC_NIST_P521',
  'ECC_SECG_P256K1',
  'SM2',
  'ECC_NIST_EDWARDS25519',
]

describe('GenerateDataKeyPair', () => {
  it.each(SPECS)('%s: a working pair whose private ciphertext Decrypts to the same PKCS#8 bytes', async (spec) => {
    const k = await newKey()
    const context = { tenant: 't-1', spec }
    const out = await kms.send(new GenerateDataKeyPairCommand({ KeyId: k, KeyPairSpec: spec, EncryptionContext: context }))
    expect(out.KeyId).toBe(arnOf(k))
    expect(out.KeyPairSpec).toBe(spec)
    expect(pairMatches(spec, out.PrivateKeyPlaintext!, out.PublicKey!)).toBe(true)

    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: out.PrivateKeyCiphertextBlob, EncryptionContext: context }))
    expect(dec.KeyId).toBe(arnOf(k))
    expect(Buffer.from(dec.Plaintext!).equals(Buffer.from(out.PrivateKeyPlaintext!))).toBe(true)
    await expect(
      kms.send(new DecryptCommand({ CiphertextBlob: out.PrivateKeyCiphertextBlob, EncryptionContext: { tenant: 't-2', spec } })),
    ).rejects.toMatchObject({ name: 'InvalidCiphertextException', $metadata: { httpStatusCode: 400 } })
    await expect(kms.send(new DecryptCommand({ CiphertextBlob: out.PrivateKeyCiphertextBlob }))).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
    })
  })

  it('names the key by ARN or alias; the response carries exactly the AWS fields', async () => {
    const k = await newKey()
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/dkp-by-alias', TargetKeyId: k }))
    for (const KeyId of [arnOf(k), 'alias/dkp-by-alias', `arn:aws:kms:${REGION}:${ACCOUNT}:alias/dkp-by-alias`]) {
      const out = await kms.send(new GenerateDataKeyPairCommand({ KeyId, KeyPairSpec: 'ECC_NIST_P256' }))
      expect(out.KeyId).toBe(arnOf(k))
    }
    const res = await raw('GenerateDataKeyPair', JSON.stringify({ KeyId: k, KeyPairSpec: 'ECC_NIST_P256', GrantTokens: ['gt'] }))
    expect(res.status, res.text).toBe(200)
    expect(Object.keys(res.json).sort()).toEqual(['KeyId', 'KeyPairSpec', 'PrivateKeyCiphertextBlob', 'PrivateKeyPlaintext', 'PublicKey'])
  })

  it('WithoutPlaintext returns no private key; the ciphertext opens to the public key’s private key', async () => {
    const k = await newKey()
    const out = await kms.send(
      new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: k, KeyPairSpec: 'RSA_2048', EncryptionContext: { a: 'b' } }),
    )
    expect(out.KeyId).toBe(arnOf(k))
    expect(out.KeyPairSpec).toBe('RSA_2048')
    expect(out).not.toHaveProperty('PrivateKeyPlaintext')
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: out.PrivateKeyCiphertextBlob, EncryptionContext: { a: 'b' } }))
    expect(pairMatches('RSA_2048', dec.Plaintext!, out.PublicKey!)).toBe(true)
    const res = await raw('GenerateDataKeyPairWithoutPlaintext', JSON.stringify({ KeyId: k, KeyPairSpec: 'ECC_NIST_P256' }))
    expect(res.status, res.text).toBe(200)
    expect(Object.keys(res.json).sort()).toEqual(['KeyId', 'KeyPairSpec', 'PrivateKeyCiphertextBlob', 'PublicKey'])
  })
})

describe('refusals', () => {
  const both = (input: Record<string, unknown>) => [
    new GenerateDataKeyPairCommand(input as never),
    new GenerateDataKeyPairWithoutPlaintextCommand(input as never),
  ]

  it('an unknown or missing KeyPairSpec is a ValidationException that does not echo the value', async () => {
    const k = await newKey()
    for (const call of [...both({ KeyId: k, KeyPairSpec: 'RSA_1024_SECRET' }), ...both({ KeyId: k })]) {
      const err = await kms.send(call as never).then(
        () => undefined,
        (e: Error & { $metadata?: { httpStatusCode?: number } }) => e,
      )
      expect(err).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } })
      expect(err!.message).not.toContain('RSA_1024_SECRET')
    }
  })

  it('asymmetric and HMAC keys: InvalidKeyUsageException; unknown keys: NotFoundException', async () => {
    const rsa = await newKey({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' })
    const ec = await newKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })
    const hmac = await newKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })
    for (const KeyId of [rsa, ec, hmac])
      for (const call of both({ KeyId, KeyPairSpec: 'ECC_NIST_P256' }))
        await expect(kms.send(call as never)).rejects.toMatchObject({
          name: 'InvalidKeyUsageException',
          $metadata: { httpStatusCode: 400 },
        })
    for (const call of both({ KeyId: 'key-00000000-0000-4000-8000-000000000000', KeyPairSpec: 'ECC_NIST_P256' }))
      await expect(kms.send(call as never)).rejects.toMatchObject({ name: 'NotFoundException' })
    for (const call of both({ KeyId: 'alias/dkp-missing', KeyPairSpec: 'ECC_NIST_P256' }))
      await expect(kms.send(call as never)).rejects.toMatchObject({ name: 'NotFoundException' })
  })

  it('Disabled: DisabledException; PendingDeletion: KMSInvalidStateException', async () => {
    const disabled = await newKey()
    await kms.send(new DisableKeyCommand({ KeyId: disabled }))
    for (const call of both({ KeyId: disabled, KeyPairSpec: 'RSA_2048' }))
      await expect(kms.send(call as never)).rejects.toMatchObject({ name: 'DisabledException', $metadata: { httpStatusCode: 400 } })
    const pending = await newKey()
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: pending, PendingWindowInDays: 7 }))
    for (const call of both({ KeyId: pending, KeyPairSpec: 'RSA_2048' }))
      await expect(kms.send(call as never)).rejects.toMatchObject({ name: 'KMSInvalidStateException' })
  })

  it('DryRun: DryRunOperationException on a usable key, the key error otherwise', async () => {
    const k = await newKey()
    for (const call of both({ KeyId: k, KeyPairSpec: 'RSA_4096', DryRun: true }))
      await expect(kms.send(call as never)).rejects.toMatchObject({ name: 'DryRunOperationException' })
    const disabled = await newKey()
    await kms.send(new DisableKeyCommand({ KeyId: disabled }))
    await expect(
      kms.send(new GenerateDataKeyPairCommand({ KeyId: disabled, KeyPairSpec: 'RSA_2048', DryRun: true })),
    ).rejects.toMatchObject({
      name: 'DisabledException',
    })
  })

  it('Recipient: UnsupportedOperationException; wrong JSON types: ValidationException', async () => {
    const k = await newKey()
    await expect(
      kms.send(
        new GenerateDataKeyPairCommand({
          KeyId: k,
          KeyPairSpec: 'ECC_NIST_P256',
          Recipient: { KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256', AttestationDocument: new Uint8Array([1]) },
        }),
      ),
    ).rejects.toMatchObject({ name: 'UnsupportedOperationException' })
    const bodies = [
      { KeyId: k, KeyPairSpec: 7 },
      { KeyId: k, KeyPairSpec: 'ECC_NIST_P256', EncryptionContext: { a: 1 } },
      { KeyId: k, KeyPairSpec: 'ECC_NIST_P256', EncryptionContext: 'a=b' },
      { KeyId: k, KeyPairSpec: 'ECC_NIST_P256', GrantTokens: 'gt' },
      { KeyId: k, KeyPairSpec: 'ECC_NIST_P256', GrantTokens: [''] },
      { KeyId: k, KeyPairSpec: 'ECC_NIST_P256', GrantTokens: Array.from({ length: 11 }, () => 'gt') },
      { KeyId: k, KeyPairSpec: 'ECC_NIST_P256', DryRun: 'yes' },
      { KeyPairSpec: 'ECC_NIST_P256' },
    ]
    for (const target of ['GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext'])
      for (const body of bodies) {
        const res = await raw(target, JSON.stringify(body))
        expect({ body, status: res.status, type: res.json.__type }).toEqual({ body, status: 400, type: 'ValidationException' })
        expect(res.text).not.toContain('a=b')
      }
  })

  it('needs kms:GenerateDataKeyPair / kms:GenerateDataKeyPairWithoutPlaintext, not kms:GenerateDataKey', async () => {
    const k = await newKey()
    const dataKeyOnly = await userClient(['kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:Encrypt'])
    for (const call of both({ KeyId: k, KeyPairSpec: 'ECC_NIST_P256' }))
      await expect(dataKeyOnly.send(call as never)).rejects.toMatchObject({
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 403 },
      })
    const pairOnly = await userClient(['kms:GenerateDataKeyPair'])
    const out = await pairOnly.send(new GenerateDataKeyPairCommand({ KeyId: k, KeyPairSpec: 'ECC_NIST_P256' }))
    expect(out.KeyId).toBe(arnOf(k))
    await expect(
      pairOnly.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: k, KeyPairSpec: 'ECC_NIST_P256' })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
    })
    // Decrypting the private key is kms:Decrypt, which this user does not have.
    await expect(pairOnly.send(new DecryptCommand({ CiphertextBlob: out.PrivateKeyCiphertextBlob }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    })
    const withoutOnly = await userClient(['kms:GenerateDataKeyPairWithoutPlaintext'])
    const w = await withoutOnly.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: k, KeyPairSpec: 'ECC_NIST_P256' }))
    expect(w.PrivateKeyCiphertextBlob).toBeDefined()
    await expect(withoutOnly.send(new GenerateDataKeyPairCommand({ KeyId: k, KeyPairSpec: 'ECC_NIST_P256' }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    })
  })

  it('kms:EncryptionContext:* conditions see the request context', async () => {
    const k = await newKey()
    const tenant1 = await userClient(['kms:GenerateDataKeyPair'], { StringEquals: { 'kms:EncryptionContext:tenant': 't1' } })
    const ok = await tenant1.send(
      new GenerateDataKeyPairCommand({ KeyId: k, KeyPairSpec: 'ECC_NIST_P256', EncryptionContext: { tenant: 't1' } }),
    )
    expect(ok.KeyId).toBe(arnOf(k))
    for (const EncryptionContext of [{ tenant: 't2' }, undefined])
      await expect(
        tenant1.send(new GenerateDataKeyPairCommand({ KeyId: k, KeyPairSpec: 'ECC_NIST_P256', EncryptionContext })),
      ).rejects.toMatchObject({ name: 'AccessDeniedException' })
  })

  it("another account's key: allowed by its key policy only, answered with the owner's key ARN", async () => {
    const k = await newKey()
    const keyArn = arnOf(k)
    const other = await fake.addAccount()
    const b = kmsAs(other.accessKeyId, other.accessKeySecret)
    await expect(b.send(new GenerateDataKeyPairCommand({ KeyId: keyArn, KeyPairSpec: 'ECC_NIST_P256' }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    })
    const policy = {
      Version: '1',
      Statement: [
        { Effect: 'Allow', Principal: { RAM: [`acs:ram::${ACCOUNT}:*`] }, Action: 'kms:*', Resource: '*' },
        { Effect: 'Allow', Principal: { RAM: [`acs:ram::${other.accountId}:root`] }, Action: ['kms:GenerateDataKeyPair'], Resource: '*' },
      ],
    }
    await kms.send(new PutKeyPolicyCommand({ KeyId: k, PolicyName: 'default', Policy: JSON.stringify(policy) }))
    const out = await b.send(new GenerateDataKeyPairCommand({ KeyId: keyArn, KeyPairSpec: 'ECC_NIST_P256', EncryptionContext: { x: 'y' } }))
    expect(out.KeyId).toBe(keyArn)
    await expect(
      b.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: keyArn, KeyPairSpec: 'ECC_NIST_P256' })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
    })
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: out.PrivateKeyCiphertextBlob, EncryptionContext: { x: 'y' } }))
    expect(Buffer.from(dec.Plaintext!).equals(Buffer.from(out.PrivateKeyPlaintext!))).toBe(true)
  })
})
