/**
 * The AWS KMS dialect (TrentService) end to end on the shared stack (the Worker in workerd,
 * DynamoDB behind it), with clients that know nothing of this service but its endpoint:
 * @aws-sdk/client-kms (RSAES_OAEP included), the AWS Encryption SDK (@aws-crypto/client-node with a KMS keyring),
 * awscli and boto3 (the machine's Python; botocore signs fewer headers and sends no body hash),
 * a cross-dialect round trip (Alibaba SDK encrypts, AWS SDK decrypts, one audit trail), and the
 * key-state cells of the AWS operations.
 */
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { buildClient, CommitmentPolicy, getClient, KmsKeyringNode } from '@aws-crypto/client-node'
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DisableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateMacCommand,
  GenerateRandomCommand,
  GetPublicKeyCommand,
  KMS,
  KMSClient,
  ListAliasesCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  VerifyCommand,
} from '@aws-sdk/client-kms'
import { describe, expect, it } from 'vitest'
import { b64, Kms, kmsClient, openApiCaller, stackInfo } from './clients'

const run = promisify(execFile)
const stack = stackInfo()
const arnOf = (keyId: string) => `arn:aws:kms:${stack.regionId}:${stack.accountId}:key/${keyId}`
const credentials = { accessKeyId: stack.accessKeyId, secretAccessKey: stack.accessKeySecret }
/** No profile or credentials file of the machine may leak into the AWS tools. */
const awsEnv = {
  ...process.env,
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_ACCESS_KEY_ID: stack.accessKeyId,
  AWS_SECRET_ACCESS_KEY: stack.accessKeySecret,
}

function client(): KMSClient {
  return new KMSClient({ region: stack.regionId, endpoint: stack.endpoint, credentials, maxAttempts: 1 })
}

async function newKey(input: ConstructorParameters<typeof CreateKeyCommand>[0] = {}): Promise<string> {
  return (await client().send(new CreateKeyCommand(input))).KeyMetadata!.KeyId!
}

/** `aws --endpoint-url … --region … kms <args>`, JSON output. */
async function awscli(...args: string[]): Promise<Record<string, any>> {
  const { stdout } = await run('aws', ['--endpoint-url', stack.endpoint, '--region', stack.regionId, '--output', 'json', 'kms', ...args], {
    env: awsEnv,
    timeout: 60_000,
  })
  return JSON.parse(stdout)
}

/** Runs a Python snippet with a boto3 `kms` client pointed at the stack; prints JSON. */
async function boto3(script: string): Promise<any> {
  const prelude = [
    'import boto3, json, base64',
    `kms = boto3.client('kms', endpoint_url=${JSON.stringify(stack.endpoint)}, region_name=${JSON.stringify(stack.regionId)})`,
  ].join('\n')
  const { stdout } = await run('python3', ['-c', `${prelude}\n${script}`], { env: awsEnv, timeout: 60_000 })
  return JSON.parse(stdout)
}

/** ActionTrail LookupEvents (2020-07-06) through openapi-client callApi, as the audit tests call it. */
async function lookupEvents(query: Record<string, string>): Promise<any[]> {
  return ((await openApiCaller({ version: '2020-07-06' })('LookupEvents', query)) as { Events: any[] }).Events
}

