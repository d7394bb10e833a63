/**
 * The Secrets Manager dialect end to end on the shared stack (the Worker in workerd, DynamoDB
 * behind it), with clients that know nothing of this service but its endpoint:
 * @aws-sdk/client-secrets-manager, boto3 (the machine's Python, `python3 -c`) and awscli
 * (`aws secretsmanager … --endpoint-url`), which sign differently (botocore sends no
 * x-amz-content-sha256). One secret is seen through both dialects: created with the Alibaba SDK
 * and read with AWSCURRENT, created with the AWS SDK and read with ACSCurrent.
 */
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { promisify } from 'node:util'
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager'
import { describe, expect, it } from 'vitest'
import { Kms, kmsClient, stackInfo } from './clients'

const run = promisify(execFile)
const id = randomUUID().slice(0, 8)
const unique = (base: string) => `aws-sm-${base}-${id}`

function client(): SecretsManagerClient {
  const stack = stackInfo()
  return new SecretsManagerClient({
    region: stack.regionId,
    endpoint: stack.endpoint,
    credentials: { accessKeyId: stack.accessKeyId, secretAccessKey: stack.accessKeySecret },
    maxAttempts: 1,
  })
}

/** Runs a Python snippet with a boto3 `sm` client pointed at the stack; prints JSON. */
async function boto3(script: string): Promise<unknown> {
  const stack = stackInfo()
  const prelude = [
    'import boto3, json, base64',
    `sm = boto3.client('secretsmanager', endpoint_url=${JSON.stringify(stack.endpoint)}, region_name=${JSON.stringify(stack.regionId)},`,
    `  aws_access_key_id=${JSON.stringify(stack.accessKeyId)}, aws_secret_access_key=${JSON.stringify(stack.accessKeySecret)})`,
  ].join('\n')
  const { stdout } = await run('python3', ['-c', `${prelude}\n${script}`], {
    env: { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    timeout: 60_000,
  })
  return JSON.parse(stdout)
}

describe('Secrets Manager dialect on the stack', () => {
  it('@aws-sdk/client-secrets-manager: create, put, move stages, read, describe, delete', async () => {
    const sm = client()
    const stack = stackInfo()
    const name = unique('sdk')
    const v1 = randomUUID()
    const v2 = randomUUID()
    const created = await sm.send(
      new CreateSecretCommand({ Name: name, ClientRequestToken: v1, SecretString: 's3cret', Tags: [{ Key: 'env', Value: 'it' }] }),
    )
    expect(created).toMatchObject({
      ARN: `arn:aws:secretsmanager:${stack.regionId}:${stack.accountId}:secret:${name}`,
      Name: name,
      VersionId: v1,
    })
    // A retry of the same call (same token and value) succeeds.
    expect((await sm.send(new CreateSecretCommand({ Name: name, ClientRequestToken: v1, SecretString: 's3cret' }))).VersionId).toBe(v1)
    await sm.send(
      new PutSecretValueCommand({ SecretId: name, ClientRequestToken: v2, SecretString: 'next', VersionStages: ['AWSCURRENT'] }),
    )
    expect((await sm.send(new GetSecretValueCommand({ SecretId: created.ARN }))).SecretString).toBe('next')
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPREVIOUS' }))).SecretString).toBe('s3cret')
    await sm.send(
      new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSCURRENT', MoveToVersionId: v1, RemoveFromVersionId: v2 }),
    )
    const got = await sm.send(new GetSecretValueCommand({ SecretId: name }))
    expect(got).toMatchObject({ VersionId: v1, SecretString: 's3cret', VersionStages: ['AWSCURRENT'] })
    expect(got.CreatedDate).toBeInstanceOf(Date)
    const d = await sm.send(new DescribeSecretCommand({ SecretId: name }))
    expect(d.VersionIdsToStages).toEqual({ [v1]: ['AWSCURRENT'], [v2]: ['AWSPREVIOUS'] })
    expect(d.Tags).toEqual([{ Key: 'env', Value: 'it' }])
    await expect(sm.send(new GetSecretValueCommand({ SecretId: unique('missing') }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    })
    await expect(sm.send(new CreateSecretCommand({ Name: name, SecretString: 'dup' }))).rejects.toMatchObject({
      name: 'ResourceExistsException',
    })
    const del = await sm.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }))
    expect(del.DeletionDate).toBeInstanceOf(Date)
    await expect(sm.send(new GetSecretValueCommand({ SecretId: name }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' })
  })

  it('boto3: text and binary secrets, versions, errors', async () => {
    const name = unique('boto3')
    const out = (await boto3(`
r = sm.create_secret(Name=${JSON.stringify(name)}, SecretString='from-boto3')
b = sm.create_secret(Name=${JSON.stringify(name + '-bin')}, SecretBinary=bytes([0, 1, 254, 255]))
p = sm.put_secret_value(SecretId=${JSON.stringify(name)}, SecretString='second')
g = sm.get_secret_value(SecretId=${JSON.stringify(name)})
prev = sm.get_secret_value(SecretId=${JSON.stringify(name)}, VersionStage='AWSPREVIOUS')
gb = sm.get_secret_value(SecretId=r['ARN'].replace(${JSON.stringify(name)}, ${JSON.stringify(name + '-bin')}))
v = sm.list_secret_version_ids(SecretId=${JSON.stringify(name)})
try:
    sm.get_secret_value(SecretId=${JSON.stringify(name + '-nope')})
    err = None
except sm.exceptions.ResourceNotFoundException as e:
    err = e.response['Error']['Code']
print(json.dumps({'arn': r['ARN'], 'current': g['SecretString'], 'stages': g['VersionStages'], 'previous': prev['SecretString'],
  'binary': list(gb['SecretBinary']), 'versions': len(v['Versions']), 'created': g['CreatedDate'].year, 'err': err, 'put': p['VersionId'] == g['VersionId']}))
`)) as Record<string, unknown>
    const stack = stackInfo()
    expect(out).toEqual({
      arn: `arn:aws:secretsmanager:${stack.regionId}:${stack.accountId}:secret:${name}`,
      current: 'second',
      stages: ['AWSCURRENT'],
      previous: 'from-boto3',
      binary: [0, 1, 254, 255],
      versions: 2,
      created: new Date().getUTCFullYear(),
      err: 'ResourceNotFoundException',
      put: true,
    })
  })

  it('awscli: aws secretsmanager get-secret-value --endpoint-url', async () => {
    const stack = stackInfo()
    const name = unique('cli')
    await client().send(new CreateSecretCommand({ Name: name, SecretString: 'from-cli-test' }))
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: stack.accessKeyId,
      AWS_SECRET_ACCESS_KEY: stack.accessKeySecret,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    }
    const args = ['--endpoint-url', stack.endpoint, '--region', stack.regionId, '--output', 'json']
    const { stdout } = await run('aws', ['secretsmanager', 'get-secret-value', '--secret-id', name, ...args], { env, timeout: 60_000 })
    expect(JSON.parse(stdout)).toMatchObject({ Name: name, SecretString: 'from-cli-test', VersionStages: ['AWSCURRENT'] })
    const missing = await run('aws', ['secretsmanager', 'get-secret-value', '--secret-id', unique('cli-missing'), ...args], {
      env,
      timeout: 60_000,
    }).catch((e: { stderr: string; code: number }) => e)
    expect((missing as { code: number }).code).not.toBe(0)
    expect((missing as { stderr: string }).stderr).toContain('ResourceNotFoundException')
  })

  it('one secret through both dialects: Alibaba-created read as AWSCURRENT, AWS-created read as ACSCurrent', async () => {
    const alibaba = kmsClient()
    const sm = client()
    const fromAlibaba = unique('from-alibaba')
    await alibaba.createSecret(new Kms.CreateSecretRequest({ secretName: fromAlibaba, versionId: 'v1', secretData: 'alibaba-value' }))
    await alibaba.putSecretValue(new Kms.PutSecretValueRequest({ secretName: fromAlibaba, versionId: 'v2', secretData: 'alibaba-next' }))
    const viaAws = await sm.send(new GetSecretValueCommand({ SecretId: fromAlibaba, VersionStage: 'AWSCURRENT' }))
    expect(viaAws).toMatchObject({ SecretString: 'alibaba-next', VersionId: 'v2', VersionStages: ['AWSCURRENT'] })
    expect((await sm.send(new GetSecretValueCommand({ SecretId: fromAlibaba, VersionStage: 'AWSPREVIOUS' }))).VersionId).toBe('v1')

    const fromAws = unique('from-aws')
    const token = randomUUID()
    await sm.send(new CreateSecretCommand({ Name: fromAws, ClientRequestToken: token, SecretString: 'aws-value' }))
    const viaAlibaba = await alibaba.getSecretValue(new Kms.GetSecretValueRequest({ secretName: fromAws, versionStage: 'ACSCurrent' }))
    expect(viaAlibaba.secretData).toBe('aws-value')
    expect(viaAlibaba.versionId).toBe(token)
    expect(viaAlibaba.versionStages.versionStage).toEqual(['ACSCurrent'])
  })
})
