/**
 * The Secrets Manager dialect on fakes: the official @aws-sdk/client-secrets-manager, unmodified,
 * signs its requests (SigV4, service `secretsmanager`) and sends them through a request handler
 * that hands them to `app.request` — the whole pipeline with in-memory deps. Every operation,
 * versions and stages (AWSCURRENT/AWSPREVIOUS ↔ ACSCurrent/ACSPrevious), idempotent retries,
 * binary secrets, rotation of a managed secret, authorisation (what UpdateSecret with a value and a
 * CreateSecret retry need), the refused operations, and bad input answered with AWS's exception names,
 * never a 5xx, never an echo of the value sent.
 */
import {
  BatchGetSecretValueCommand,
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DeleteResourcePolicyCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  ReplicateSecretToRegionsCommand,
  RestoreSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
  ValidateResourcePolicyCommand,
} from '@aws-sdk/client-secrets-manager'
import { describe, expect, it } from 'vitest'
import { AWS_SECRETS_ACTIONS } from '../../functions/aws/registry'
import { inProcessHandler, signedAwsRequest } from './aws-harness'
import { fake, v1 } from './harness'

const REGION = fake.deps.region
const ACCOUNT = fake.root.accountId
const ENDPOINT = 'http://secrets.test'
const arnOf = (name: string) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}`

/** Every error body the app sent, to check that no secret value is ever echoed. */
const errorBodies: string[] = []
const inProcess = inProcessHandler((status, body) => {
  if (status >= 400) errorBodies.push(new TextDecoder().decode(body))
})

function smAs(accessKeyId: string, secretAccessKey: string): SecretsManagerClient {
  return new SecretsManagerClient({
    region: REGION,
    endpoint: ENDPOINT,
    credentials: { accessKeyId, secretAccessKey },
    requestHandler: inProcess as never,
    maxAttempts: 1,
  })
}

const sm = smAs(fake.root.accessKeyId, fake.root.accessKeySecret)

/** A RAM user of the root account allowed exactly `actions` on `resources`, as an SM client. */
async function userClient(actions: string[], resources: string[]): Promise<SecretsManagerClient> {
  const ram = async (action: string, params: Record<string, string>) => {
    const res = await v1(action, params, { accessKeyId: fake.root.accessKeyId, secret: fake.root.accessKeySecret, version: '2015-05-01' })
    expect(res.status, res.text).toBe(200)
    return res.json as Record<string, any>
  }
  const user = `sm-user-${++n}`
  await ram('CreateUser', { UserName: user })
  const policy = `sm-policy-${n}`
  await ram('CreatePolicy', {
    PolicyName: policy,
    PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: actions, Resource: resources }] }),
  })
  await ram('AttachPolicyToUser', { UserName: user, PolicyName: policy, PolicyType: 'Custom' })
  const { AccessKey } = await ram('CreateAccessKey', { UserName: user })
  return smAs(AccessKey.AccessKeyId, AccessKey.AccessKeySecret)
}

/** A request signed as the SDK signs it, with any body (wrong types, broken JSON). */
async function raw(
  op: string,
  body: string,
  service = 'secretsmanager',
): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
  const res = await signedAwsRequest(`secretsmanager.${op}`, body, { service, hostname: 'secrets.test' })
  if (res.status >= 400) errorBodies.push(res.text)
  return res
}

let n = 0
const uniqueName = (prefix = 'aws-sm') => `${prefix}-${Date.now().toString(36)}-${++n}`
const token = () => crypto.randomUUID()

describe('CreateSecret / GetSecretValue', () => {
  it('creates a text secret and reads it back by name, ARN, stage and version id', async () => {
    const name = uniqueName()
    const t = token()
    const created = await sm.send(
      new CreateSecretCommand({
        Name: name,
        ClientRequestToken: t,
        SecretString: 'hunter2',
        Description: 'db',
        Tags: [{ Key: 'env', Value: 'dev' }],
      }),
    )
    expect(created).toMatchObject({ ARN: arnOf(name), Name: name, VersionId: t })
    for (const SecretId of [name, arnOf(name)]) {
      const got = await sm.send(new GetSecretValueCommand({ SecretId }))
      expect(got).toMatchObject({ ARN: arnOf(name), Name: name, VersionId: t, SecretString: 'hunter2', VersionStages: ['AWSCURRENT'] })
      expect(got.SecretBinary).toBeUndefined()
      expect(got.CreatedDate).toBeInstanceOf(Date)
      expect(Math.abs(got.CreatedDate!.getTime() - Date.now())).toBeLessThan(120_000)
    }
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSCURRENT' }))).VersionId).toBe(t)
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: t }))).SecretString).toBe('hunter2')
  })

  it('stores and returns binary secrets as bytes', async () => {
    const name = uniqueName()
    const bytes = new Uint8Array([0, 1, 2, 250, 255, 128])
    await sm.send(new CreateSecretCommand({ Name: name, SecretBinary: bytes }))
    const got = await sm.send(new GetSecretValueCommand({ SecretId: name }))
    expect(got.SecretString).toBeUndefined()
    expect([...got.SecretBinary!]).toEqual([...bytes])
    const put = await sm.send(new PutSecretValueCommand({ SecretId: name, SecretBinary: new Uint8Array([9, 9]) }))
    expect([...(await sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: put.VersionId }))).SecretBinary!]).toEqual([9, 9])
  })

  it('a retried CreateSecret with the same ClientRequestToken and value succeeds; another value or token is ResourceExistsException', async () => {
    const name = uniqueName()
    const t = token()
    await sm.send(new CreateSecretCommand({ Name: name, ClientRequestToken: t, SecretString: 'same' }))
    const again = await sm.send(new CreateSecretCommand({ Name: name, ClientRequestToken: t, SecretString: 'same' }))
    expect(again).toMatchObject({ ARN: arnOf(name), Name: name, VersionId: t })
    await expect(
      sm.send(new CreateSecretCommand({ Name: name, ClientRequestToken: t, SecretString: 'other-value' })),
    ).rejects.toMatchObject({
      name: 'ResourceExistsException',
      $metadata: { httpStatusCode: 400 },
    })
    await expect(sm.send(new CreateSecretCommand({ Name: name, SecretString: 'same' }))).rejects.toMatchObject({
      name: 'ResourceExistsException',
    })
    const versions = await sm.send(new ListSecretVersionIdsCommand({ SecretId: name }))
    expect(versions.Versions!.map((v) => v.VersionId)).toEqual([t])
  })

  it('a missing secret or version is ResourceNotFoundException', async () => {
    await expect(sm.send(new GetSecretValueCommand({ SecretId: uniqueName('missing') }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    })
    const name = uniqueName()
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }))
    await expect(sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: token() }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    })
    await expect(sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPREVIOUS' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    })
  })
})

describe('versions and stages', () => {
  it('PutSecretValue moves AWSCURRENT and AWSPREVIOUS; retries are idempotent; custom labels stay as they are', async () => {
    const name = uniqueName()
    const v1 = token()
    const v2 = token()
    const v3 = token()
    await sm.send(new CreateSecretCommand({ Name: name, ClientRequestToken: v1, SecretString: 'one' }))
    const put = await sm.send(new PutSecretValueCommand({ SecretId: name, ClientRequestToken: v2, SecretString: 'two' }))
    expect(put).toMatchObject({ ARN: arnOf(name), Name: name, VersionId: v2, VersionStages: ['AWSCURRENT'] })
    // The same token and value again: success, no new version.
    expect((await sm.send(new PutSecretValueCommand({ SecretId: name, ClientRequestToken: v2, SecretString: 'two' }))).VersionId).toBe(v2)
    await expect(
      sm.send(new PutSecretValueCommand({ SecretId: name, ClientRequestToken: v2, SecretString: 'changed' })),
    ).rejects.toMatchObject({ name: 'ResourceExistsException' })
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPREVIOUS' }))).SecretString).toBe('one')
    const custom = await sm.send(
      new PutSecretValueCommand({ SecretId: name, ClientRequestToken: v3, SecretString: 'three', VersionStages: ['blue'] }),
    )
    expect(custom.VersionStages).toEqual(['blue'])
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'blue' }))).SecretString).toBe('three')
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('two')

    const described = await sm.send(new DescribeSecretCommand({ SecretId: name }))
    expect(described.VersionIdsToStages).toEqual({ [v1]: ['AWSPREVIOUS'], [v2]: ['AWSCURRENT'], [v3]: ['blue'] })

    // Promote v3: AWSCURRENT moves, AWSPREVIOUS follows to the former current.
    const moved = await sm.send(
      new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSCURRENT', MoveToVersionId: v3, RemoveFromVersionId: v2 }),
    )
    expect(moved).toMatchObject({ ARN: arnOf(name), Name: name })
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('three')
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPREVIOUS' }))).VersionId).toBe(v2)
    await sm.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'blue', RemoveFromVersionId: v3 }))
    const after = await sm.send(new DescribeSecretCommand({ SecretId: name }))
    expect(after.VersionIdsToStages![v3]).toEqual(['AWSCURRENT'])
    // AWSCURRENT can be moved, never removed.
    await expect(
      sm.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSCURRENT', RemoveFromVersionId: v3 })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
    })

    const listed = await sm.send(new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true }))
    expect(listed).toMatchObject({ ARN: arnOf(name), Name: name })
    const stages = Object.fromEntries(listed.Versions!.map((v) => [v.VersionId, v.VersionStages]))
    expect(stages[v3]).toEqual(['AWSCURRENT'])
    expect(stages[v2]).toEqual(['AWSPREVIOUS'])
    expect(listed.Versions!.every((v) => v.CreatedDate instanceof Date)).toBe(true)
    const paged = await sm.send(new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true, MaxResults: 1 }))
    expect(paged.Versions).toHaveLength(1)
    expect(paged.NextToken).toBe('2')
  })

  it('UpdateSecret changes the description, and with a value makes a new AWSCURRENT version', async () => {
    const name = uniqueName()
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v1', Description: 'old' }))
    const updated = await sm.send(new UpdateSecretCommand({ SecretId: name, Description: 'new' }))
    expect(updated).toMatchObject({ ARN: arnOf(name), Name: name })
    expect(updated.VersionId).toBeUndefined()
    expect((await sm.send(new DescribeSecretCommand({ SecretId: name }))).Description).toBe('new')
    const t = token()
    const withValue = await sm.send(new UpdateSecretCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: t }))
    expect(withValue.VersionId).toBe(t)
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('v2')
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPREVIOUS' }))).SecretString).toBe('v1')
    await expect(sm.send(new UpdateSecretCommand({ SecretId: name, KmsKeyId: 'alias/other' }))).rejects.toMatchObject({
      name: 'InvalidRequestException',
    })
  })

  it('BatchGetSecretValue answers the values it can and an AWS-named error for the rest', async () => {
    const a = uniqueName()
    const b = uniqueName()
    await sm.send(new CreateSecretCommand({ Name: a, SecretString: 'A' }))
    await sm.send(new CreateSecretCommand({ Name: b, SecretBinary: new Uint8Array([7]) }))
    const missing = uniqueName('missing')
    const out = await sm.send(new BatchGetSecretValueCommand({ SecretIdList: [a, arnOf(b), missing] }))
    const byName = Object.fromEntries(out.SecretValues!.map((v) => [v.Name, v]))
    expect(byName[a]).toMatchObject({ ARN: arnOf(a), SecretString: 'A', VersionStages: ['AWSCURRENT'] })
    expect([...byName[b]!.SecretBinary!]).toEqual([7])
    expect(out.Errors).toEqual([expect.objectContaining({ SecretId: missing, ErrorCode: 'ResourceNotFoundException' })])
  })
})

describe('metadata, deletion, tags', () => {
  it('DescribeSecret shows AWS metadata; ListSecrets filters by name prefix and tag, pages with NextToken', async () => {
    const prefix = uniqueName('list')
    const names = [`${prefix}/a`, `${prefix}/b`, `${prefix}/c`]
    for (const Name of names)
      await sm.send(
        new CreateSecretCommand({ Name, SecretString: 'x', Tags: [{ Key: 'team', Value: Name.endsWith('a') ? 'red' : 'blue' }] }),
      )
    const d = await sm.send(new DescribeSecretCommand({ SecretId: names[0] }))
    expect(d).toMatchObject({ ARN: arnOf(names[0]!), Name: names[0], RotationEnabled: false, Tags: [{ Key: 'team', Value: 'red' }] })
    expect(d.KmsKeyId).toMatch(new RegExp(`^arn:aws:kms:${REGION}:${ACCOUNT}:key/`))
    expect(d.CreatedDate).toBeInstanceOf(Date)
    expect(d.LastChangedDate).toBeInstanceOf(Date)
    expect(d.DeletedDate).toBeUndefined()

    const listed = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [prefix] }] }))
    expect(listed.SecretList!.map((s) => s.Name)).toEqual(names)
    expect(listed.SecretList![0]!.SecretVersionsToStages).toEqual(expect.any(Object))
    const red = await sm.send(
      new ListSecretsCommand({
        Filters: [
          { Key: 'name', Values: [prefix] },
          { Key: 'tag-value', Values: ['red'] },
        ],
      }),
    )
    expect(red.SecretList!.map((s) => s.Name)).toEqual([names[0]])
    const page1 = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [prefix] }], MaxResults: 2 }))
    expect(page1.SecretList).toHaveLength(2)
    const page2 = await sm.send(
      new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [prefix] }], MaxResults: 2, NextToken: page1.NextToken }),
    )
    expect(page2.SecretList!.map((s) => s.Name)).toEqual([names[2]])
    expect(page2.NextToken).toBeUndefined()
    await expect(sm.send(new ListSecretsCommand({ NextToken: 'not-ours' }))).rejects.toMatchObject({ name: 'InvalidNextTokenException' })
    await expect(sm.send(new ListSecretsCommand({ Filters: [{ Key: 'primary-region', Values: ['x'] }] }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    })
  })

  it('TagResource / UntagResource change the tags DescribeSecret shows', async () => {
    const name = uniqueName()
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }))
    await sm.send(
      new TagResourceCommand({
        SecretId: arnOf(name),
        Tags: [
          { Key: 'a', Value: '1' },
          { Key: 'b', Value: '2' },
        ],
      }),
    )
    expect((await sm.send(new DescribeSecretCommand({ SecretId: name }))).Tags).toEqual([
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: '2' },
    ])
    await sm.send(new UntagResourceCommand({ SecretId: name, TagKeys: ['a'] }))
    expect((await sm.send(new DescribeSecretCommand({ SecretId: name }))).Tags).toEqual([{ Key: 'b', Value: '2' }])
  })

  it('DeleteSecret with a recovery window → DeletionDate; RestoreSecret brings it back; forced deletion frees the name', async () => {
    const name = uniqueName()
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }))
    const del = await sm.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }))
    expect(del).toMatchObject({ ARN: arnOf(name), Name: name })
    expect(Math.round((del.DeletionDate!.getTime() - Date.now()) / 86_400_000)).toBe(7)
    expect((await sm.send(new DescribeSecretCommand({ SecretId: name }))).DeletedDate).toBeInstanceOf(Date)
    await expect(sm.send(new GetSecretValueCommand({ SecretId: name }))).rejects.toMatchObject({ name: 'InvalidRequestException' })
    const listed = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [name] }] }))
    expect(listed.SecretList).toEqual([])
    const planned = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [name] }], IncludePlannedDeletion: true }))
    expect(planned.SecretList!.map((s) => s.Name)).toEqual([name])
    expect(await sm.send(new RestoreSecretCommand({ SecretId: name }))).toMatchObject({ ARN: arnOf(name), Name: name })
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('x')
    await expect(sm.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 3 }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    })
    await expect(
      sm.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' })
    const forced = await sm.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }))
    expect(forced.DeletionDate).toBeInstanceOf(Date)
    await expect(sm.send(new GetSecretValueCommand({ SecretId: name }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' })
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'again' }))
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('again')
  })
})

describe('GetRandomPassword, rotation, resource policies, refused operations', () => {
  it('GetRandomPassword honours the length and exclusions', async () => {
    const out = await sm.send(new GetRandomPasswordCommand({ PasswordLength: 40, ExcludePunctuation: true, ExcludeCharacters: 'abc' }))
    expect(out.RandomPassword).toHaveLength(40)
    expect(out.RandomPassword).toMatch(/^[A-Za-z0-9]+$/)
    expect(out.RandomPassword).not.toMatch(/[abc]/)
    const digits = await sm.send(
      new GetRandomPasswordCommand({ PasswordLength: 12, ExcludeLowercase: true, ExcludeUppercase: true, ExcludePunctuation: true }),
    )
    expect(digits.RandomPassword).toMatch(/^\d{12}$/)
    await expect(sm.send(new GetRandomPasswordCommand({ IncludeSpace: true }))).rejects.toMatchObject({ name: 'InvalidParameterException' })
    await expect(sm.send(new GetRandomPasswordCommand({ PasswordLength: 2 }))).rejects.toMatchObject({ name: 'InvalidParameterException' })
  })

  it('RotateSecret refuses a Lambda and a secret without a rotation of its own; CancelRotateSecret likewise', async () => {
    const name = uniqueName()
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }))
    await expect(
      sm.send(new RotateSecretCommand({ SecretId: name, RotationLambdaARN: 'arn:aws:lambda:us-east-1:1:function:f' })),
    ).rejects.toMatchObject({
      name: 'InvalidRequestException',
      message: expect.stringContaining('RotationLambdaARN'),
    })
    const plain = await raw('RotateSecret', JSON.stringify({ SecretId: name, ClientRequestToken: token() }))
    expect(plain.status).toBeGreaterThanOrEqual(400)
    expect(plain.status).toBeLessThan(500)
    const cancel = await raw('CancelRotateSecret', JSON.stringify({ SecretId: name }))
    expect(cancel.status).toBeGreaterThanOrEqual(400)
    expect(cancel.status).toBeLessThan(500)
  })

  it('Get/Put/DeleteResourcePolicy use the secret policy', async () => {
    const name = uniqueName()
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }))
    const initial = await sm.send(new GetResourcePolicyCommand({ SecretId: name }))
    expect(initial).toMatchObject({ ARN: arnOf(name), Name: name })
    const policy = JSON.parse(initial.ResourcePolicy!)
    expect(policy).toHaveProperty('Statement')
    const custom = {
      ...policy,
      Statement: [
        ...policy.Statement,
        { Effect: 'Deny', Principal: { RAM: [`acs:ram::${ACCOUNT}:user/nobody`] }, Action: ['kms:GetSecretValue'], Resource: ['*'] },
      ],
    }
    expect(await sm.send(new PutResourcePolicyCommand({ SecretId: name, ResourcePolicy: JSON.stringify(custom) }))).toMatchObject({
      ARN: arnOf(name),
      Name: name,
    })
    expect(JSON.parse((await sm.send(new GetResourcePolicyCommand({ SecretId: name }))).ResourcePolicy!).Statement).toHaveLength(
      custom.Statement.length,
    )
    expect(await sm.send(new DeleteResourcePolicyCommand({ SecretId: name }))).toMatchObject({ ARN: arnOf(name), Name: name })
    expect(JSON.parse((await sm.send(new GetResourcePolicyCommand({ SecretId: name }))).ResourcePolicy!)).toEqual(policy)
    await expect(sm.send(new PutResourcePolicyCommand({ SecretId: name, ResourcePolicy: 'not json' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 400 },
    })
    await expect(
      sm.send(new PutResourcePolicyCommand({ SecretId: name, ResourcePolicy: JSON.stringify(policy), BlockPublicPolicy: true })),
    ).rejects.toMatchObject({ name: 'InvalidRequestException' })
  })

  it('refuses replication and ValidateResourcePolicy with InvalidRequestException; unknown targets are UnknownOperationException', async () => {
    await expect(sm.send(new ValidateResourcePolicyCommand({ ResourcePolicy: '{}' }))).rejects.toMatchObject({
      name: 'InvalidRequestException',
      $metadata: { httpStatusCode: 400 },
    })
    await expect(
      sm.send(new ReplicateSecretToRegionsCommand({ SecretId: 'x', AddReplicaRegions: [{ Region: 'us-west-2' }] })),
    ).rejects.toMatchObject({ name: 'InvalidRequestException' })
    await expect(
      sm.send(new CreateSecretCommand({ Name: uniqueName(), SecretString: 'x', AddReplicaRegions: [{ Region: 'us-west-2' }] })),
    ).rejects.toMatchObject({ name: 'InvalidRequestException' })
    const unknown = await raw('ListSecretsEverywhere', '{}')
    expect(unknown).toMatchObject({ status: 400, json: { __type: 'UnknownOperationException' } })
  })

  it('serves exactly the listed operations', () => {
    expect([...AWS_SECRETS_ACTIONS.keys()].sort()).toEqual(
      [
        'BatchGetSecretValue',
        'CancelRotateSecret',
        'CreateSecret',
        'DeleteResourcePolicy',
        'DeleteSecret',
        'DescribeSecret',
        'GetRandomPassword',
        'GetResourcePolicy',
        'GetSecretValue',
        'ListSecretVersionIds',
        'ListSecrets',
        'PutResourcePolicy',
        'PutSecretValue',
        'RemoveRegionsFromReplication',
        'ReplicateSecretToRegions',
        'RestoreSecret',
        'RotateSecret',
        'StopReplicationToReplica',
        'TagResource',
        'UntagResource',
        'UpdateSecret',
        'UpdateSecretVersionStage',
        'ValidateResourcePolicy',
      ].sort(),
    )
  })
})

describe('rotation of a managed secret', () => {
  it('RotateSecret rotates a RAMCredentials secret (created through the Alibaba dialect) to ClientRequestToken; retries are idempotent; CancelRotateSecret turns automatic rotation off', async () => {
    const root = { accessKeyId: fake.root.accessKeyId, secret: fake.root.accessKeySecret }
    const call = async (action: string, params: Record<string, string>, version?: string) => {
      const res = await v1(action, params, { ...root, ...(version ? { version } : {}) })
      expect(res.status, res.text).toBe(200)
      return res.json as Record<string, any>
    }
    const userName = `sm-rot-${++n}`
    await call('CreateUser', { UserName: userName }, '2015-05-01')
    const { AccessKey } = await call('CreateAccessKey', { UserName: userName }, '2015-05-01')
    const name = uniqueName('ram')
    await call('CreateSecret', {
      SecretName: name,
      VersionId: 'v0',
      SecretType: 'RAMCredentials',
      SecretData: JSON.stringify({ AccessKeyId: AccessKey.AccessKeyId, AccessKeySecret: AccessKey.AccessKeySecret }),
      ExtendedConfig: JSON.stringify({ SecretSubType: 'RamUserAccessKey', UserName: userName }),
      EnableAutomaticRotation: 'true',
      RotationInterval: '7d',
    })
    expect((await sm.send(new DescribeSecretCommand({ SecretId: name }))).RotationEnabled).toBe(true)
    const t = token()
    const rotated = await sm.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: t }))
    expect(rotated).toMatchObject({ ARN: arnOf(name), Name: name, VersionId: t })
    const now = await sm.send(new GetSecretValueCommand({ SecretId: name }))
    expect(now).toMatchObject({ VersionId: t, VersionStages: ['AWSCURRENT'] })
    expect(JSON.parse(now.SecretString!).AccessKeyId).not.toBe(AccessKey.AccessKeyId)
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPREVIOUS' }))).VersionId).toBe('v0')
    expect((await sm.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: t }))).VersionId).toBe(t)
    expect(await sm.send(new CancelRotateSecretCommand({ SecretId: name }))).toMatchObject({ ARN: arnOf(name), Name: name })
    expect((await sm.send(new DescribeSecretCommand({ SecretId: name }))).RotationEnabled).toBe(false)
  })
})

describe('audit', () => {
  /** The audit records written for one request (by its request id), as stored. */
  const recordsOf = (requestId: string | undefined) =>
    [...fake.audit.records.values()].filter((r) => (JSON.parse(r.body) as { requestId?: string }).requestId === requestId)

  it('records each call once under the AWS operation, with the secret named and its value redacted', async () => {
    const name = uniqueName()
    const created = await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'audit-value-9d1e' }))
    const records = recordsOf(created.$metadata.requestId)
    expect(records).toHaveLength(1)
    const event = JSON.parse(records[0]!.body)
    expect(event).toMatchObject({
      action: 'CreateSecret',
      version: 'secretsmanager',
      outcome: 'Success',
      decision: 'Allow',
      accountId: ACCOUNT,
    })
    expect(event.resources).toContain(`acs:kms:${REGION}:${ACCOUNT}:secret/${name}`)
    expect(records[0]!.body).not.toContain('audit-value-9d1e')
    const read = await sm.send(new GetSecretValueCommand({ SecretId: name }))
    const readEvents = recordsOf(read.$metadata.requestId).map((r) => r.body)
    expect(readEvents).toHaveLength(1)
    expect(readEvents[0]).toContain('"GetSecretValue"')
    expect(readEvents[0]).not.toContain('audit-value-9d1e')
  })
})

describe('authorisation', () => {
  const acsArn = (name: string) => `acs:kms:${REGION}:${ACCOUNT}:secret/${name}`

  it('UpdateSecret with a value needs kms:PutSecretValue besides kms:UpdateSecret; reads need kms:GetSecretValue', async () => {
    const name = uniqueName()
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'guarded' }))
    const updater = await userClient(['kms:UpdateSecret', 'kms:DescribeSecret'], [acsArn(name)])
    await updater.send(new UpdateSecretCommand({ SecretId: name, Description: 'by the updater' }))
    expect((await updater.send(new DescribeSecretCommand({ SecretId: name }))).Description).toBe('by the updater')
    await expect(updater.send(new UpdateSecretCommand({ SecretId: name, SecretString: 'overwritten' }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    })
    await expect(updater.send(new GetSecretValueCommand({ SecretId: name }))).rejects.toMatchObject({ name: 'AccessDeniedException' })
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('guarded')
  })

  it('a CreateSecret "retry" by a caller who may not read the secret is ResourceExistsException, never a confirmation of the value', async () => {
    const name = uniqueName()
    const t = token()
    await sm.send(new CreateSecretCommand({ Name: name, ClientRequestToken: t, SecretString: 'guess-me' }))
    const creator = await userClient(['kms:CreateSecret', 'kms:GenerateDataKey'], ['*'])
    await expect(
      creator.send(new CreateSecretCommand({ Name: name, ClientRequestToken: t, SecretString: 'guess-me' })),
    ).rejects.toMatchObject({ name: 'ResourceExistsException' })
    await expect(
      creator.send(new CreateSecretCommand({ Name: name, ClientRequestToken: t, SecretString: 'wrong-guess' })),
    ).rejects.toMatchObject({ name: 'ResourceExistsException' })
  })
})

describe('bad input', () => {
  const SECRET_VALUE = 'do-not-echo-7f3a9c'

  it('a duplicate name is ResourceExistsException', async () => {
    const name = uniqueName()
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: SECRET_VALUE }))
    await expect(sm.send(new CreateSecretCommand({ Name: name, SecretString: `${SECRET_VALUE}-2` }))).rejects.toMatchObject({
      name: 'ResourceExistsException',
      $metadata: { httpStatusCode: 400 },
    })
  })

  it('wrong types, malformed JSON, oversized values and bad names are 4xx with AWS names, never 5xx', async () => {
    const name = uniqueName()
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: SECRET_VALUE }))
    const cases: Array<[string, string, string[]]> = [
      ['CreateSecret', JSON.stringify({ Name: uniqueName(), SecretString: 12345 }), ['InvalidParameterException']],
      ['CreateSecret', JSON.stringify({ Name: ['x'], SecretString: SECRET_VALUE }), ['InvalidParameterException']],
      [
        'CreateSecret',
        JSON.stringify({ Name: uniqueName(), SecretString: SECRET_VALUE, SecretBinary: 'AAAA' }),
        ['InvalidParameterException'],
      ],
      ['CreateSecret', JSON.stringify({ Name: uniqueName(), SecretBinary: `${SECRET_VALUE}!!` }), ['InvalidParameterException']],
      ['CreateSecret', JSON.stringify({ Name: uniqueName(), SecretString: SECRET_VALUE.repeat(2000) }), ['InvalidParameterException']],
      [
        'CreateSecret',
        JSON.stringify({ Name: uniqueName(), SecretString: 'x'.repeat(200_000) }),
        ['InvalidParameterException', 'InvalidRequestException'],
      ],
      ['CreateSecret', JSON.stringify({ Name: 'bad name #1', SecretString: SECRET_VALUE }), ['InvalidParameterException']],
      ['CreateSecret', JSON.stringify({ Name: uniqueName() }), ['InvalidParameterException']],
      [
        'CreateSecret',
        JSON.stringify({ Name: uniqueName(), SecretString: SECRET_VALUE, Tags: [{ Key: 1 }] }),
        ['InvalidParameterException'],
      ],
      ['CreateSecret', `{"Name":"${uniqueName()}","SecretString":"${SECRET_VALUE}"`, ['SerializationException']],
      ['CreateSecret', `[{"SecretString":"${SECRET_VALUE}"}]`, ['SerializationException']],
      [
        'PutSecretValue',
        JSON.stringify({ SecretId: name, SecretString: SECRET_VALUE, VersionStages: 'AWSCURRENT' }),
        ['InvalidParameterException'],
      ],
      [
        'PutSecretValue',
        JSON.stringify({ SecretId: name, SecretString: SECRET_VALUE, ClientRequestToken: 'short' }),
        ['InvalidParameterException'],
      ],
      [
        'PutSecretValue',
        JSON.stringify({ SecretId: name, SecretString: SECRET_VALUE, VersionStages: ['AWSPENDING'] }),
        ['InvalidParameterException'],
      ],
      ['PutSecretValue', JSON.stringify({ SecretId: uniqueName('missing'), SecretString: SECRET_VALUE }), ['ResourceNotFoundException']],
      ['GetSecretValue', JSON.stringify({ SecretId: 42 }), ['InvalidParameterException']],
      ['GetSecretValue', JSON.stringify({}), ['InvalidParameterException']],
      ['GetSecretValue', JSON.stringify({ SecretId: name, VersionStage: 'bad label!' }), ['InvalidParameterException']],
      [
        'GetSecretValue',
        JSON.stringify({ SecretId: `arn:aws:secretsmanager:${REGION}:999999999999:secret:${name}` }),
        ['AccessDeniedException', 'ResourceNotFoundException'],
      ],
      ['BatchGetSecretValue', JSON.stringify({ SecretIdList: 'x' }), ['InvalidParameterException']],
      [
        'BatchGetSecretValue',
        JSON.stringify({ SecretIdList: Array.from({ length: 21 }, (_, i) => `s${i}`) }),
        ['InvalidParameterException'],
      ],
      ['DeleteSecret', JSON.stringify({ SecretId: name, RecoveryWindowInDays: '7' }), ['InvalidParameterException']],
      ['ListSecrets', JSON.stringify({ MaxResults: 1000 }), ['InvalidParameterException']],
      ['GetRandomPassword', JSON.stringify({ PasswordLength: 'long' }), ['InvalidParameterException']],
      ['TagResource', JSON.stringify({ SecretId: name, Tags: { Key: 'a' } }), ['InvalidParameterException']],
    ]
    for (const [op, body, names] of cases) {
      const res = await raw(op, body)
      expect(res.status, `${op} ${body.slice(0, 80)}`).toBeGreaterThanOrEqual(400)
      expect(res.status, `${op} ${body.slice(0, 80)}`).toBeLessThan(500)
      expect(names, `${op} ${body.slice(0, 80)} → ${res.text}`).toContain(res.json.__type)
      expect(typeof res.json.message).toBe('string')
    }
  })

  it('a request signed for another service (kms) is refused before anything runs', async () => {
    const res = await raw('GetSecretValue', JSON.stringify({ SecretId: 'anything' }), 'kms')
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
    expect(res.json.__type).toBe('InvalidSignatureException')
  })

  it('no error body ever carries a secret value', () => {
    expect(errorBodies.length).toBeGreaterThan(20)
    for (const body of errorBodies) {
      expect(body).not.toContain('do-not-echo')
      expect(body).not.toContain('hunter2')
      expect(body).not.toContain('other-value')
      expect(body).not.toContain('changed')
      expect(body).not.toContain('guess-me')
      expect(body).not.toContain('wrong-guess')
      expect(body).not.toContain('overwritten')
    }
  })
})
