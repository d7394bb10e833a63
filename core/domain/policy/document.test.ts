import { describe, expect, it } from 'vitest'
import { KmsError } from '../../errors'
import { parsePolicyDocument, MAX_IDENTITY_POLICY_BYTES } from './document'
import { parseStrictJson } from './json'
import { inRange, parseCidr, parseIp } from './match'

function malformedAt(text: string, kind: 'identity' | 'resource' = 'identity'): string {
  try {
    parsePolicyDocument(text, kind)
  } catch (err) {
    expect(err).toBeInstanceOf(KmsError)
    expect((err as KmsError).code).toBe('policy.malformed')
    return String((err as KmsError).details?.position)
  }
  throw new Error('expected the document to be refused')
}

const doc = (statement: object) => JSON.stringify({ Version: '1', Statement: [statement] })

describe('parseStrictJson', () => {
  it('reads JSON and refuses duplicate keys with their offset', () => {
    expect(parseStrictJson('{"a":[1,"x",true,null,{"b":-2.5e3}]}')).toEqual({ a: [1, 'x', true, null, { b: -2500 }] })
    expect(() => parseStrictJson('{"a":1,"a":2}')).toThrow(/duplicate key at offset 7/)
    expect(() => parseStrictJson('{"a":1} x')).toThrow(/offset 8/)
    expect(() => parseStrictJson('['.repeat(40) + ']'.repeat(40))).toThrow(/nesting too deep/)
  })

  it('keeps __proto__ as an ordinary key', () => {
    const v = parseStrictJson('{"__proto__":{"x":1}}') as Record<string, unknown>
    expect(Object.getPrototypeOf(v)).toBeNull()
    expect(({} as Record<string, unknown>).x).toBeUndefined()
  })
})

describe('parsePolicyDocument', () => {
  it('accepts the documented forms', () => {
    const d = parsePolicyDocument(
      doc({
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:Get*'],
        Resource: 'acs:kms:*:*:key/*',
        Condition: { IpAddress: { 'acs:SourceIp': ['10.0.0.0/8', '::1'] }, Bool: { 'acs:SecureTransport': true } },
      }),
      'identity',
    )
    expect(d.statements).toHaveLength(1)
    expect(d.statements[0]!.conditions.map((c) => c.key)).toEqual(['acs:sourceip', 'acs:securetransport'])
  })

  it('reports the position of syntax and structure errors', () => {
    expect(malformedAt('{"Version":"1",')).toMatch(/^offset \d+$/)
    expect(malformedAt('{"Version":"1","Statement":[],"Version":"1"}')).toMatch(/^offset 30$/)
    expect(malformedAt(JSON.stringify({ Version: '2', Statement: [] }))).toBe('Version')
    expect(malformedAt(JSON.stringify({ Version: '1', Statement: [] }))).toBe('Statement')
    expect(malformedAt(doc({ Effect: 'allow', Action: '*', Resource: '*' }))).toBe('Statement[0].Effect')
    expect(malformedAt(doc({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrpyt'], Resource: '*' }))).toBe('Statement[0].Action[1]')
    expect(malformedAt(doc({ Effect: 'Allow', Action: 'oss:GetObject', Resource: '*' }))).toBe('Statement[0].Action')
    expect(malformedAt(doc({ Effect: 'Allow', Action: 'kms:Nothing*', Resource: '*' }))).toBe('Statement[0].Action')
    expect(malformedAt(doc({ Effect: 'Allow', Action: '*', Resource: 'key/x' }))).toBe('Statement[0].Resource')
    expect(malformedAt(doc({ Effect: 'Allow', Action: '*', Resource: '*', Extra: 1 }))).toBe('Statement[0].Extra')
    expect(malformedAt(doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringSorta: { a: 'b' } } }))).toBe(
      'Statement[0].Condition.StringSorta',
    )
    expect(
      malformedAt(doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { IpAddress: { 'acs:SourceIp': ['1.2.3.4/33'] } } })),
    ).toBe('Statement[0].Condition.IpAddress.acs:SourceIp[0]')
    expect(
      malformedAt(doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { DateLessThan: { 'acs:CurrentTime': 'soon' } } })),
    ).toBe('Statement[0].Condition.DateLessThan.acs:CurrentTime')
  })

  it('requires Principal in resource policies and refuses it in identity policies', () => {
    expect(malformedAt(doc({ Effect: 'Allow', Action: '*', Resource: '*', Principal: '*' }))).toBe('Statement[0].Principal')
    expect(malformedAt(doc({ Effect: 'Allow', Action: '*', Resource: '*' }), 'resource')).toBe('Statement[0].Principal')
    expect(malformedAt(doc({ Effect: 'Allow', Action: '*', Resource: '*', Principal: { RAM: ['bob'] } }), 'resource')).toBe(
      'Statement[0].Principal.RAM[0]',
    )
  })

  it('refuses documents over the size limits, in bytes', () => {
    const pad = 'é'.repeat(MAX_IDENTITY_POLICY_BYTES / 2)
    const big = doc({ Sid: pad, Effect: 'Allow', Action: '*', Resource: '*' })
    expect(big.length).toBeLessThan(MAX_IDENTITY_POLICY_BYTES + 100)
    expect(malformedAt(big)).toBe('the document')
    expect(() => parsePolicyDocument(big.replace('"Effect"', '"Principal":"*","Effect"'), 'resource')).not.toThrow()
    const huge = doc({ Sid: 'x'.repeat(32768), Effect: 'Allow', Action: '*', Resource: '*', Principal: '*' })
    expect(malformedAt(huge, 'resource')).toBe('the document')
  })
})

describe('IP ranges', () => {
  it('matches IPv4 and IPv6 CIDRs', () => {
    expect(inRange(parseCidr('10.0.0.0/8')!, parseIp('10.1.2.3')!)).toBe(true)
    expect(inRange(parseCidr('10.0.0.0/8')!, parseIp('11.0.0.1')!)).toBe(false)
    expect(inRange(parseCidr('2001:db8::/32')!, parseIp('2001:db8:1::5')!)).toBe(true)
    expect(inRange(parseCidr('::1')!, parseIp('0:0:0:0:0:0:0:1')!)).toBe(true)
    expect(inRange(parseCidr('0.0.0.0/0')!, parseIp('::1')!)).toBe(false)
    expect(parseIp('1.2.3')).toBeUndefined()
    expect(parseIp('01.2.3.4')).toBeUndefined()
    expect(parseIp('1::2::3')).toBeUndefined()
  })
})
