import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { KmsError } from '../errors'
import { fromUtf8, toHex, utf8 } from './bytes'
import { canonicalEncryptionContext, MAX_ENCRYPTION_CONTEXT_CHARS, parseEncryptionContextJson, validateEncryptionContext } from './context'

function parseError(json: string): KmsError {
  try {
    parseEncryptionContextJson(json)
  } catch (err) {
    expect(err).toBeInstanceOf(KmsError)
    const e = err as KmsError
    expect(e.code).toBe('validation.invalidParameter')
    expect(e.details).toEqual({ parameter: 'EncryptionContext' })
    return e
  }
  throw new Error('expected parseEncryptionContextJson to throw')
}

const canonical = (ctx: Record<string, string> | undefined): string => fromUtf8(canonicalEncryptionContext(ctx))

describe('parseEncryptionContextJson', () => {
  it('accepts flat string maps, with whitespace and escapes', () => {
    expect(parseEncryptionContextJson('{}')).toEqual({})
    const spaced = ' \t\n{ "a" : "1" ,\r\n"b":"" }\n'
    expect(parseEncryptionContextJson(spaced)).toEqual({ a: '1', b: '' })
    const escaped = '{"\\u0061\\n":"\\"\\\\\\/\\ud83d\\ude00"}'
    expect(parseEncryptionContextJson(escaped)).toEqual({ 'a\n': '"\\/😀' })
  })

  it('returns a null-prototype object', () => {
    const ctx = parseEncryptionContextJson('{"a":"b"}')
    expect(Object.getPrototypeOf(ctx)).toBeNull()
  })

  it('rejects arrays, scalars and invalid JSON without echoing the input', () => {
    expect(parseError('["a","b"]').message).toMatch(/not an array/)
    const bad = [
      '"a"',
      '1',
      'null',
      'true',
      '',
      '   ',
      '{',
      '{"a":"b"',
      '{"a":"b",}',
      '{"a" "b"}',
      "{'a':'b'}",
      '{"a":"b"} x',
      '{"a":"b"}{}',
      '{a:"b"}',
      '{"a":"\\x"}',
      '{"a":"\u0001"}',
      '{"secret-key":"b",,}',
    ]
    for (const json of bad) {
      const e = parseError(json)
      expect(e.message).not.toMatch(/secret-key/)
    }
  })

  it('rejects numbers, booleans, null, nested objects and arrays as values', () => {
    const bad = ['{"a":1}', '{"a":"x","b":true}', '{"a":null}', '{"a":{"b":"c"}}', '{"a":["b"]}']
    for (const json of [...bad, '{"a":-0.5e3}']) {
      expect(parseError(json).message).toMatch(/values must be strings/)
    }
  })

  it('rejects duplicate keys, including duplicates spelled with escapes', () => {
    const bad = ['{"a":"1","a":"2"}', '{"a":"1","b":"x","a":"1"}', '{"a":"1","\\u0061":"2"}', '{"__proto__":"1","__proto__":"2"}']
    for (const json of bad) {
      expect(parseError(json).message).toMatch(/duplicate keys/)
    }
    // JSON.parse alone would have silently kept the last value:
    expect(JSON.parse('{"a":"1","a":"2"}')).toEqual({ a: '2' })
  })

  it('rejects an empty key', () => {
    expect(parseError('{"":"v"}').message).toMatch(/keys must not be empty/)
  })

  it('rejects lone surrogates (not representable in UTF-8)', () => {
    expect(parseError('{"a":"\\ud800"}').message).toMatch(/well-formed Unicode/)
    expect(parseError('{"\\udc00x":"v"}').message).toMatch(/well-formed Unicode/)
  })

  it('enforces the 8192-character limit on the JSON text', () => {
    const fill = (n: number): string => `{"k":"${'v'.repeat(n - 8)}"}`
    expect(fill(MAX_ENCRYPTION_CONTEXT_CHARS)).toHaveLength(8192)
    expect(parseEncryptionContextJson(fill(8192)).k).toHaveLength(8184)
    const e = parseError(fill(8193))
    expect(e.message).toMatch(/8192 characters/)
    expect(e.message).not.toMatch(/vvvv/)
  })

  it('treats __proto__ as an ordinary key without polluting prototypes', () => {
    const json = '{"__proto__":"polluted","constructor":"c","toJSON":"t"}'
    const ctx = parseEncryptionContextJson(json)
    expect(Object.getPrototypeOf(ctx)).toBeNull()
    expect(Object.keys(ctx).sort()).toEqual(['__proto__', 'constructor', 'toJSON'])
    expect(ctx['__proto__']).toBe('polluted')
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
    expect(Object.prototype).not.toHaveProperty('polluted')
    expect(canonical(ctx)).toBe(json)
  })

  // Code units biased towards escapes, non-ASCII, astral halves and lone surrogates.
  const unit = fc.oneof(
    fc.constantFrom('a', '"', '\\', '/', '\u0000', '\n', 'é', '\ud83d', '\ude00', '1', '😀'),
    fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  )
  const text = (maxLength: number) => fc.string({ unit, maxLength })
  const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
  const isWellFormed = (s: string): boolean => !loneSurrogate.test(s)

  it('matches a reference model on generated pair lists (property)', () => {
    const key = fc.oneof(text(6), fc.constantFrom('k', '__proto__'))
    const pairs = fc.array(fc.tuple(key, text(6)), { maxLength: 6 })
    fc.assert(
      fc.property(pairs, fc.constantFrom('', ' ', '\n\t '), (list, ws) => {
        const member = ([k, v]: [string, string]): string => `${ws}${JSON.stringify(k)}${ws}:${ws}${JSON.stringify(v)}`
        const members = list.map(member)
        const json = `${ws}{${members.join(',')}}${ws}`
        const keys = list.map(([k]) => k)
        const shouldAccept =
          new Set(keys).size === keys.length &&
          keys.every((k) => k.length > 0) &&
          list.every(([k, v]) => isWellFormed(k) && isWellFormed(v))
        let result: Record<string, string> | undefined
        try {
          result = parseEncryptionContextJson(json)
        } catch (err) {
          expect(err).toBeInstanceOf(KmsError)
        }
        if (!shouldAccept) {
          expect(result).toBeUndefined()
          return
        }
        expect(result).toBeDefined()
        const byKey = (a: [string, string], b: [string, string]): number => (a[0] < b[0] ? -1 : 1)
        expect(Object.entries(result!).sort(byKey)).toEqual([...list].sort(byKey))
      }),
      { numRuns: 3000 },
    )
  })

  it('accepts nothing JSON.parse reads differently; throws only KmsError (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          text(40).map((t) => `{"${t}"}`),
        ),
        (input) => {
          let accepted: Record<string, string> | undefined
          try {
            accepted = parseEncryptionContextJson(input)
          } catch (err) {
            expect(err).toBeInstanceOf(KmsError)
            return
          }
          expect({ ...accepted }).toEqual(JSON.parse(input))
        },
      ),
      { numRuns: 3000 },
    )
  })
})

