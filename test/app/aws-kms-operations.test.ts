/**
 * Every TrentService operation of the AWS dialect on fakes, through the official
 * @aws-sdk/client-kms (unmodified; its requests go to `app.request` in process): aliases, tags,
 * rotation, key policies, import, HMAC, signing, public keys, random bytes, the refused grant and
 * data-key-pair operations, the key-state cells (Disabled → DisabledException, PendingDeletion →
 * KMSInvalidStateException), and bad input — wrong JSON types, unknown enum values, oversized
 * values, malformed bodies, unknown targets, broken SigV4 — answered with AWS's exception names,
 * never a 5xx, never an echo of the value sent.
 */
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DeleteImportedKeyMaterialCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateMacCommand,
  GenerateRandomCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  GetParametersForImportCommand,
  GetPublicKeyCommand,
  ImportKeyMaterialCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeyPoliciesCommand,
  ListKeyRotationsCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  VerifyCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms'
import * as nodeCrypto from 'node:crypto'
import { SignatureV4 } from '@smithy/signature-v4'
import { describe, expect, it } from 'vitest'
import { inProcessHandler, Sha256 } from './aws-harness'
import { app, fake } from './harness'

const REGION = fake.deps.region
const ACCOUNT = fake.root.accountId
const ENDPOINT = 'http://kms.test'
const arnOf = (keyId: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}`

const kms = new KMSClient({
  region: REGION,
  endpoint: ENDPOINT,
  credentials: { accessKeyId: fake.root.accessKeyId, secretAccessKey: fake.root.accessKeySecret },
  requestHandler: inProcessHandler() as never,
  maxAttempts: 1,
})

async function newKey(input: ConstructorParameters<typeof CreateKeyCommand>[0] = {}): Promise<string> {
  return (await kms.send(new CreateKeyCommand(input))).KeyMetadata!.KeyId!
}

const text = (s: string) => new TextEncoder().encode(s)

/** A raw TrentService request, SigV4-signed as the SDK signs it (then tampered with by `edit`). */
async function raw(
  target: string,
  body: string,
  opts: {
    region?: string
    service?: string
    date?: Date
    secret?: string
    signed?: Record<string, string>
    edit?: (h: Record<string, string>) => void
  } = {},
): Promise<{ status: number; json: Record<string, unknown>; text: string; again: () => ReturnType<typeof raw> }> {
  const signer = new SignatureV4({
    service: opts.service ?? 'kms',
    region: opts.region ?? REGION,
    credentials: { accessKeyId: fake.root.accessKeyId, secretAccessKey: opts.secret ?? fake.root.accessKeySecret },
    sha256: Sha256,
  })
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: 'kms.test',
      path: '/',
      headers: { host: 'kms.test', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target, ...opts.signed },
      body,
    },
    opts.date ? { signingDate: opts.date } : {},
  )
  const headers = { ...(signed.headers as Record<string, string>) }
  opts.edit?.(headers)
  const send = async (): ReturnType<typeof raw> => {
    const res = await app.request(`${ENDPOINT}/`, { method: 'POST', headers, body }, {})
    const t = await res.text()
    let json: Record<string, unknown> = {}
    try {
      json = JSON.parse(t)
    } catch {
      // not JSON: asserted by the caller
    }
    return { status: res.status, json, text: t, again: send }
  }
  return send()
}

describe('aliases', () => {
  it('creates, lists (all and by KeyId, with AWS AliasArn), re-points and deletes an alias', async () => {
    const a = await newKey()
    const b = await newKey()
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/aws-ops', TargetKeyId: arnOf(a) }))
    const all = await kms.send(new ListAliasesCommand({}))
    const entry = all.Aliases!.find((x) => x.AliasName === 'alias/aws-ops')!
    expect(entry).toMatchObject({ TargetKeyId: a, AliasArn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/aws-ops` })
    expect(entry.CreationDate).toBeInstanceOf(Date)
    expect((await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws-ops' }))).KeyMetadata).toMatchObject({
      KeyId: a,
      Arn: arnOf(a),
      AWSAccountId: ACCOUNT,
    })
    const byKey = await kms.send(new ListAliasesCommand({ KeyId: a }))
    expect(byKey.Aliases!.map((x) => x.AliasName)).toEqual(['alias/aws-ops'])
    await kms.send(new UpdateAliasCommand({ AliasName: 'alias/aws-ops', TargetKeyId: b }))
    expect((await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws-ops' }))).KeyMetadata!.KeyId).toBe(b)
    expect((await kms.send(new ListAliasesCommand({ KeyId: a }))).Aliases).toEqual([])
    await expect(kms.send(new CreateAliasCommand({ AliasName: 'alias/aws-ops', TargetKeyId: a }))).rejects.toMatchObject({
      name: 'AlreadyExistsException',
    })
    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: 'alias/aws-ops', PendingWindowInDays: 7 }))
    expect(scheduled).toMatchObject({ KeyId: arnOf(b), KeyState: 'PendingDeletion', PendingWindowInDays: 7 })
    expect(await kms.send(new CancelKeyDeletionCommand({ KeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/aws-ops` }))).toMatchObject({
      KeyId: arnOf(b),
    })
    await kms.send(new DeleteAliasCommand({ AliasName: 'alias/aws-ops' }))
    await expect(kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws-ops' }))).rejects.toMatchObject({ name: 'NotFoundException' })
  })

  it('pages ListAliases with Limit and Marker, and refuses a Marker it did not issue', async () => {
    const k = await newKey()
    for (const n of [1, 2, 3]) await kms.send(new CreateAliasCommand({ AliasName: `alias/page-${n}`, TargetKeyId: k }))
    const first = await kms.send(new ListAliasesCommand({ KeyId: k, Limit: 2 }))
    expect(first).toMatchObject({ Truncated: true })
    const second = await kms.send(new ListAliasesCommand({ KeyId: k, Limit: 2, Marker: first.NextMarker }))
    expect([...first.Aliases!, ...second.Aliases!].map((x) => x.AliasName).sort()).toEqual(['alias/page-1', 'alias/page-2', 'alias/page-3'])
    expect(second.Truncated).toBe(false)
    await expect(kms.send(new ListAliasesCommand({ Marker: 'not-ours' }))).rejects.toMatchObject({ name: 'InvalidMarkerException' })
  })
})

describe('tags', () => {
  it('tags, lists and untags a key', async () => {
    const k = await newKey()
    await kms.send(
      new TagResourceCommand({
        KeyId: arnOf(k),
        Tags: [
          { TagKey: 'env', TagValue: 'dev' },
          { TagKey: 'team', TagValue: 'a' },
        ],
      }),
    )
    expect((await kms.send(new ListResourceTagsCommand({ KeyId: k }))).Tags).toEqual([
      { TagKey: 'env', TagValue: 'dev' },
      { TagKey: 'team', TagValue: 'a' },
    ])
    await kms.send(new UntagResourceCommand({ KeyId: k, TagKeys: ['env'] }))
    expect((await kms.send(new ListResourceTagsCommand({ KeyId: k }))).Tags).toEqual([{ TagKey: 'team', TagValue: 'a' }])
  })
})

describe('rotation', () => {
  it('enables with a period, reports the status, disables', async () => {
    const k = await newKey()
    expect(await kms.send(new GetKeyRotationStatusCommand({ KeyId: k }))).toMatchObject({ KeyRotationEnabled: false })
    await kms.send(new EnableKeyRotationCommand({ KeyId: k, RotationPeriodInDays: 180 }))
    const on = await kms.send(new GetKeyRotationStatusCommand({ KeyId: k }))
    expect(on).toMatchObject({ KeyId: arnOf(k), KeyRotationEnabled: true, RotationPeriodInDays: 180 })
    expect(on.NextRotationDate).toBeInstanceOf(Date)
    await kms.send(new DisableKeyRotationCommand({ KeyId: k }))
    expect(await kms.send(new GetKeyRotationStatusCommand({ KeyId: k }))).toMatchObject({ KeyRotationEnabled: false })
    await expect(kms.send(new EnableKeyRotationCommand({ KeyId: k, RotationPeriodInDays: 30 }))).rejects.toMatchObject({
      name: 'ValidationException',
    })
    await expect(kms.send(new EnableKeyRotationCommand({ KeyId: k, RotationPeriodInDays: 1000 }))).rejects.toMatchObject({
      name: 'ValidationException',
    })
  })

  it('rotates on demand: a new primary version, old ciphertext still decrypts, ListKeyRotations shows it', async () => {
    const k = await newKey()
    const before = await kms.send(new EncryptCommand({ KeyId: k, Plaintext: text('before') }))
    expect((await kms.send(new ListKeyRotationsCommand({ KeyId: k }))).Rotations).toEqual([])
    expect(await kms.send(new RotateKeyOnDemandCommand({ KeyId: k }))).toMatchObject({ KeyId: arnOf(k) })
    const rotations = await kms.send(new ListKeyRotationsCommand({ KeyId: k }))
    expect(rotations.Rotations).toHaveLength(1)
    expect(rotations.Rotations![0]!.RotationDate).toBeInstanceOf(Date)
    expect((await kms.send(new ListKeyRotationsCommand({ KeyId: k, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' }))).Rotations).toHaveLength(2)
    const after = await kms.send(new EncryptCommand({ KeyId: k, Plaintext: text('after') }))
    for (const [blob, want] of [
      [before.CiphertextBlob, 'before'],
      [after.CiphertextBlob, 'after'],
    ] as const) {
      expect(new TextDecoder().decode((await kms.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext)).toBe(want)
    }
  })

  it('refuses on-demand rotation of an asymmetric key and of a disabled key', async () => {
    const rsa = await newKey({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' })
    await expect(kms.send(new RotateKeyOnDemandCommand({ KeyId: rsa }))).rejects.toMatchObject({ name: 'InvalidKeyUsageException' })
    const k = await newKey()
    await kms.send(new DisableKeyCommand({ KeyId: k }))
    await expect(kms.send(new RotateKeyOnDemandCommand({ KeyId: k }))).rejects.toMatchObject({ name: 'DisabledException' })
  })
})

describe('key policies', () => {
  it('gets, puts and lists the default policy', async () => {
    const k = await newKey()
    expect(await kms.send(new ListKeyPoliciesCommand({ KeyId: k }))).toMatchObject({ PolicyNames: ['default'], Truncated: false })
    const got = await kms.send(new GetKeyPolicyCommand({ KeyId: k, PolicyName: 'default' }))
    const policy = JSON.parse(got.Policy!)
    expect(policy).toHaveProperty('Statement')
    await kms.send(new PutKeyPolicyCommand({ KeyId: k, PolicyName: 'default', Policy: got.Policy! }))
    await expect(kms.send(new PutKeyPolicyCommand({ KeyId: k, PolicyName: 'default', Policy: '{not json' }))).rejects.toMatchObject({
      name: 'MalformedPolicyDocumentException',
    })
    await expect(kms.send(new ListKeyPoliciesCommand({ KeyId: '00000000-0000-4000-8000-000000000000' }))).rejects.toMatchObject({
      name: 'NotFoundException',
    })
    const iamSyntax = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }],
    })
    // The policy language is this service's (RAM syntax, acs: ARNs), not IAM's.
    await expect(kms.send(new PutKeyPolicyCommand({ KeyId: k, PolicyName: 'default', Policy: iamSyntax }))).rejects.toMatchObject({
      name: 'MalformedPolicyDocumentException',
    })
  })
})

describe('import', () => {
  it('imports wrapped key material with an expiry, then deletes it', async () => {
    const k = await newKey({ Origin: 'EXTERNAL' })
    expect((await kms.send(new DescribeKeyCommand({ KeyId: k }))).KeyMetadata).toMatchObject({
      KeyState: 'PendingImport',
      Origin: 'EXTERNAL',
    })
    const p = await kms.send(
      new GetParametersForImportCommand({ KeyId: k, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }),
    )
    expect(p.ParametersValidTo).toBeInstanceOf(Date)
    const publicKey = nodeCrypto.createPublicKey({ key: Buffer.from(p.PublicKey!), format: 'der', type: 'spki' })
    const wrapped = nodeCrypto.publicEncrypt(
      { key: publicKey, padding: nodeCrypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      nodeCrypto.randomBytes(32),
    )
    const validTo = new Date(Date.now() + 86_400_000)
    await expect(
      kms.send(new ImportKeyMaterialCommand({ KeyId: k, ImportToken: new Uint8Array([1, 2, 3]), EncryptedKeyMaterial: wrapped })),
    ).rejects.toMatchObject({ name: 'InvalidImportTokenException' })
    await kms.send(
      new ImportKeyMaterialCommand({
        KeyId: k,
        ImportToken: p.ImportToken,
        EncryptedKeyMaterial: wrapped,
        ExpirationModel: 'KEY_MATERIAL_EXPIRES',
        ValidTo: validTo,
      }),
    )
    const meta = (await kms.send(new DescribeKeyCommand({ KeyId: k }))).KeyMetadata!
    expect(meta.KeyState).toBe('Enabled')
    expect(Math.abs(meta.ValidTo!.getTime() - validTo.getTime())).toBeLessThan(1500)
    const enc = await kms.send(new EncryptCommand({ KeyId: k, Plaintext: text('byok') }))
    expect(new TextDecoder().decode((await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).Plaintext)).toBe('byok')
    await kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: k }))
    expect((await kms.send(new DescribeKeyCommand({ KeyId: k }))).KeyMetadata!.KeyState).toBe('PendingImport')
  })

  it('refuses ValidTo with KEY_MATERIAL_DOES_NOT_EXPIRE and an unknown ExpirationModel', async () => {
    const k = await newKey({ Origin: 'EXTERNAL' })
    const base = { KeyId: k, ImportToken: new Uint8Array([1]), EncryptedKeyMaterial: new Uint8Array([1]) }
    await expect(
      kms.send(new ImportKeyMaterialCommand({ ...base, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE', ValidTo: new Date() })),
    ).rejects.toMatchObject({ name: 'ValidationException' })
    await expect(kms.send(new ImportKeyMaterialCommand({ ...base, ExpirationModel: 'SOMETIMES' as never }))).rejects.toMatchObject({
      name: 'ValidationException',
    })
  })
})

describe('GenerateMac / VerifyMac', () => {
  it('generates and verifies a MAC; a wrong MAC is KMSInvalidMacException', async () => {
    const k = await newKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })
    const mac = await kms.send(new GenerateMacCommand({ KeyId: k, Message: text('m'), MacAlgorithm: 'HMAC_SHA_256' }))
    expect(mac).toMatchObject({ KeyId: arnOf(k), MacAlgorithm: 'HMAC_SHA_256' })
    expect(mac.Mac).toHaveLength(32)
    expect(
      await kms.send(new VerifyMacCommand({ KeyId: k, Message: text('m'), MacAlgorithm: 'HMAC_SHA_256', Mac: mac.Mac })),
    ).toMatchObject({ MacValid: true })
    const bad = Uint8Array.from(mac.Mac!, (b, i) => (i === 0 ? b ^ 1 : b))
    await expect(
      kms.send(new VerifyMacCommand({ KeyId: k, Message: text('m'), MacAlgorithm: 'HMAC_SHA_256', Mac: bad })),
    ).rejects.toMatchObject({ name: 'KMSInvalidMacException', $metadata: { httpStatusCode: 400 } })
  })
})

describe('Sign / Verify / GetPublicKey', () => {
  for (const [spec, algorithm] of [
    ['ECC_NIST_P256', 'ECDSA_SHA_256'],
    ['RSA_2048', 'RSASSA_PSS_SHA_256'],
    ['RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_256'],
  ] as const) {
    it(`${spec} ${algorithm}: RAW and DIGEST signatures verify with the public key and with Verify`, async () => {
      const k = await newKey({ KeySpec: spec, KeyUsage: 'SIGN_VERIFY' })
      const pub = await kms.send(new GetPublicKeyCommand({ KeyId: arnOf(k) }))
      expect(pub).toMatchObject({ KeyId: arnOf(k), KeySpec: spec, KeyUsage: 'SIGN_VERIFY' })
      expect(pub.SigningAlgorithms).toContain(algorithm)
      const publicKey = nodeCrypto.createPublicKey({ key: Buffer.from(pub.PublicKey!), format: 'der', type: 'spki' })
      const message = text('sign me')
      const digest = nodeCrypto.createHash('sha256').update(message).digest()
      const rawSig = await kms.send(new SignCommand({ KeyId: k, Message: message, SigningAlgorithm: algorithm }))
      expect(rawSig).toMatchObject({ KeyId: arnOf(k), SigningAlgorithm: algorithm })
      const digestSig = await kms.send(new SignCommand({ KeyId: k, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: algorithm }))
      const padding = algorithm === 'RSASSA_PSS_SHA_256' ? { padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : {}
      for (const sig of [rawSig.Signature!, digestSig.Signature!]) {
        expect(nodeCrypto.verify('sha256', message, { key: publicKey, ...padding }, Buffer.from(sig))).toBe(true)
        expect(
          await kms.send(new VerifyCommand({ KeyId: k, Message: message, Signature: sig, SigningAlgorithm: algorithm })),
        ).toMatchObject({ SignatureValid: true })
      }
      await expect(
        kms.send(new VerifyCommand({ KeyId: k, Message: text('other'), Signature: rawSig.Signature, SigningAlgorithm: algorithm })),
      ).rejects.toMatchObject({ name: 'KMSInvalidSignatureException' })
    })
  }

  it('uses the primary version after a new version, refuses unknown algorithms, digests of the wrong size and symmetric keys', async () => {
    const k = await newKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })
    await expect(
      kms.send(new SignCommand({ KeyId: k, Message: text('m'), SigningAlgorithm: 'ECDSA_SHA_999' as never })),
    ).rejects.toMatchObject({ name: 'ValidationException' })
    await expect(
      kms.send(new SignCommand({ KeyId: k, Message: text('m'), SigningAlgorithm: 'ECDSA_SHA_256', MessageType: 'DIGEST' })),
    ).rejects.toMatchObject({ name: 'ValidationException' })
    await expect(
      kms.send(new SignCommand({ KeyId: k, Message: new Uint8Array(4097), SigningAlgorithm: 'ECDSA_SHA_256' })),
    ).rejects.toMatchObject({ name: 'ValidationException' })
    await expect(
      kms.send(new SignCommand({ KeyId: await newKey(), Message: text('m'), SigningAlgorithm: 'ECDSA_SHA_256' })),
    ).rejects.toMatchObject({ name: 'InvalidKeyUsageException' })
  })
})

describe('Encrypt / Decrypt with RSAES_OAEP on RSA keys', () => {
  it('round trips through KMS and with a locally encrypted ciphertext; needs KeyId; no context', async () => {
    const k = await newKey({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' })
    for (const algorithm of ['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1'] as const) {
      const enc = await kms.send(new EncryptCommand({ KeyId: arnOf(k), Plaintext: text('rsa secret'), EncryptionAlgorithm: algorithm }))
      expect(enc).toMatchObject({ KeyId: arnOf(k), EncryptionAlgorithm: algorithm })
      expect(enc.CiphertextBlob).toHaveLength(256)
      const dec = await kms.send(new DecryptCommand({ KeyId: k, CiphertextBlob: enc.CiphertextBlob, EncryptionAlgorithm: algorithm }))
      expect([new TextDecoder().decode(dec.Plaintext), dec.KeyId, dec.EncryptionAlgorithm]).toEqual(['rsa secret', arnOf(k), algorithm])
    }
    const pub = await kms.send(new GetPublicKeyCommand({ KeyId: k }))
    expect(pub.EncryptionAlgorithms).toEqual(['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'])
    const publicKey = nodeCrypto.createPublicKey({ key: Buffer.from(pub.PublicKey!), format: 'der', type: 'spki' })
    const local = nodeCrypto.publicEncrypt(
      { key: publicKey, padding: nodeCrypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from('from outside'),
    )
    const dec = await kms.send(new DecryptCommand({ KeyId: k, CiphertextBlob: local, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }))
    expect(new TextDecoder().decode(dec.Plaintext)).toBe('from outside')
    await expect(kms.send(new DecryptCommand({ CiphertextBlob: local, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }))).rejects.toMatchObject({
      name: 'ValidationException',
    })
    await expect(
      kms.send(new DecryptCommand({ KeyId: k, CiphertextBlob: local, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' })),
    ).rejects.toMatchObject({ name: 'InvalidCiphertextException' })
    await expect(
      kms.send(
        new EncryptCommand({ KeyId: k, Plaintext: text('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256', EncryptionContext: { a: 'b' } }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' })
    await expect(
      kms.send(new EncryptCommand({ KeyId: await newKey(), Plaintext: text('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })),
    ).rejects.toMatchObject({ name: 'InvalidKeyUsageException' })
    await expect(
      kms.send(new EncryptCommand({ KeyId: k, Plaintext: text('x'), EncryptionAlgorithm: 'RSAES_PKCS1' as never })),
    ).rejects.toMatchObject({ name: 'ValidationException' })
  })
})

describe('GenerateRandom', () => {
  it('returns 1 to 1024 random bytes and refuses other sizes', async () => {
    expect((await kms.send(new GenerateRandomCommand({ NumberOfBytes: 1 }))).Plaintext).toHaveLength(1)
    const a = await kms.send(new GenerateRandomCommand({ NumberOfBytes: 1024 }))
    const b = await kms.send(new GenerateRandomCommand({ NumberOfBytes: 1024 }))
    expect(a.Plaintext).toHaveLength(1024)
    expect(Buffer.from(a.Plaintext!).equals(Buffer.from(b.Plaintext!))).toBe(false)
    for (const n of [0, 1025])
      await expect(kms.send(new GenerateRandomCommand({ NumberOfBytes: n }))).rejects.toMatchObject({ name: 'ValidationException' })
    await expect(kms.send(new GenerateRandomCommand({}))).rejects.toMatchObject({ name: 'ValidationException' })
  })
})

describe('key-state cells', () => {
  it('Disabled keys: DisabledException; PendingDeletion keys: KMSInvalidStateException', async () => {
    const disabled = await newKey()
    await kms.send(new DisableKeyCommand({ KeyId: disabled }))
    const pending = await newKey()
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: pending, PendingWindowInDays: 7 }))
    const signer = await newKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })
    await kms.send(new DisableKeyCommand({ KeyId: signer }))
    const cells: Array<[string, () => Promise<unknown>]> = [
      ['DisabledException', () => kms.send(new EncryptCommand({ KeyId: disabled, Plaintext: text('x') }))],
      ['DisabledException', () => kms.send(new EnableKeyRotationCommand({ KeyId: disabled }))],
      ['DisabledException', () => kms.send(new SignCommand({ KeyId: signer, Message: text('x'), SigningAlgorithm: 'ECDSA_SHA_256' }))],
      ['DisabledException', () => kms.send(new GetPublicKeyCommand({ KeyId: signer }))],
      ['KMSInvalidStateException', () => kms.send(new EncryptCommand({ KeyId: pending, Plaintext: text('x') }))],
      ['KMSInvalidStateException', () => kms.send(new RotateKeyOnDemandCommand({ KeyId: pending }))],
      ['KMSInvalidStateException', () => kms.send(new TagResourceCommand({ KeyId: pending, Tags: [{ TagKey: 'a', TagValue: 'b' }] }))],
    ]
    for (const [name, call] of cells) await expect(call(), name).rejects.toMatchObject({ name })
    // Reads stay allowed, as on AWS.
    expect((await kms.send(new DescribeKeyCommand({ KeyId: pending }))).KeyMetadata!.KeyState).toBe('PendingDeletion')
    expect(await kms.send(new GetKeyRotationStatusCommand({ KeyId: disabled }))).toMatchObject({ KeyRotationEnabled: false })
  })
})

describe('bad input', () => {
  const SECRET_VALUE = 'c2VjcmV0LXZhbHVlLTQy'

  it('wrong JSON types, unknown enums, oversized Plaintext: ValidationException, value not echoed', async () => {
    const k = await newKey()
    const cases: Array<[string, string]> = [
      ['TrentService.Encrypt', JSON.stringify({ KeyId: k, Plaintext: 42 })],
      ['TrentService.Encrypt', JSON.stringify({ KeyId: [k], Plaintext: SECRET_VALUE })],
      ['TrentService.Encrypt', JSON.stringify({ KeyId: k, Plaintext: SECRET_VALUE, EncryptionContext: { a: 1 } })],
      ['TrentService.Encrypt', JSON.stringify({ KeyId: k, Plaintext: Buffer.alloc(4097).toString('base64') })],
      ['TrentService.CreateKey', JSON.stringify({ KeySpec: SECRET_VALUE })],
      ['TrentService.CreateKey', JSON.stringify({ KeyUsage: 'SOMETHING_ELSE' })],
      ['TrentService.ScheduleKeyDeletion', JSON.stringify({ KeyId: k, PendingWindowInDays: '7' })],
      ['TrentService.GenerateRandom', JSON.stringify({ NumberOfBytes: 1.5 })],
      ['TrentService.TagResource', JSON.stringify({ KeyId: k, Tags: [{ TagKey: 1 }] })],
      ['TrentService.Sign', JSON.stringify({ KeyId: k, Message: SECRET_VALUE, SigningAlgorithm: 'ECDSA_SHA_256', MessageType: 'HASHED' })],
    ]
    for (const [target, body] of cases) {
      const res = await raw(target, body)
      expect({ target, status: res.status, type: res.json.__type }, body).toEqual({ target, status: 400, type: 'ValidationException' })
      expect(res.text).not.toContain(SECRET_VALUE)
      expect(res.text).not.toContain('SOMETHING_ELSE')
    }
  })

  it('a body over the 128 KiB limit: ValidationException (413), not read', async () => {
    const res = await raw('TrentService.Encrypt', JSON.stringify({ KeyId: 'k', Plaintext: 'A'.repeat(129 * 1024) }))
    expect([res.status, res.json.__type]).toEqual([413, 'ValidationException'])
    expect(res.text.length).toBeLessThan(300)
  })

  it('malformed JSON, a non-object body, unknown targets', async () => {
    for (const body of ['{"KeyId":', '[1,2]', '"text"', '\u00ff\u00fe']) {
      const res = await raw('TrentService.DescribeKey', body)
      expect([res.status, res.json.__type], body).toEqual([400, 'SerializationException'])
    }
    for (const target of ['TrentService.NoSuchOperation', 'TrentService.DeriveSharedSecret', 'Nope.Encrypt', 'TrentService.']) {
      const res = await raw(target, '{}')
      expect([res.status, res.json.__type], target).toEqual([400, 'UnknownOperationException'])
    }
  })

  it('SigV4: missing or garbled Authorization parts, wrong scope region or service, stale date, wrong secret', async () => {
    const body = JSON.stringify({ NumberOfBytes: 8 })
    const edits: Array<[string, (h: Record<string, string>) => void]> = [
      ['no Authorization', (h) => delete h.authorization],
      ['no Credential', (h) => (h.authorization = h.authorization!.replace(/Credential=[^,]+, /, ''))],
      ['no SignedHeaders', (h) => (h.authorization = h.authorization!.replace(/SignedHeaders=[^,]+, /, ''))],
      ['no Signature', (h) => (h.authorization = h.authorization!.replace(/, Signature=[0-9a-f]+/, ''))],
      ['bad algorithm', (h) => (h.authorization = h.authorization!.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA1'))],
      ['garbled Credential', (h) => (h.authorization = h.authorization!.replace(/Credential=[^,]+/, 'Credential=garbage'))],
      ['garbled Signature', (h) => (h.authorization = h.authorization!.replace(/Signature=[0-9a-f]+/, 'Signature=zz'))],
      [
        'flipped Signature',
        (h) =>
          (h.authorization = h.authorization!.replace(/Signature=([0-9a-f])/, (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`)),
      ],
      ['signed header changed', (h) => (h['x-amz-target'] = 'TrentService.ListKeys')],
      ['no x-amz-date', (h) => delete h['x-amz-date']],
      ['unknown AccessKey', (h) => (h.authorization = h.authorization!.replace(fake.root.accessKeyId, 'AKIDNOTKNOWN0000'))],
    ]
    for (const [what, edit] of edits) {
      const res = await raw('TrentService.GenerateRandom', body, { edit })
      expect(res.status, `${what}: ${res.text}`).toBeGreaterThanOrEqual(400)
      expect(res.status, what).toBeLessThan(500)
      expect(typeof res.json.__type, what).toBe('string')
      expect(res.json.Plaintext, what).toBeUndefined()
    }
    const others: Array<[string, Parameters<typeof raw>[2], string]> = [
      ['wrong region', { region: 'eu-west-9' }, 'InvalidSignatureException'],
      ['wrong service', { service: 'secretsmanager' }, 'InvalidSignatureException'],
      ['stale x-amz-date', { date: new Date(Date.now() - 20 * 60_000) }, 'InvalidSignatureException'],
      ['future x-amz-date', { date: new Date(Date.now() + 20 * 60_000) }, 'InvalidSignatureException'],
      ['wrong secret', { secret: 'not-the-secret' }, 'InvalidSignatureException'],
    ]
    for (const [what, opts, type] of others) {
      const res = await raw('TrentService.GenerateRandom', body, opts)
      expect([res.status >= 400 && res.status < 500, res.json.__type], `${what}: ${res.text}`).toEqual([true, type])
    }
    const ok = await raw('TrentService.GenerateRandom', body)
    expect(ok.status, ok.text).toBe(200)
  })

  it('replay: a signed amz-sdk-invocation-id is a nonce (the replay is refused); unsigned, a replay inside the window is accepted, as on AWS', async () => {
    const body = JSON.stringify({ NumberOfBytes: 8 })
    const sdkStyle = await raw('TrentService.GenerateRandom', body, { signed: { 'amz-sdk-invocation-id': crypto.randomUUID() } })
    expect(sdkStyle.status, sdkStyle.text).toBe(200)
    const replayed = await sdkStyle.again()
    expect([replayed.status, replayed.json.__type]).toEqual([403, 'InvalidSignatureException'])
    expect(replayed.json.Plaintext).toBeUndefined()
    const botoStyle = await raw('TrentService.GenerateRandom', body)
    expect(botoStyle.status).toBe(200)
    expect((await botoStyle.again()).status).toBe(200)
  })
})
