import OpenApiUtil from '@alicloud/openapi-util'
import RPCUtil from '@alicloud/rpc-util'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { CAPTURED_REQUESTS } from '../../test/unit/helpers/alibaba-captured-requests'
import { parseRawHttp } from '../../test/unit/helpers/raw-http'
import { canonicalizeV1, signV1, stringToSignV1 } from './signature-v1'

const encryptCapture = CAPTURED_REQUESTS.find((c) => c.name === 'kms20160120 V1 Encrypt')!

describe('V1 canonicalisation', () => {
  it('reproduces the StringToSign the server matched for the captured kms20160120 Encrypt', () => {
    const input = parseRawHttp(encryptCapture.raw)
    expect(stringToSignV1(input.method, input.query)).toBe(encryptCapture.expected)
  })

  it('excludes Signature and writes an empty value as name=', () => {
    expect(
      canonicalizeV1([
        ['B', ''],
        ['Signature', 'x'],
        ['A', '1'],
      ]),
    ).toBe('A=1&B=')
  })

  it('sorts by decoded name like the SDKs (a-b before a/b), not by encoded name', () => {
    const params = { 'EncryptionContext.a/b': '2', 'EncryptionContext.a-b': '1' }
    expect(canonicalizeV1(params)).toBe('EncryptionContext.a-b=1&EncryptionContext.a%2Fb=2')
  })

  it('accepts a record or a list of pairs alike', () => {
    expect(canonicalizeV1({ b: '2', a: '1' })).toBe(
      canonicalizeV1([
        ['a', '1'],
        ['b', '2'],
      ]),
    )
  })
})

describe('signV1', () => {
  it('reproduces the signature of the captured kms20160120 Encrypt', async () => {
    const input = parseRawHttp(encryptCapture.raw)
    const sent = input.query.find(([k]) => k === 'Signature')![1]
    expect(await signV1('POST', input.query, 'testSecret')).toBe(sent)
  })

  it('agrees with openapi-util getRPCSignature and rpc-util getSignatureV1', async () => {
    // Plain objects as the SDKs take them (they cannot handle a null prototype or __proto__).
    const params = fc.dictionary(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).filter((k) => k !== '__proto__'),
      fc.string({ unit: 'binary', maxLength: 24 }),
      { maxKeys: 8, noNullPrototype: true },
    )
    const method = fc.constantFrom('GET', 'POST')
    const secret = fc.string({ unit: 'binary', maxLength: 16 })
    await fc.assert(
      fc.asyncProperty(params, method, secret, async (p, m, s) => {
        const ours = await signV1(m, p, s)
        expect(ours).toBe(OpenApiUtil.getRPCSignature(p, m, s))
        expect(ours).toBe(RPCUtil.getSignatureV1(p, m, s))
      }),
      { numRuns: 300 },
    )
  })

  it('depends on the method', async () => {
    const p = { Action: 'Encrypt' }
    expect(await signV1('GET', p, 's')).not.toBe(await signV1('POST', p, 's'))
  })
})