describe('validateEncryptionContext', () => {
  it('applies the same rules to objects built elsewhere', () => {
    expect(validateEncryptionContext({ a: 'b' })).toEqual({ a: 'b' })
    const expectReject = (obj: unknown, pattern: RegExp): void => {
      expect(() => validateEncryptionContext(obj as Record<string, string>)).toThrow(pattern)
    }
    expectReject({ a: 1 }, /values must be strings/)
    expectReject({ a: { b: 'c' } }, /values must be strings/)
    expectReject(['a'], /not an array/)
    expectReject(null, /must be a JSON object/)
    expectReject('a', /must be a JSON object/)
    expectReject(new Map([['a', 'b']]), /must be a JSON object/)
    expectReject({ '': 'v' }, /keys must not be empty/)
    expectReject({ a: '\ud800' }, /well-formed Unicode/)
    expectReject({ k: 'v'.repeat(8200) }, /8192 characters/)
  })

  it('returns a null-prototype copy, keeping __proto__ as data', () => {
    const input = JSON.parse('{"__proto__":"x","a":"b"}') as Record<string, string>
    const out = validateEncryptionContext(input)
    expect(out).not.toBe(input)
    expect(Object.getPrototypeOf(out)).toBeNull()
    expect(Object.keys(out)).toEqual(['__proto__', 'a'])
  })

  it('measures the limit on the canonical JSON', () => {
    const at = { k: 'v'.repeat(8192 - 8) } // {"k":"…"} is exactly 8192 characters
    expect(validateEncryptionContext(at).k).toHaveLength(8184)
    expect(() => validateEncryptionContext({ k: 'v'.repeat(8185) })).toThrow(KmsError)
  })
})

describe('canonicalEncryptionContext', () => {
  it('is empty for {} and for no context', () => {
    expect(canonicalEncryptionContext(undefined)).toEqual(new Uint8Array(0))
    expect(canonicalEncryptionContext({})).toEqual(new Uint8Array(0))
    const nullProto = Object.create(null) as Record<string, string>
    expect(canonicalEncryptionContext(nullProto)).toHaveLength(0)
  })

  it('is RFC 8785 JCS: sorted by UTF-16 code units, minimal escapes, UTF-8', () => {
    expect(canonical({ b: '2', a: '1' })).toBe('{"a":"1","b":"2"}')
    expect(canonical({ a: '1', b: '2' })).toBe(canonical({ b: '2', a: '1' }))
    // U+1F600 (surrogates D83D DE00) sorts before U+FB01 in UTF-16 order, after it in code points.
    expect(canonical({ '\ufb01': 'x', '\u{1f600}': 'y' })).toBe('{"😀":"y","ﬁ":"x"}')
    expect(canonical({ a: '"\\\n\u0001/é' })).toBe('{"a":"\\"\\\\\\n\\u0001/é"}')
    expect(toHex(canonicalEncryptionContext({ é: 'x' }))).toBe(toHex(utf8('{"é":"x"}')))
  })

  it('is case-sensitive and does not normalise Unicode (NFC and NFD differ)', () => {
    expect(canonical({ Purpose: 'x' })).not.toBe(canonical({ purpose: 'x' }))
    expect(canonical({ p: 'X' })).not.toBe(canonical({ p: 'x' }))
    const nfc = 'caf\u00e9'
    const nfd = 'cafe\u0301'
    expect(nfc.normalize('NFC')).toBe(nfd.normalize('NFC'))
    expect(canonical({ k: nfc })).not.toBe(canonical({ k: nfd }))
    expect(toHex(canonicalEncryptionContext({ k: nfc }))).toBe('7b226b223a22636166c3a9227d')
    expect(toHex(canonicalEncryptionContext({ k: nfd }))).toBe('7b226b223a2263616665cc81227d')
  })

  it('validates its input', () => {
    const numeric = { a: 1 } as unknown as Record<string, string>
    expect(() => canonicalEncryptionContext(numeric)).toThrow(KmsError)
    expect(() => canonicalEncryptionContext({ a: '\udfff' })).toThrow(/well-formed Unicode/)
  })
})
