/**
 * SigV4 for the wire client: byte-for-byte the Authorization header `@smithy/signature-v4` (what
 * the AWS SDK uses) computes for the same request, and the derived-key cache never serves a key
 * across dates, regions, services or secrets. dynalite does not check signatures, so this is
 * what proves the Worker's requests would be accepted by DynamoDB.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto'
import { SignatureV4 } from '@smithy/signature-v4'
import { beforeEach, describe, expect, it } from 'vitest'
import { amzDate, canonicalPath, clearSigningKeyCache, signingKeyCacheSize, signRequest, type SigV4Credentials } from './sigv4'

/** The SDK's Checksum interface over node:crypto (@aws-crypto/sha256-js is not installed). */
class NodeSha256 {
  private readonly secret: Uint8Array | string | undefined
  private hash: Hash | Hmac
  constructor(secret?: Uint8Array | string | ArrayBuffer | ArrayBufferView) {
    this.secret =
      secret === undefined || typeof secret === 'string' || secret instanceof Uint8Array
        ? secret
        : ArrayBuffer.isView(secret)
          ? new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength)
          : new Uint8Array(secret)
    this.hash = this.fresh()
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret)
  }
  update(data: Uint8Array | string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(
      typeof data === 'string' || data instanceof Uint8Array
        ? data
        : ArrayBuffer.isView(data)
          ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
          : new Uint8Array(data),
    )
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest())
  }
  reset(): void {
    this.hash = this.fresh()
  }
}

interface Case {
  endpoint: string
  region: string
  target: string
  body: string
  date: Date
  credentials: SigV4Credentials
}

async function smithyAuthorization(c: Case): Promise<Record<string, string>> {
  const url = new URL(c.endpoint)
  const signer = new SignatureV4({
    service: 'dynamodb',
    region: c.region,
    credentials: c.credentials,
    sha256: NodeSha256,
    applyChecksum: false,
  })
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`,
      query: {},
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': c.target,
      },
      body: c.body,
    },
    { signingDate: c.date },
  )
  return signed.headers as Record<string, string>
}

function ours(c: Case): Record<string, string> {
  const url = new URL(c.endpoint)
  return signRequest(
    {
      method: 'POST',
      host: url.host,
      path: url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': c.target },
      body: new TextEncoder().encode(c.body),
    },
    { credentials: c.credentials, region: c.region, service: 'dynamodb', date: c.date },
  )
}

const base: Case = {
  endpoint: 'https://dynamodb.us-east-1.amazonaws.com',
  region: 'us-east-1',
  target: 'DynamoDB_20120810.GetItem',
  body: '{"TableName":"edge-kms","Key":{"pk":{"S":"KEY#1"},"sk":{"S":"META"}}}',
  date: new Date('2026-03-04T05:06:07.890Z'),
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
}

const cases: Array<[string, Case]> = [
  ['GetItem on AWS', base],
  [
    'conditional PutItem, other region and date',
    {
      ...base,
      endpoint: 'https://dynamodb.eu-central-1.amazonaws.com',
      region: 'eu-central-1',
      target: 'DynamoDB_20120810.PutItem',
      body: JSON.stringify({
        TableName: 'edge-kms',
        Item: { pk: { S: 'KEY#2' }, sk: { S: 'META' }, rev: { N: '3' }, tags: { L: [] } },
        ConditionExpression: '#c0 = :c0',
        ExpressionAttributeNames: { '#c0': 'rev' },
        ExpressionAttributeValues: { ':c0': { N: '2' } },
      }),
      date: new Date('2025-12-31T23:59:59.999Z'),
    },
  ],
  [
    'session token',
    {
      ...base,
      target: 'DynamoDB_20120810.Query',
      credentials: { ...base.credentials, sessionToken: 'FQoGZXIvYXdzEJr//////////wEaDO+token/with+slashes==' },
    },
  ],
  [
    'local endpoint with a port (dynalite)',
    { ...base, endpoint: 'http://127.0.0.1:48123', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
  ],
  ['endpoint with a path', { ...base, endpoint: 'http://localhost:8000/ddb/proxy' }],
  ['non-ASCII body', { ...base, body: '{"TableName":"t","Key":{"pk":{"S":"ALIAS#ü€😀"}}}' }],
  ['empty body', { ...base, body: '' }],
]

describe('signRequest', () => {
  beforeEach(() => clearSigningKeyCache())

  it.each(cases)('%s: the same headers as @smithy/signature-v4', async (_name, c) => {
    const expected = await smithyAuthorization(c)
    const actual = ours(c)
    expect(actual.authorization).toBe(expected.authorization)
    expect(actual['x-amz-date']).toBe(expected['x-amz-date'])
    expect(actual['x-amz-security-token']).toBe(expected['x-amz-security-token'])
    // And again from the warm cache.
    expect(ours(c).authorization).toBe(expected.authorization)
  })

  it('matches the AWS SigV4 test suite (post-vanilla)', () => {
    const headers = signRequest(
      { method: 'POST', host: 'example.amazonaws.com', path: '/', headers: {}, body: new Uint8Array() },
      {
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
        region: 'us-east-1',
        service: 'service',
        date: new Date('2015-08-30T12:36:00Z'),
      },
    )
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
    )
  })

  it('never reuses a derived key across dates, regions or secrets', async () => {
    const variants: Case[] = [
      base,
      { ...base, date: new Date('2026-03-05T00:00:00Z') },
      { ...base, date: new Date('2026-03-04T23:59:59Z') }, // same day as base: one key for both
      { ...base, region: 'ap-southeast-1' },
      { ...base, credentials: { ...base.credentials, secretAccessKey: 'another-secret' } },
      { ...base, credentials: { accessKeyId: 'OTHERKEY', secretAccessKey: 'another-secret' } },
      base,
    ]
    for (const c of variants) expect(ours(c).authorization).toBe((await smithyAuthorization(c)).authorization)
    // base and its same-day twin share a key, as do the two 'another-secret' variants.
    expect(signingKeyCacheSize()).toBe(4)
  })

  it('keeps the cache bounded', () => {
    for (let day = 1; day <= 60; day++) ours({ ...base, date: new Date(Date.UTC(2026, 0, day)) })
    expect(signingKeyCacheSize()).toBeLessThanOrEqual(32)
  })

  it('formats x-amz-date and canonical paths as the SDK does', () => {
    expect(amzDate(new Date('2026-01-02T03:04:05.678Z'))).toBe('20260102T030405Z')
    expect(canonicalPath('/')).toBe('/')
    expect(canonicalPath('/a/./b/../c/')).toBe('/a/c/')
    expect(canonicalPath('/a%20b/')).toBe('/a%2520b/')
  })
})
