/**
 * The local stack over HTTPS (Alibaba's secrets client always speaks HTTPS to its endpoint): the
 * official SDKs with `protocol: 'HTTPS'` and the stack's CA trusted through their `ca` option,
 * V1 and ACS3 (which signs the Host header, so the TLS front must pass it on unchanged), and the
 * Worker seeing the https URL (`acs:SecureTransport`). The CA and endpoint come from
 * credentials.json, as a user would read them.
 */
import { execFile } from 'node:child_process'
import { randomUUID, X509Certificate } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import { join } from 'node:path'
import { promisify } from 'node:util'
import OpenApiModule, * as OpenApi from '@alicloud/openapi-client'
import { $OpenApiUtil } from '@alicloud/openapi-core'
import RamModule, * as Ram from '@alicloud/ram20150501'
import * as TeaUtil from '@alicloud/tea-util'
import { beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from '../../scripts/lib/stack'
import { Kms, kmsClient, sdkError, stackInfo } from './clients'
import { signedV1 } from './raw'

const run = promisify(execFile)
const OpenApiClient = ((OpenApiModule as unknown as { default?: unknown }).default ?? OpenApiModule) as unknown as new (
  config: InstanceType<typeof OpenApi.Config>,
) => InstanceType<typeof OpenApi.default>
const RamClient = ((RamModule as unknown as { default?: unknown }).default ?? RamModule) as unknown as new (
  config: InstanceType<typeof $OpenApiUtil.Config>,
) => InstanceType<typeof Ram.default>

interface FileCredentials {
  endpoint: string
  regionId: string
  accountId: string
  accessKeyId: string
  accessKeySecret: string
  httpsEndpoint: string
  caCertPath: string
}

let creds: FileCredentials
let ca: string

const hostOf = (endpoint: string) => endpoint.replace(/^https?:\/\//, '')

/** openapi-client callApi (ACS3) over HTTPS, the CA trusted through the SDK's `ca` option. */
function httpsApi(accessKeyId = creds.accessKeyId, accessKeySecret = creds.accessKeySecret) {
  const client = new OpenApiClient(
    new OpenApi.Config({
      accessKeyId,
      accessKeySecret,
      regionId: creds.regionId,
      endpoint: hostOf(creds.httpsEndpoint),
      protocol: 'HTTPS',
      ca,
    }),
  )
  return async (action: string, query: Record<string, string>) => {
    const params = new OpenApi.Params({
      action,
      version: '2016-01-20',
      protocol: 'HTTPS',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    })
    const res = await client.callApi(params, new OpenApi.OpenApiRequest({ query }), new TeaUtil.RuntimeOptions({}))
    return res.body as Record<string, any>
  }
}

beforeAll(() => {
  creds = JSON.parse(readFileSync(join(stackInfo().dataDir, 'credentials.json'), 'utf8')) as FileCredentials
  ca = readFileSync(creds.caCertPath, 'utf8')
})

describe('the HTTPS endpoint of the local stack', () => {
  it('is written to credentials.json beside the five fields, with its CA certificate', () => {
    expect(creds).toMatchObject({ endpoint: stackInfo().endpoint, accessKeyId: stackInfo().accessKeyId })
    expect(creds.httpsEndpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    expect(creds.httpsEndpoint).toBe(stackInfo().httpsEndpoint)
    expect(creds.caCertPath).toBe(stackInfo().caCertPath)
    const caCert = new X509Certificate(ca)
    expect(caCert.ca).toBe(true)
    const tlsDir = join(stackInfo().dataDir, 'tls')
    const server = new X509Certificate(readFileSync(join(tlsDir, 'server.pem')))
    expect(server.checkIssued(caCert) && server.verify(caCert.publicKey)).toBe(true)
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1')
    expect(statSync(join(tlsDir, 'server-key.pem')).mode & 0o777).toBe(0o600)
    // The CA's private key is gone: trusting ca.pem trusts this one certificate only.
    expect(readdirSync(tlsDir).sort()).toEqual(['ca.pem', 'server-key.pem', 'server.pem'])
    expect(existsSync(join(tlsDir, 'ca-key.pem'))).toBe(false)
  })

  it('serves kms20160120 1.x (V1) over HTTPS to a process trusting the CA via NODE_EXTRA_CA_CERTS', async () => {
    // kms20160120 1.x (rpc-client) has no `ca` option: a user trusts the CA process-wide.
    const script = `
      const Kms = require('@alicloud/kms20160120');
      const Client = Kms.default ?? Kms;
      const c = JSON.parse(process.env.CREDS);
      const client = new Client({ accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret,
        regionId: c.regionId, endpoint: c.httpsEndpoint.replace('https://', ''), protocol: 'HTTPS' });
      (async () => {
        const { keyMetadata } = await client.createKey(new Kms.CreateKeyRequest({ description: 'over https' }));
        const { ciphertextBlob } = await client.encrypt(new Kms.EncryptRequest({ keyId: keyMetadata.keyId, plaintext: Buffer.from('hello tls').toString('base64') }));
        const { plaintext } = await client.decrypt(new Kms.DecryptRequest({ ciphertextBlob }));
        console.log(JSON.stringify({ keyId: keyMetadata.keyId, plaintext: Buffer.from(plaintext, 'base64').toString() }));
      })().catch((e) => { console.error(e.code, e.message); process.exit(1); });
    `
    const { stdout } = await run(process.execPath, ['-e', script], {
      cwd: ROOT,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: creds.caCertPath, CREDS: JSON.stringify(creds) },
    })
    const out = JSON.parse(stdout.trim()) as { keyId: string; plaintext: string }
    expect(out.plaintext).toBe('hello tls')
    // Made over HTTPS, readable over HTTP: one service.
    const described = await kmsClient().describeKey(new Kms.DescribeKeyRequest({ keyId: out.keyId }))
    expect(described.keyMetadata.description).toBe('over https')
  })

  it('serves openapi-client callApi (ACS3, which signs Host) over HTTPS with the CA in `ca`', async () => {
    const body = await httpsApi()('GetRandomPassword', { PasswordLength: '24' })
    expect(body.RandomPassword).toHaveLength(24)
  })

  it('reaches the Worker as https: acs:SecureTransport is true over HTTPS and false over HTTP', async () => {
    const admin = new RamClient(
      new $OpenApiUtil.Config({
        accessKeyId: creds.accessKeyId,
        accessKeySecret: creds.accessKeySecret,
        regionId: creds.regionId,
        endpoint: hostOf(creds.endpoint),
        protocol: 'HTTP',
      }),
    )
    const userName = `tls-${randomUUID().slice(0, 8)}`
    const policyName = `tls-only-${randomUUID().slice(0, 8)}`
    await admin.createUser(new Ram.CreateUserRequest({ userName }))
    await admin.createPolicy(
      new Ram.CreatePolicyRequest({
        policyName,
        policyDocument: JSON.stringify({
          Version: '1',
          Statement: [{ Effect: 'Allow', Action: ['kms:*'], Resource: ['*'], Condition: { Bool: { 'acs:SecureTransport': 'true' } } }],
        }),
      }),
    )
    await admin.attachPolicyToUser(new Ram.AttachPolicyToUserRequest({ userName, policyName, policyType: 'Custom' }))
    const { body } = await admin.createAccessKey(new Ram.CreateAccessKeyRequest({ userName }))
    const id = body!.accessKey!.accessKeyId!
    const secret = body!.accessKey!.accessKeySecret!

    const overHttp = await sdkError(kmsClient(stackInfo(), secret, id).createKey(new Kms.CreateKeyRequest({ description: 'http' })))
    expect(overHttp.code).toBe('Forbidden.NoPermission')
    const overHttps = await httpsApi(id, secret)('CreateKey', { Description: 'https' })
    expect(overHttps.KeyMetadata.KeyId).toEqual(expect.any(String))
  })

  it('passes a form body on unchanged (V1 POST, 100-continue, chunked), so its signature verifies', async () => {
    const description = 'd'.repeat(3000)
    const req = await signedV1('CreateKey', { Description: description }, { stack: { ...stackInfo(), endpoint: creds.httpsEndpoint } })
    for (const framing of ['content-length', 'chunked'] as const) {
      const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const r = httpsRequest(
          req.url,
          {
            method: 'POST',
            ca,
            headers: {
              ...req.headers,
              expect: '100-continue',
              ...(framing === 'content-length' ? { 'content-length': String(Buffer.byteLength(String(req.body))) } : {}),
            },
          },
          (res) => {
            let text = ''
            res.on('data', (d) => (text += d))
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
          },
        )
        r.on('error', reject)
        r.on('continue', () => {
          const body = String(req.body)
          r.write(body.slice(0, 1000))
          r.end(body.slice(1000))
        })
      })
      if (framing === 'content-length') {
        expect(answer.status, answer.text).toBe(200)
        expect(JSON.parse(answer.text).KeyMetadata.Description).toBe(description)
      } else {
        // Same signed request again: refused as a replay, which means it was read and verified.
        expect(answer.status, answer.text).toBe(400)
        expect(JSON.parse(answer.text).Code).toBe('SignatureNonceUsed')
      }
    }
  })

  it('is refused by a client that does not trust the local CA (the certificate is really checked)', async () => {
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
      const req = httpsRequest(`${creds.httpsEndpoint}/`, { method: 'GET' }, () => resolve(new Error('connected') as NodeJS.ErrnoException))
      req.on('error', (err) => resolve(err as NodeJS.ErrnoException))
      req.end()
    })
    expect(error.code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/)
  })
})