describe('AWS KMS dialect on the stack', () => {
  it('@aws-sdk/client-kms: keys, aliases, crypto, data keys, rotation, signing, MAC, random', async () => {
    const kms = client()
    const keyId = await newKey({ Description: 'aws-clients' })
    const alias = `alias/aws-it-${randomUUID().slice(0, 8)}`
    await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: arnOf(keyId) }))
    expect((await kms.send(new ListAliasesCommand({ KeyId: keyId }))).Aliases).toEqual([
      expect.objectContaining({
        AliasName: alias,
        TargetKeyId: keyId,
        AliasArn: `arn:aws:kms:${stack.regionId}:${stack.accountId}:${alias}`,
      }),
    ])
    const enc = await kms.send(new EncryptCommand({ KeyId: alias, Plaintext: Buffer.from('hello aws'), EncryptionContext: { app: 'it' } }))
    expect(enc.KeyId).toBe(arnOf(keyId))
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }))
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { app: 'it' } }))
    expect([Buffer.from(dec.Plaintext!).toString(), dec.KeyId]).toEqual(['hello aws', arnOf(keyId)])
    const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256' }))
    expect(dk.Plaintext).toHaveLength(32)
    const signer = await newKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })
    const sig = await kms.send(new SignCommand({ KeyId: signer, Message: Buffer.from('msg'), SigningAlgorithm: 'ECDSA_SHA_256' }))
    expect(
      (
        await kms.send(
          new VerifyCommand({ KeyId: signer, Message: Buffer.from('msg'), Signature: sig.Signature, SigningAlgorithm: 'ECDSA_SHA_256' }),
        )
      ).SignatureValid,
    ).toBe(true)
    await expect(
      kms.send(
        new VerifyCommand({ KeyId: signer, Message: Buffer.from('other'), Signature: sig.Signature, SigningAlgorithm: 'ECDSA_SHA_256' }),
      ),
    ).rejects.toMatchObject({ name: 'KMSInvalidSignatureException' })
    expect((await kms.send(new GetPublicKeyCommand({ KeyId: signer }))).KeySpec).toBe('ECC_NIST_P256')
    const mac = await newKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })
    expect(
      (await kms.send(new GenerateMacCommand({ KeyId: mac, Message: Buffer.from('m'), MacAlgorithm: 'HMAC_SHA_256' }))).Mac,
    ).toHaveLength(32)
    expect((await kms.send(new GenerateRandomCommand({ NumberOfBytes: 64 }))).Plaintext).toHaveLength(64)
    const rsa = await newKey({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' })
    const rsaEnc = await kms.send(
      new EncryptCommand({ KeyId: rsa, Plaintext: Buffer.from('rsa'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }),
    )
    const rsaDec = await kms.send(
      new DecryptCommand({ KeyId: rsa, CiphertextBlob: rsaEnc.CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }),
    )
    expect(Buffer.from(rsaDec.Plaintext!).toString()).toBe('rsa')
  })

  it('the AWS Encryption SDK: encrypt and decrypt with a KMS keyring on the key ARN', async () => {
    const arn = arnOf(await newKey())
    const other = arnOf(await newKey())
    const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
    const keyring = new KmsKeyringNode({
      clientProvider: getClient(KMS, { endpoint: stack.endpoint, credentials }),
      generatorKeyId: arn,
      keyIds: [other],
    })
    const { result } = await encrypt(keyring, 'hello esdk', { encryptionContext: { stage: 'it' } })
    const out = await decrypt(keyring, result)
    expect(out.plaintext.toString()).toBe('hello esdk')
    expect(out.messageHeader.encryptionContext).toMatchObject({ stage: 'it' })
    expect(out.messageHeader.encryptedDataKeys.map((k) => k.providerInfo)).toEqual([arn, other])
    // Only the second key: the keyring finds its data key and the KeyId check passes.
    const second = new KmsKeyringNode({ clientProvider: getClient(KMS, { endpoint: stack.endpoint, credentials }), keyIds: [other] })
    expect((await decrypt(second, result)).plaintext.toString()).toBe('hello esdk')
  })

  it('awscli: encrypt, decrypt, describe-key; an error exits non-zero with the AWS exception name', async () => {
    const keyId = await newKey()
    const dir = await mkdtemp(join(tmpdir(), 'aws-cli-'))
    await writeFile(join(dir, 'plain'), 'hello awscli')
    const enc = await awscli(
      'encrypt',
      '--key-id',
      arnOf(keyId),
      '--plaintext',
      `fileb://${join(dir, 'plain')}`,
      '--encryption-context',
      'app=cli',
    )
    expect(enc.KeyId).toBe(arnOf(keyId))
    await writeFile(join(dir, 'blob'), Buffer.from(enc.CiphertextBlob, 'base64'))
    const dec = await awscli('decrypt', '--ciphertext-blob', `fileb://${join(dir, 'blob')}`, '--encryption-context', 'app=cli')
    expect(Buffer.from(dec.Plaintext, 'base64').toString()).toBe('hello awscli')
    expect((await awscli('describe-key', '--key-id', keyId)).KeyMetadata).toMatchObject({
      KeyId: keyId,
      Arn: arnOf(keyId),
      KeyState: 'Enabled',
    })
    const failed = await run(
      'aws',
      ['--endpoint-url', stack.endpoint, '--region', stack.regionId, 'kms', 'decrypt', '--ciphertext-blob', `fileb://${join(dir, 'blob')}`],
      { env: awsEnv, timeout: 60_000 },
    ).then(
      () => undefined,
      (err: { code?: number; stderr?: string }) => err,
    )
    expect(failed?.code).not.toBe(0)
    expect(failed?.stderr).toContain('InvalidCiphertextException')
    expect(await readFile(join(dir, 'plain'), 'utf8')).toBe('hello awscli')
  })

  it('boto3: encrypt, decrypt, generate_data_key, sign; errors are botocore ClientErrors with AWS codes', async () => {
    const keyId = await newKey()
    const signer = await newKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })
    const out = await boto3(
      [
        `enc = kms.encrypt(KeyId=${JSON.stringify(keyId)}, Plaintext=b'hello boto3', EncryptionContext={'app': 'py'})`,
        `dec = kms.decrypt(CiphertextBlob=enc['CiphertextBlob'], EncryptionContext={'app': 'py'})`,
        `dk = kms.generate_data_key(KeyId=${JSON.stringify(keyId)}, NumberOfBytes=16)`,
        `sig = kms.sign(KeyId=${JSON.stringify(signer)}, Message=b'm', SigningAlgorithm='ECDSA_SHA_256')`,
        `ok = kms.verify(KeyId=${JSON.stringify(signer)}, Message=b'm', Signature=sig['Signature'], SigningAlgorithm='ECDSA_SHA_256')`,
        'try:',
        `    kms.decrypt(CiphertextBlob=enc['CiphertextBlob'])`,
        '    err = None',
        'except kms.exceptions.InvalidCiphertextException as e:',
        `    err = [e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode']]`,
        `print(json.dumps({'keyId': enc['KeyId'], 'plain': dec['Plaintext'].decode(), 'dk': len(dk['Plaintext']), 'valid': ok['SignatureValid'], 'err': err}))`,
      ].join('\n'),
    )
    expect(out).toEqual({ keyId: arnOf(keyId), plain: 'hello boto3', dk: 16, valid: true, err: ['InvalidCiphertextException', 400] })
  })

  it('cross-dialect: the Alibaba SDK encrypts, @aws-sdk/client-kms decrypts; the audit trail has both calls', async () => {
    const start = new Date(Date.now() - 60_000).toISOString()
    const keyId = await newKey()
    const ali = await kmsClient().encrypt(
      new Kms.EncryptRequest({ keyId, plaintext: b64('across dialects'), encryptionContext: { via: 'alibaba' } }),
    )
    const dec = await client().send(
      new DecryptCommand({
        CiphertextBlob: Buffer.from(ali.ciphertextBlob!, 'base64'),
        EncryptionContext: { via: 'alibaba' },
        KeyId: arnOf(keyId),
      }),
    )
    expect(Buffer.from(dec.Plaintext!).toString()).toBe('across dialects')
    const resource = `acs:kms:${stack.regionId}:${stack.accountId}:key/${keyId}`
    const events: any[] = []
    for (const eventName of ['Encrypt', 'Decrypt']) {
      events.push(
        ...(await lookupEvents({
          StartTime: start,
          'LookupAttribute.1.Key': 'EventName',
          'LookupAttribute.1.Value': eventName,
          'LookupAttribute.2.Key': 'ResourceName',
          'LookupAttribute.2.Value': resource,
        })),
      )
    }
    const byName = Object.fromEntries(events.map((e) => [e.eventName, e]))
    expect(Object.keys(byName).sort()).toEqual(['Decrypt', 'Encrypt'])
    expect(byName.Encrypt).toMatchObject({ requestId: ali.requestId, apiVersion: '2016-01-20' })
    expect(byName.Decrypt).toMatchObject({ requestId: dec.$metadata.requestId, apiVersion: 'TrentService' })
    expect(JSON.stringify(events)).not.toContain(b64('across dialects'))
  })

  it('key-state cells: Disabled → DisabledException, PendingDeletion → KMSInvalidStateException', async () => {
    const kms = client()
    const disabled = await newKey()
    const blob = (await kms.send(new EncryptCommand({ KeyId: disabled, Plaintext: Buffer.from('x') }))).CiphertextBlob
    await kms.send(new DisableKeyCommand({ KeyId: disabled }))
    const pending = await newKey()
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: pending, PendingWindowInDays: 7 }))
    await expect(kms.send(new EncryptCommand({ KeyId: disabled, Plaintext: Buffer.from('x') }))).rejects.toMatchObject({
      name: 'DisabledException',
      $metadata: { httpStatusCode: 400 },
    })
    await expect(kms.send(new DecryptCommand({ CiphertextBlob: blob }))).rejects.toMatchObject({ name: 'DisabledException' })
    await expect(kms.send(new GenerateDataKeyCommand({ KeyId: disabled, NumberOfBytes: 32 }))).rejects.toMatchObject({
      name: 'DisabledException',
    })
    await expect(kms.send(new RotateKeyOnDemandCommand({ KeyId: disabled }))).rejects.toMatchObject({ name: 'DisabledException' })
    await expect(kms.send(new EncryptCommand({ KeyId: pending, Plaintext: Buffer.from('x') }))).rejects.toMatchObject({
      name: 'KMSInvalidStateException',
      $metadata: { httpStatusCode: 400 },
    })
    await expect(kms.send(new GenerateDataKeyCommand({ KeyId: pending, NumberOfBytes: 32 }))).rejects.toMatchObject({
      name: 'KMSInvalidStateException',
    })
  })
})
