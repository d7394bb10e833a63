/**
 * ACS4-HMAC-SHA256 (gateway-pop): both key derivations verify, any change to the request, the
 * scope or the secret does not, and the scope's date must be the request's.
 */
import { describe, expect, it } from 'vitest'
import { EMPTY_BODY_SHA256_HEX } from './hmac'
import { canonicalRequestAcs3 } from './signature-acs3'
import { acs4SigningKey, isAcs4Request, parseAcs4Signature, signAcs4 } from './signature-acs4'
import type { SignedRequestInput } from './signed-request'

const SIGNED = 'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version'

async function request(opts: { asText?: boolean; date?: string; secret?: string; product?: string } = {}): Promise<SignedRequestInput> {
  const headers: Record<string, string> = {
    host: '127.0.0.1:8787',
    'x-acs-action': 'ListKeys',
    'x-acs-version': '2016-01-20',
    'x-acs-date': '2026-12-03T06:59:56Z',
    'x-acs-signature-nonce': 'nonce-0123456789',
    'x-acs-content-sha256': EMPTY_BODY_SHA256_HEX,
  }
  const query: Array<[string, string]> = [['PageSize', '10']]
  const canonical = canonicalRequestAcs3({
    method: 'POST',
    path: '/',
    query,
    headers: new Map(Object.entries(headers)),
    signedHeaders: SIGNED.split(';'),
  })
  const signature = await signAcs4(canonical, opts.secret ?? 'secret', '20261203', 'center', opts.product ?? 'Kms', opts.asText)
  headers.authorization = `ACS4-HMAC-SHA256 Credential=AKID/${opts.date ?? '20261203'}/center/${opts.product ?? 'Kms'}/aliyun_v4_request,SignedHeaders=${SIGNED},Signature=${signature}`
  return { method: 'POST', path: '/', query, form: [], headers, bodySha256Hex: EMPTY_BODY_SHA256_HEX }
}

describe('ACS4-HMAC-SHA256', () => {
  it('verifies both key derivations, and nothing else', async () => {
    for (const asText of [false, true]) {
      const req = await request({ asText })
      expect(isAcs4Request(req)).toBe(true)
      const sig = parseAcs4Signature(req)
      expect(sig).toMatchObject({ scheme: 'ACS3', accessKeyId: 'AKID', nonce: 'nonce-0123456789' })
      expect(await sig.verify('secret')).toBe(true)
      expect(await sig.verify('secreT')).toBe(false)
    }
    const tampered = await request()
    tampered.query = [['PageSize', '11']]
    expect(await parseAcs4Signature(tampered).verify('secret')).toBe(false)
    const otherProduct = await request()
    otherProduct.headers.authorization = otherProduct.headers.authorization!.replace('/Kms/', '/Ram/')
    expect(await parseAcs4Signature(otherProduct).verify('secret')).toBe(false)
    expect(acs4SigningKey('s', '20261203', 'center', 'Kms')).not.toEqual(acs4SigningKey('s', '20261204', 'center', 'Kms'))
  })

  it('refuses a scope of another day, malformed scopes and unsigned x-acs-* headers', async () => {
    await expect(request({ date: '20261202' }).then(parseAcs4Signature)).rejects.toMatchObject({ code: 'auth.incompleteSignature' })
    const bad = await request()
    bad.headers.authorization = bad.headers.authorization!.replace('/aliyun_v4_request', '/v4')
    expect(() => parseAcs4Signature(bad)).toThrow(expect.objectContaining({ code: 'auth.incompleteSignature' }))
    const unsigned = await request()
    unsigned.headers['x-acs-security-token'] = 'edge-sts1.x.y'
    expect(() => parseAcs4Signature(unsigned)).toThrow(expect.objectContaining({ code: 'auth.incompleteSignature' }))
  })
})
