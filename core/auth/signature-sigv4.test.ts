/**
 * SigV4 verification against requests signed by AWS's own signer (@smithy/signature-v4, what
 * the AWS SDK for JavaScript v3 uses), and the refusals of every part of the header.
 */
import { createHash, createHmac } from 'node:crypto'
import { SignatureV4 } from '@smithy/signature-v4'
import { describe, expect, it } from 'vitest'
import { KmsError } from '../errors'
import { isSigV4Request, parseAmzDate, parseSigV4Signature, type SigV4RequestInput } from './signature-sigv4'

class NodeSha256 {
  private readonly hash
  private readonly hmac
  constructor(secret?: Uint8Array | string) {
    this.hash = secret === undefined ? createHash('sha256') : undefined
    this.hmac = secret === undefined ? undefined : createHmac('sha256', secret)
  }
  update(data: Uint8Array | string): void {
    ;(this.hash ?? this.hmac)!.update(data)
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array((this.hash ?? this.hmac)!.digest())
  }
}

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
const NOW = Date.UTC(2026, 11, 3, 12, 0, 0)

async function signed(
  opts: { body?: string; service?: string; region?: string; headers?: Record<string, string>; unsignable?: string[] } = {},
): Promise<SigV4RequestInput> {
  const body = opts.body ?? '{"KeyId":"alias/test"}'
  const signer = new SignatureV4({
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET },
    region: opts.region ?? 'cn-hangzhou',
    service: opts.service ?? 'kms',
    sha256: NodeSha256 as never,
  })
  const request = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 8787,
      path: '/',
      headers: {
        host: '127.0.0.1:8787',
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'TrentService.Encrypt',
        'amz-sdk-invocation-id': '75591ddf-9be0-4f3e-a01f-36dda6b1e02b',
        ...opts.headers,
      },
      body,
    },
    { signingDate: new Date(NOW), ...(opts.unsignable ? { unsignableHeaders: new Set(opts.unsignable) } : {}) },
  )
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = String(v)
  return { method: 'POST', path: '/', query: [], headers, bodySha256Hex: createHash('sha256').update(body).digest('hex') }
}

const expected = { region: 'cn-hangzhou', service: 'kms' }

function code(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    if (err instanceof KmsError) return err.code
    throw err
  }
  return undefined
}

describe('SigV4 verification', () => {
  it('accepts what AWS’s signer produces, and only with the right secret', async () => {
    const req = await signed()
    expect(isSigV4Request(req.headers)).toBe(true)
    const sig = parseSigV4Signature(req, expected)
    expect(sig.accessKeyId).toBe('AKIDEXAMPLE')
    expect(sig.timestamp).toBe(NOW)
    expect(sig.nonce).toBe('75591ddf-9be0-4f3e-a01f-36dda6b1e02b')
    expect(await sig.verify(SECRET)).toBe(true)
    expect(await sig.verify(`${SECRET}x`)).toBe(false)
    expect(await sig.verify('')).toBe(false)
  })

  it('has no nonce when the invocation id is not signed (botocore)', async () => {
    const req = await signed({ unsignable: ['amz-sdk-invocation-id'] })
    const sig = parseSigV4Signature(req, expected)
    expect(sig.nonce).toBe('')
    expect(await sig.verify(SECRET)).toBe(true)
  })

  it('fails verification when a signed header, the body or the path changes', async () => {
    const req = await signed()
    const target = { ...req, headers: { ...req.headers, 'x-amz-target': 'TrentService.Decrypt' } }
    expect(await parseSigV4Signature(target, expected).verify(SECRET)).toBe(false)
    const body = { ...req, bodySha256Hex: createHash('sha256').update('{}').digest('hex') }
    expect(
      await parseSigV4Signature({ ...body, headers: { ...body.headers, 'x-amz-content-sha256': body.bodySha256Hex } }, expected).verify(
        SECRET,
      ),
    ).toBe(false)
    expect(await parseSigV4Signature({ ...req, path: '/x' }, expected).verify(SECRET)).toBe(false)
    expect(await parseSigV4Signature({ ...req, query: [['a', 'b']] }, expected).verify(SECRET)).toBe(false)
  })

  it('refuses a body whose hash is not the signed x-amz-content-sha256', async () => {
    const req = await signed({ headers: { 'x-amz-content-sha256': createHash('sha256').update('{"KeyId":"alias/test"}').digest('hex') } })
    expect(code(() => parseSigV4Signature({ ...req, bodySha256Hex: createHash('sha256').update('other').digest('hex') }, expected))).toBe(
      'auth.signatureMismatch',
    )
  })

  it('refuses another region or service in the scope as a signature that cannot verify (InvalidSignatureException)', async () => {
    const otherRegion = await signed({ region: 'us-east-1' })
    expect(code(() => parseSigV4Signature(otherRegion, expected))).toBe('auth.signatureMismatch')
    const otherService = await signed({ service: 'secretsmanager' })
    expect(code(() => parseSigV4Signature(otherService, expected))).toBe('auth.signatureMismatch')
    expect(code(() => parseSigV4Signature(otherService, { region: 'cn-hangzhou', service: 'secretsmanager' }))).toBeUndefined()
  })

  it('refuses every malformed part of the Authorization header', async () => {
    const req = await signed()
    const auth = req.headers.authorization!
    const variants = [
      auth.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA1'),
      auth.replace(/Credential=[^,]+,/, ''),
      auth.replace(/SignedHeaders=[^,]+,/, ''),
      auth.replace(/Signature=\w+/, 'Signature=zz'),
      auth.replace(/Signature=(\w+)/, 'Signature=$1, Signature=$1'),
      auth.replace('/aws4_request', '/aws4_other'),
      auth.replace('/aws4_request', ''),
      auth.replace(/\/\d{8}\//, '/20200101/'),
      auth.replace('host;', ''),
      auth.replace(';x-amz-target', ''),
      auth.replace('content-type;host', 'host;content-type'),
      auth.replace('Credential=AKIDEXAMPLE', 'Credential=AKID\u00e9'),
      'Bearer abc',
    ]
    for (const authorization of variants) {
      expect(
        String(code(() => parseSigV4Signature({ ...req, headers: { ...req.headers, authorization } }, expected))),
        authorization,
      ).toMatch(/^auth\./)
    }
    const { ['x-amz-date']: _date, ...noDate } = req.headers
    expect(code(() => parseSigV4Signature({ ...req, headers: noDate }, expected))).toBe('auth.incompleteSignature')
  })

  it('parses x-amz-date strictly', () => {
    expect(parseAmzDate('20261203T120000Z')).toBe(NOW)
    for (const bad of ['20261203T120000', '2026-12-03T12:00:00Z', '20260230T120000Z', '20261203T246000Z', '']) {
      expect(
        code(() => parseAmzDate(bad)),
        bad,
      ).toBe('auth.illegalTimestamp')
    }
  })
})
