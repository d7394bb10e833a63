/**
 * The bench's SigV4 signer against @smithy/signature-v4 (what the AWS SDK for JavaScript signs
 * with) and against the server's own verifier (core parseSigV4Signature).
 * In the `unit` project: `npx vitest run --project unit bench`.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto'
import { SignatureV4 } from '@smithy/signature-v4'
import { describe, expect, it } from 'vitest'
import { parseSigV4Signature } from '../../core/auth/signature-sigv4'
import { amzDate, awsJsonHeaders, awsRequestBytes, crossCheckSigV4, sha256Hex, SigV4Signer } from './sigv4'

const creds = { accessKeyId: 'LTAIbenchAccessKey000001', secretAccessKey: 'bench-secret-0123456789abcdef', region: 'cn-hangzhou' }
const body = JSON.stringify({ KeyId: '0b3c5f0e-1111-4222-8333-444455556666', Plaintext: 'AAECAwQFBgcICQoLDA0ODw==' })
const when = Date.UTC(2026, 11, 3, 17, 30, 5)

/** The hash constructor @smithy/signature-v4 wants (HMAC when given a secret), on node:crypto. */
const bytes = (d: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof d === 'string' ? d : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
class Sha256 {
  private readonly h: Hash | Hmac
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret))
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(bytes(data))
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()))
  }
  reset(): void {}
}

describe('bench SigV4 signer', () => {
  it('formats x-amz-date', () => {
    expect(amzDate(when)).toBe('20261203T173005Z')
  })

  it('signs exactly as @smithy/signature-v4 does', async () => {
    const headers = awsJsonHeaders('TrentService.Encrypt', '5f2b4c1e-0000-4000-8000-000000000001')
    const smithy = new SignatureV4({
      credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
      region: creds.region,
      service: 'kms',
      sha256: Sha256,
      applyChecksum: false,
    })
    const reference = await smithy.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: 8787,
        path: '/',
        query: {},
        headers: { ...headers, host: '127.0.0.1:8787' },
        body,
      },
      { signingDate: new Date(when) },
    )
    const ours = new SigV4Signer(creds, 'kms').sign({
      host: '127.0.0.1:8787',
      amzDate: amzDate(when),
      headers,
      bodySha256Hex: sha256Hex(body),
    })
    expect(reference.headers['x-amz-date']).toBe('20261203T173005Z')
    expect(ours.authorization).toBe(reference.headers.authorization)
    // A different secret gives a different signature (the comparison above can fail).
    const other = new SigV4Signer({ ...creds, secretAccessKey: 'x' }, 'kms').sign({
      host: '127.0.0.1:8787',
      amzDate: amzDate(when),
      headers,
      bodySha256Hex: sha256Hex(body),
    })
    expect(other.authorization).not.toBe(reference.headers.authorization)
  })

  it('is accepted by the server verifier, with the invocation id as nonce', async () => {
    const signer = new SigV4Signer(creds, 'kms')
    await expect(crossCheckSigV4(signer, '127.0.0.1:8787', 'TrentService.Encrypt', body)).resolves.toBeUndefined()
    const wrong = new SigV4Signer({ ...creds, secretAccessKey: 'wrong' }, 'kms')
    const signed = wrong.sign({
      host: 'h:1',
      amzDate: amzDate(),
      headers: awsJsonHeaders('TrentService.Encrypt', 'abcdef01-2345'),
      bodySha256Hex: sha256Hex(body),
    })
    const parsed = parseSigV4Signature(
      { method: 'POST', path: '/', query: [], headers: Object.fromEntries(signed.headers), bodySha256Hex: sha256Hex(body) },
      { region: creds.region, service: 'kms' },
    )
    expect(parsed.nonce).toBe('abcdef01-2345')
    expect(await parsed.verify(creds.secretAccessKey)).toBe(false)
  })

  it('writes a complete keep-alive HTTP/1.1 request with a fresh invocation id each time', () => {
    const signer = new SigV4Signer(creds, 'kms')
    const a = awsRequestBytes(signer, { host: '127.0.0.1:1', target: 'TrentService.Encrypt', body }).toString('utf8')
    const b = awsRequestBytes(signer, { host: '127.0.0.1:1', target: 'TrentService.Encrypt', body }).toString('utf8')
    expect(a.startsWith('POST / HTTP/1.1\r\n')).toBe(true)
    expect(a).toContain(`content-length: ${Buffer.byteLength(body)}\r\n`)
    expect(a).toContain('x-amz-target: TrentService.Encrypt\r\n')
    expect(a.endsWith(`\r\n\r\n${body}`)).toBe(true)
    const id = (s: string) => /amz-sdk-invocation-id: (\S+)/.exec(s)?.[1]
    expect(id(a)).toBeDefined()
    expect(id(a)).not.toBe(id(b))
  })
})
