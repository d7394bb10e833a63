/**
 * Protocol points found with Alibaba's Python SDKs (reproduced here as raw signed requests):
 * - the V1 `SignatureDoesNotMatch` message carries ` server string to sign is:<StringToSign>`,
 *   which aliyun-python-sdk-core reads with `message.split(':')[1]` (IndexError without it);
 * - the `*_async` calls (aiohttp) add an unsigned `Content-Type: application/octet-stream` to an
 *   empty body after signing;
 * - V1 must sign Action and Version (no fallback to unsigned x-acs-action / x-acs-version).
 */
import { describe, expect, it } from 'vitest'
import { KmsError } from '../errors'
import { EMPTY_BODY_SHA256_HEX, sha256Hex } from './hmac'
import { signAcs3 } from './signature-acs3'
import { signV1, stringToSignV1, V1_ECHO_REDACTED, V1_MISMATCH_MESSAGE_PREFIX } from './signature-v1'
import { parseSignature, type SignedRequestInput } from './signed-request'

const SECRET = 'right-secret'

function v1Params(extra: Array<[string, string]>): Array<[string, string]> {
  return [
    ['Action', 'Encrypt'],
    ['Version', '2016-01-20'],
    ['Format', 'JSON'],
    ['AccessKeyId', 'LTAItest'],
    ['SignatureMethod', 'HMAC-SHA1'],
    ['SignatureVersion', '1.0'],
    ['SignatureNonce', '3c2f6a0d9b1e4f7a8c5d2e1f0a9b8c7d'],
    ['Timestamp', '2026-11-23T12:14:15Z'],
    ...extra,
  ]
}

async function signedV1Input(params: Array<[string, string]>, secret: string, method = 'GET'): Promise<SignedRequestInput> {
  const signature = await signV1(method, params, secret)
  return {
    method,
    path: '/',
    query: [...params, ['Signature', signature]],
    form: [],
    headers: { host: '127.0.0.1:8787' },
    bodySha256Hex: EMPTY_BODY_SHA256_HEX,
  }
}

function errorOf(f: () => unknown): KmsError {
  try {
    f()
  } catch (err) {
    if (err instanceof KmsError) return err
    throw err
  }
  throw new Error('did not throw')
}

/** What aliyunsdkcore/client.py does with the message: `error_message.split(':')[1]`. */
function pythonSdkServerStringToSign(message: string): string {
  const parts = message.split(':')
  if (parts.length < 2) throw new Error('IndexError: list index out of range')
  return parts[1]!
}

describe('the V1 SignatureDoesNotMatch message', () => {
  it("is Alibaba's sentence plus the server's StringToSign, which the Python SDK's split(':') recovers", async () => {
    const params = v1Params([['KeyId', 'alias/test']])
    const sig = parseSignature(await signedV1Input(params, 'wrong-secret'))
    expect(await sig.verify(SECRET)).toBe(false)
    const message = sig.mismatchMessage()
    expect(message.startsWith(V1_MISMATCH_MESSAGE_PREFIX)).toBe(true)
    expect(message).toMatch(/^Specified signature is not matched with our calculation\. server string to sign is:GET&%2F&/)
    // Only identifiers and common parameters: the echo equals the client's own StringToSign, so
    // the SDK can tell "wrong AccessKeySecret" apart.
    expect(pythonSdkServerStringToSign(message)).toBe(stringToSignV1('GET', params))
    expect(message.split(':')).toHaveLength(2)
  })

  it('redacts data values (Plaintext, SecretData, EncryptionContext, SecurityToken, unknown names)', async () => {
    const secretValues = ['aGVsbG8gc2VjcmV0', 'hunter2-db-password', '{"tenant":"acme"}', 'sts-token-value', 'whatever-this-is']
    const params = v1Params([
      ['KeyId', 'alias/test'],
      ['Plaintext', secretValues[0]!],
      ['SecretData', secretValues[1]!],
      ['EncryptionContext', secretValues[2]!],
      ['SecurityToken', secretValues[3]!],
      ['SomethingNew', secretValues[4]!],
    ])
    const message = parseSignature(await signedV1Input(params, 'wrong-secret', 'POST')).mismatchMessage()
    const echoed = pythonSdkServerStringToSign(message)
    const decoded = decodeURIComponent(decodeURIComponent(echoed))
    for (const value of secretValues) {
      expect(decoded).not.toContain(value)
      expect(message).not.toContain(value)
    }
    expect(decoded).toContain(`Plaintext=${V1_ECHO_REDACTED}`)
    expect(decoded).toContain(`SecretData=${V1_ECHO_REDACTED}`)
    expect(decoded).toContain('KeyId=alias/test')
    expect(decoded).toContain('SignatureNonce=3c2f6a0d9b1e4f7a8c5d2e1f0a9b8c7d')
    expect(echoed.startsWith('POST&%2F&')).toBe(true)
    expect(message.split(':')).toHaveLength(2)
  })

  it('for ACS3 stays the plain sentence', async () => {
    const headers: Record<string, string> = {
      host: '127.0.0.1:8787',
      'x-acs-action': 'DescribeRegions',
      'x-acs-version': '2016-01-20',
      'x-acs-date': '2026-11-23T12:14:15Z',
      'x-acs-signature-nonce': '3c2f6a0d9b1e4f7a8c5d2e1f0a9b8c7d',
      'x-acs-content-sha256': EMPTY_BODY_SHA256_HEX,
    }
    headers.authorization = await signAcs3({ method: 'POST', path: '/', query: [], headers }, 'LTAItest', 'wrong')
    const sig = parseSignature({ method: 'POST', path: '/', query: [], form: [], headers, bodySha256Hex: EMPTY_BODY_SHA256_HEX })
    expect(sig.mismatchMessage()).toBe('Specified signature is not matched with our calculation.')
  })
})

