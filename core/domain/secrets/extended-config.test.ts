import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { KmsError } from '../../errors'
import { MAX_EXTENDED_CONFIG_LENGTH, parseExtendedConfig } from './extended-config'

function failure(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (err instanceof KmsError) return `${err.code} ${err.details?.parameter}`
    throw err
  }
  return 'ok'
}

describe('parseExtendedConfig', () => {
  const config = { SecretSubType: 'SingleUser', DBInstanceId: 'rm-1', CustomData: { Key1: 'v1' } }

  it('reads the JSON string form (CreateSecret as every SDK sends it)', () => {
    expect(parseExtendedConfig(JSON.stringify(config), [])).toEqual(config)
    expect(parseExtendedConfig(undefined, [])).toBeUndefined()
    expect(parseExtendedConfig('', [])).toBeUndefined()
  })

  it('reads the flattened forms to the same object (UpdateSecret as the SDKs send it)', () => {
    expect(parseExtendedConfig(undefined, [['CustomData', '{"DBName":"app1","Port":"3306"}']])).toEqual({
      CustomData: { DBName: 'app1', Port: '3306' },
    })
    expect(
      parseExtendedConfig(undefined, [
        ['CustomData.DBName', 'app1'],
        ['CustomData.Port', '3306'],
      ]),
    ).toEqual({
      CustomData: { DBName: 'app1', Port: '3306' },
    })
    expect(
      parseExtendedConfig(undefined, [
        ['SecretSubType', 'SingleUser'],
        ['DBInstanceId', 'rm-1'],
        ['CustomData', '{"Key1":"v1"}'],
      ]),
    ).toEqual(config)
  })

  it('refuses both forms at once, malformed JSON, non-objects and clashing paths', () => {
    expect(failure(() => parseExtendedConfig('{}', [['CustomData', '{}']]))).toBe('validation.invalidParameter ExtendedConfig')
    expect(failure(() => parseExtendedConfig('{', []))).toBe('validation.invalidParameter ExtendedConfig')
    expect(failure(() => parseExtendedConfig('[1]', []))).toBe('validation.invalidParameter ExtendedConfig')
    expect(failure(() => parseExtendedConfig('"x"', []))).toBe('validation.invalidParameter ExtendedConfig')
    expect(
      failure(() =>
        parseExtendedConfig(undefined, [
          ['CustomData', 'x'],
          ['CustomData.k', 'v'],
        ]),
      ),
    ).toBe('validation.invalidParameter ExtendedConfig.CustomData.k')
    expect(failure(() => parseExtendedConfig(undefined, [['__proto__.x', 'v']]))).toBe(
      'validation.invalidParameter ExtendedConfig.__proto__.x',
    )
    expect(failure(() => parseExtendedConfig(undefined, [['CustomData', '"text"']]))).toBe(
      'validation.invalidParameter ExtendedConfig.CustomData',
    )
    expect(failure(() => parseExtendedConfig(undefined, [['SecretSubType', 'SingleUser']]))).toBe('ok')
    expect(failure(() => parseExtendedConfig('{"CustomData":"text"}', []))).toBe('validation.invalidParameter ExtendedConfig.CustomData')
  })

  it('enforces Alibaba limits: 1,024 characters, CustomData at most 10 pairs', () => {
    const fits = JSON.stringify({ CustomData: { k: 'x'.repeat(MAX_EXTENDED_CONFIG_LENGTH - 23) } })
    expect(fits).toHaveLength(MAX_EXTENDED_CONFIG_LENGTH)
    expect(failure(() => parseExtendedConfig(fits, []))).toBe('ok')
    const over = JSON.stringify({ CustomData: { k: 'x'.repeat(MAX_EXTENDED_CONFIG_LENGTH - 22) } })
    expect(failure(() => parseExtendedConfig(over, []))).toBe('validation.invalidParameter ExtendedConfig')
    const flatOver: Array<[string, string]> = [['CustomData.k', 'x'.repeat(MAX_EXTENDED_CONFIG_LENGTH)]]
    expect(failure(() => parseExtendedConfig(undefined, flatOver))).toBe('validation.invalidParameter ExtendedConfig')
    const ten = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 'v']))
    expect(failure(() => parseExtendedConfig(JSON.stringify({ CustomData: ten }), []))).toBe('ok')
    const eleven = { ...ten, k10: 'v' }
    expect(failure(() => parseExtendedConfig(JSON.stringify({ CustomData: eleven }), []))).toBe(
      'validation.invalidParameter ExtendedConfig.CustomData',
    )
  })

  it('never echoes a value in its messages', () => {
    try {
      parseExtendedConfig('{"CustomData":"s3cr3t-value"', [])
    } catch (err) {
      expect((err as Error).message).not.toContain('s3cr3t')
    }
  })

  it('only ever answers a config object or InvalidParameter, for any input', () => {
    const path = fc.array(fc.oneof(fc.constantFrom('CustomData', '__proto__', 'constructor', '', 'a'), fc.string({ maxLength: 6 })), {
      minLength: 1,
      maxLength: 3,
    })
    const text = fc.oneof(fc.json({ maxDepth: 3 }), fc.string({ maxLength: 40 }), fc.constantFrom('{', '[', '{}', '[]', 'null'))
    fc.assert(
      fc.property(
        fc.option(text, { nil: undefined }),
        fc.array(
          fc.tuple(
            path.map((p) => p.join('.')),
            text,
          ),
          { maxLength: 4 },
        ),
        (json, flat) => {
          try {
            const config = parseExtendedConfig(json, flat)
            if (config !== undefined) {
              expect(typeof config).toBe('object')
              expect(JSON.stringify(config).length).toBeLessThanOrEqual(MAX_EXTENDED_CONFIG_LENGTH)
            }
          } catch (err) {
            expect(err).toBeInstanceOf(KmsError)
            expect((err as KmsError).code).toBe('validation.invalidParameter')
          }
        },
      ),
      { numRuns: 500 },
    )
  })
})