describe('V1 requires Action and Version among the signed parameters', () => {
  for (const name of ['Action', 'Version']) {
    it(`refuses a V1 request without ${name} (IncompleteSignature naming it)`, async () => {
      const params = v1Params([]).filter(([n]) => n !== name)
      const input = await signedV1Input(params, SECRET)
      input.headers[name === 'Action' ? 'x-acs-action' : 'x-acs-version'] = name === 'Action' ? 'Encrypt' : '2016-01-20'
      const err = errorOf(() => parseSignature(input))
      expect(err.code).toBe('auth.incompleteSignature')
      expect(err.message).toContain(name)
    })
  }

  it('accepts a V1 request that signs both', async () => {
    expect(await parseSignature(await signedV1Input(v1Params([]), SECRET)).verify(SECRET)).toBe(true)
  })
})

describe('ACS3 with an unsigned content-type (aiohttp adds one to an empty body after signing)', () => {
  async function acs3Input(body: string, signedContentType?: string): Promise<SignedRequestInput> {
    const bodyHash = body === '' ? EMPTY_BODY_SHA256_HEX : await sha256Hex(body)
    const headers: Record<string, string> = {
      host: '127.0.0.1:8787',
      'x-acs-action': 'DescribeRegions',
      'x-acs-version': '2016-01-20',
      'x-acs-date': '2026-11-23T12:14:15Z',
      'x-acs-signature-nonce': '3c2f6a0d9b1e4f7a8c5d2e1f0a9b8c7d',
      'x-acs-content-sha256': bodyHash,
      ...(signedContentType ? { 'content-type': signedContentType } : {}),
    }
    headers.authorization = await signAcs3({ method: 'POST', path: '/', query: [['RegionId', 'cn-hangzhou']], headers }, 'LTAItest', SECRET)
    // Added after signing, as aiohttp does.
    headers['content-type'] = 'application/octet-stream'
    return { method: 'POST', path: '/', query: [['RegionId', 'cn-hangzhou']], form: [], headers, bodySha256Hex: bodyHash }
  }

  it('is accepted when the body is empty (its hash is signed)', async () => {
    const sig = parseSignature(await acs3Input(''))
    expect(await sig.verify(SECRET)).toBe(true)
  })

  it('is refused when there is a body', async () => {
    const input = await acs3Input('a=1')
    const refused = errorOf(() => parseSignature(input))
    expect(refused.code).toBe('auth.incompleteSignature')
    expect(refused.message).toContain('content-type must be included in SignedHeaders')
  })

  it('is refused when a signed content-type was changed, body or not', async () => {
    const input = await acs3Input('', 'application/json')
    expect(await parseSignature(input).verify(SECRET)).toBe(false)
  })
})
