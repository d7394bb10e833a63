/**
 * Bad input over correctly signed raw requests, on the app with fake deps (test/app/harness.ts):
 * missing and mistyped parameters, strict base64 and the 6 KB plaintext limit, the body limit,
 * hostile alias names, unknown keys in every form, deletion windows and key states, unknown
 * actions and versions, malformed encryption contexts, duplicate parameters, and a seeded
 * fast-check fuzz over every action. Always a 4xx in Alibaba's error shape, never a 5xx, never an
 * echo of plaintext; a refused call writes nothing, and one refused before dispatch never reaches
 * its handler. The wire-level size cases (chunked over node:http, an understated Content-Length,
 * a 200 KiB query string) stay in test/integration/bad-input.test.ts.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  acs3,
  aliasNames,
  createKey,
  expectError,
  expectErrorShape,
  expectOk,
  expectUnhandled,
  keyCount,
  send,
  signedAcs3,
  signedV1,
  stack,
  v1,
  type AppResponse as RawResponse,
  type Pairs,
} from './harness'

type Params = Record<string, string>

const b64 = (data: string | Uint8Array) => Buffer.from(data).toString('base64')
const SECRET_TEXT = 'top secret plaintext 5b1f0c'
const SECRET_B64 = b64(SECRET_TEXT)

/** The response must not carry the secret, in clear or in base64. */
function expectNoPlaintext(res: RawResponse, ...values: string[]): void {
  for (const v of [SECRET_TEXT, SECRET_B64, ...values.filter((x) => x.length >= 8)]) {
    expect(res.text).not.toContain(v)
  }
  expect(res.json?.Plaintext).toBeUndefined()
}

/** A call refused before dispatch: its handler never ran, nothing was written. */
function unhandled(res: RawResponse): RawResponse {
  expectUnhandled(res)
  return res
}

const tagKeys = (tags: Array<{ TagKey: string }>) => tags.map((t) => t.TagKey).sort()
const keyArnOf = (id: string) => `acs:kms:${stack().regionId}:${stack().accountId}:key/${id}`

let keyId: string
let arn: string

beforeAll(async () => {
  keyId = await createKey({ Description: 'bad-input' })
  arn = keyArnOf(keyId)
})

describe('missing and mistyped parameters', () => {
  it('answers 400 MissingParameter naming the parameter', async () => {
    const cases: Array<[string, Params, string]> = [
      ['Encrypt', { Plaintext: SECRET_B64 }, 'KeyId'],
      ['Encrypt', { KeyId: keyId }, 'Plaintext'],
      ['Encrypt', { KeyId: keyId, Plaintext: '' }, 'Plaintext'],
      ['Decrypt', {}, 'CiphertextBlob'],
      ['Decrypt', { CiphertextBlob: '' }, 'CiphertextBlob'],
      ['ScheduleKeyDeletion', { KeyId: keyId }, 'PendingWindowInDays'],
      ['ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: '' }, 'PendingWindowInDays'],
      ['DescribeKey', {}, 'KeyId'],
      ['GenerateDataKey', {}, 'KeyId'],
      ['ReEncrypt', { CiphertextBlob: 'AAAA' }, 'DestinationKeyId'],
      ['CreateAlias', { KeyId: keyId }, 'AliasName'],
      ['SetDeletionProtection', { ProtectedResourceArn: arn }, 'EnableDeletionProtection'],
      ['TagResource', { KeyId: keyId }, 'Tags'],
      ['UntagResource', { KeyId: keyId }, 'TagKeys'],
      ['UpdateKeyDescription', { KeyId: keyId }, 'Description'],
    ]
    for (const [action, params, missing] of cases) {
      const res = await v1(action, params)
      expectError(res, 400, 'MissingParameter')
      expect(res.json.Message, `${action} without ${missing}`).toContain(`"${missing}"`)
      expectNoPlaintext(res)
      expect(res.writes, action).toBe(0)
    }
  })

  it('answers 400 InvalidParameter for values of the wrong type or range', async () => {
    const window = (days: string) => ({ KeyId: keyId, PendingWindowInDays: days })
    const bytes = (n: string) => ({ KeyId: keyId, NumberOfBytes: n })
    const cases: Array<[string, Params, string]> = [
      ['ScheduleKeyDeletion', window('abc'), 'PendingWindowInDays'],
      ['ScheduleKeyDeletion', window('7.5'), 'PendingWindowInDays'],
      ['ScheduleKeyDeletion', window('99999999999'), 'PendingWindowInDays'],
      ['GenerateDataKey', bytes('0'), 'NumberOfBytes'],
      ['GenerateDataKey', bytes('1025'), 'NumberOfBytes'],
      ['GenerateDataKey', bytes('-1'), 'NumberOfBytes'],
      ['GenerateDataKey', bytes('0x10'), 'NumberOfBytes'],
      ['GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_512' }, 'KeySpec'],
      ['SetDeletionProtection', { ProtectedResourceArn: arn, EnableDeletionProtection: 'maybe' }, 'EnableDeletionProtection'],
      ['ListKeys', { PageSize: '0' }, 'PageSize'],
      ['ListKeys', { PageSize: '101' }, 'PageSize'],
      ['ListKeys', { PageNumber: '0' }, 'PageNumber'],
      ['ListAliases', { PageSize: 'ten' }, 'PageSize'],
      ['ListKeys', { Filters: '{"Key":"KeyState"}' }, 'Filters'],
      ['ListKeys', { Filters: '[{"Key":"Color","Values":["red"]}]' }, 'Filters'],
      ['Encrypt', { KeyId: keyId, Plaintext: SECRET_B64, DryRun: 'yes' }, 'DryRun'],
      ['CreateKey', { Tags: '{"TagKey":"a"}' }, 'Tags'],
      ['CreateKey', { Tags: 'not json' }, 'Tags'],
      ['UntagResource', { KeyId: keyId, TagKeys: '[1]' }, 'TagKeys'],
      ['UpdateKeyDescription', { KeyId: keyId, Description: 'x'.repeat(8193) }, 'Description'],
    ]
    const before = await keyCount()
    for (const [action, params, name] of cases) {
      const res = await v1(action, params)
      expectError(res, 400, 'InvalidParameter')
      const what = `${action} ${JSON.stringify(params).slice(0, 80)}`
      expect(res.json.Message, what).toContain(`"${name}"`)
      expectNoPlaintext(res)
      expect(res.writes, what).toBe(0)
    }
    expect(await keyCount()).toBe(before)
    const meta = expectOk(await v1('DescribeKey', { KeyId: keyId })).KeyMetadata
    expect(meta).toMatchObject({
      KeyState: 'Enabled',
      DeletionProtection: 'Disabled',
      Description: 'bad-input',
    })
  })
})

describe('no partial writes', () => {
  it('keeps the old tags when an update passes 20 tags or holds one bad tag', async () => {
    const id = await createKey()
    const tags = Array.from({ length: 19 }, (_, i) => ({ TagKey: `k${i}`, TagValue: `v${i}` }))
    expectOk(await v1('TagResource', { KeyId: id, Tags: JSON.stringify(tags) }))
    const tag = (list: unknown[]) => v1('TagResource', { KeyId: id, Tags: JSON.stringify(list) })
    const more = [
      { TagKey: 'x1', TagValue: '' },
      { TagKey: 'x2', TagValue: '' },
    ]
    expectError(await tag(more), 400, 'Rejected.LimitExceeded')
    const mixed = [
      { TagKey: 'good', TagValue: 'v' },
      { TagKey: 'acs:bad', TagValue: 'v' },
    ]
    expectError(await tag(mixed), 400, 'InvalidParameter')
    const over = Array.from({ length: 21 }, (_, i) => ({ TagKey: `n${i}`, TagValue: '' }))
    expectError(await tag(over), 400, 'InvalidParameter')
    const listed = expectOk(await v1('ListResourceTags', { KeyId: id })).Tags.Tag
    expect(tagKeys(listed)).toEqual(tagKeys(tags))
  })

  it('creates no key when CreateKey carries one bad parameter among good ones', async () => {
    const before = await keyCount()
    const bad: Params[] = [
      { Description: 'ok', KeySpec: 'Aliyun_AES_512' },
      { Description: 'ok', Tags: '[{"TagKey":"aliyun-x","TagValue":"v"}]' },
      { Description: 'ok', EnableAutomaticRotation: 'true', RotationInterval: '1d' },
      { Description: 'ok', ProtectionLevel: 'hsm' },
      { Description: 'a\u0000b' },
    ]
    for (const params of bad) {
      const res = await v1('CreateKey', params)
      expectError(res, 400, 'InvalidParameter')
      expect(res.writes).toBe(0)
    }
    expect(await keyCount()).toBe(before)
  })
})

describe('base64 and plaintext size', () => {
  it('refuses non-standard base64 in Plaintext with 400 InvalidParameter', async () => {
    const std = b64(Uint8Array.from([0xfb, 0xff, 0xbf, 0x01]))
    expect(std).toMatch(/[+/]/)
    const bad = [
      std.replace(/\+/g, '-').replace(/\//g, '_'), // url-safe alphabet
      std.replace(/=+$/, ''), // missing padding
      `${SECRET_B64.slice(0, 8)} ${SECRET_B64.slice(8)}`, // inner space
      `${SECRET_B64.slice(0, 8)}\n${SECRET_B64.slice(8)}`, // inner newline
      ` ${SECRET_B64}`, // leading whitespace
      'aGVsbG9=', // non-zero bits under the padding
      '====',
      'a',
    ]
    for (const value of bad) {
      const res = await v1('Encrypt', { KeyId: keyId, Plaintext: value })
      expectError(res, 400, 'InvalidParameter')
      expect(res.json.Message).toContain('"Plaintext"')
      expectNoPlaintext(res, value.trim())
    }
  })

  it('encrypts 6144 bytes of plaintext and refuses 6145 with 400 InvalidParameter', async () => {
    const ok = expectOk(await v1('Encrypt', { KeyId: keyId, Plaintext: b64(randomBytes(6144)) }))
    expect(ok.KeyId).toBe(keyId)
    const big = b64(randomBytes(6145))
    const res = await v1('Encrypt', { KeyId: keyId, Plaintext: big })
    expectError(res, 400, 'InvalidParameter')
    expectNoPlaintext(res, big.slice(0, 40))
  })

  it('never echoes the plaintext in an error, whatever fails', async () => {
    const disabled = await createKey()
    expectOk(await v1('DisableKey', { KeyId: disabled }))
    const attempts: Params[] = [
      { KeyId: randomUUID(), Plaintext: SECRET_B64 },
      { KeyId: disabled, Plaintext: SECRET_B64 },
      { KeyId: keyId, Plaintext: SECRET_B64, EncryptionContext: '{"a":1}' },
      { KeyId: keyId, Plaintext: SECRET_TEXT },
      { KeyId: 'alias/nope', Plaintext: SECRET_B64 },
      { KeyId: `acs:kms:xx-nowhere-1:${stack().accountId}:key/${keyId}`, Plaintext: SECRET_B64 },
    ]
    for (const params of attempts) {
      const res = await v1('Encrypt', params)
      expectErrorShape(res)
      expectNoPlaintext(res)
    }
    const enc = expectOk(await v1('Encrypt', { KeyId: keyId, Plaintext: SECRET_B64, EncryptionContext: '{"k":"v"}' }))
    const wrong = await v1('Decrypt', {
      CiphertextBlob: enc.CiphertextBlob,
      EncryptionContext: '{"k":"w"}',
    })
    expectError(wrong, 400, 'InvalidCiphertext')
    expectNoPlaintext(wrong)
  })
})

describe('request size limits', () => {
  const pad = 'x'.repeat(200 * 1024)

  it('answers 413 to a 200 KiB form body sent with Content-Length', async () => {
    const before = await keyCount()
    const req = await signedV1('CreateKey', { Description: 'big' })
    req.body = `${String(req.body)}&Pad=${pad}`
    expectError(unhandled(await send(req)), 413, 'RequestEntityTooLarge')
    expect(await keyCount()).toBe(before)
  })

  it('answers 413 to an oversized ACS3 form body whose hash is correct', async () => {
    const req = await signedAcs3('CreateKey', { Description: 'big', Pad: pad }, { where: 'form' })
    expectError(unhandled(await send(req)), 413, 'RequestEntityTooLarge')
  })
})

describe('alias names', () => {
  it('refuses hostile alias names with 400 InvalidParameter and creates no alias', async () => {
    const before = await aliasNames()
    const names = [
      'alias/a#b',
      'alias/a\u0000b',
      'alias/a\r\nb',
      'alias/../x',
      'alias/./x',
      'alias/acs/x',
      'alias/ACS/x',
      `alias/${'a'.repeat(294)}`,
      `alias/${'a'.repeat(250)}`,
      'ALIAS/x',
      'ＡLIAS/x',
      'alias/',
      'alias//x',
      'alias/x/',
      'x',
      'alias/a b',
      'alias/a%2Fb',
      'alias/\u202eevil',
      'alias/ａ',
      'alias/a:b',
      'alias/a\u0085b',
      'alias/SECRET#x#VERSION#1',
    ]
    for (const name of names) {
      const res = await v1('CreateAlias', { AliasName: name, KeyId: keyId })
      expectError(res, 400, 'InvalidParameter')
      expect(res.json.Message).toMatch(/alias/i)
      const upd = await v1('UpdateAlias', { AliasName: name, KeyId: keyId })
      expectError(upd, 400, 'InvalidParameter')
      const del = await v1('DeleteAlias', { AliasName: name })
      expectError(del, 400, 'InvalidParameter')
      for (const r of [res, upd, del]) expect(r.writes, name).toBe(0)
    }
    expect(await aliasNames()).toEqual(before)
  })

  it('accepts the longest valid alias name (255 characters) exactly as given', async () => {
    const name = `alias/${randomUUID().replace(/-/g, '')}${'b'.repeat(217)}`
    expect(name).toHaveLength(255)
    expectOk(await v1('CreateAlias', { AliasName: name, KeyId: keyId }))
    expect(await aliasNames()).toContain(name)
    const again = await v1('CreateAlias', { AliasName: name, KeyId: keyId })
    expectError(again, 400, 'AliasAlreadyExists')
    expectOk(await v1('DeleteAlias', { AliasName: name }))
    expectError(await v1('DeleteAlias', { AliasName: name }), 404, 'Forbidden.AliasNotFound')
  })
})

describe('key identifiers', () => {
  it('answers 404 for unknown keys in every form, on every key action', async () => {
    const s = stack()
    const uuid = randomUUID()
    const forms: Array<[string, string]> = [
      [uuid, 'Forbidden.KeyNotFound'],
      [`acs:kms:${s.regionId}:${s.accountId}:key/${uuid}`, 'Forbidden.KeyNotFound'],
      ['alias/nope', 'Forbidden.AliasNotFound'],
      [`acs:kms:${s.regionId}:${s.accountId}:alias/nope`, 'Forbidden.AliasNotFound'],
      ['not-a-key', 'Forbidden.KeyNotFound'],
      [uuid.toUpperCase(), 'Forbidden.KeyNotFound'],
    ]
    const actions: Array<[string, Params]> = [
      ['DescribeKey', {}],
      ['Encrypt', { Plaintext: SECRET_B64 }],
      ['GenerateDataKey', {}],
      ['GenerateDataKeyWithoutPlaintext', {}],
      ['DisableKey', {}],
      ['EnableKey', {}],
      ['ScheduleKeyDeletion', { PendingWindowInDays: '7' }],
      ['CancelKeyDeletion', {}],
      ['ListAliasesByKeyId', {}],
      ['ListResourceTags', {}],
      ['TagResource', { Tags: '[{"TagKey":"a","TagValue":"b"}]' }],
      ['UpdateKeyDescription', { Description: 'x' }],
    ]
    for (const [id, code] of forms) {
      for (const [action, extra] of actions) {
        const res = await v1(action, { KeyId: id, ...extra })
        const got = { action, id, status: res.status, code: res.json?.Code }
        expect(got).toEqual({ action, id, status: 404, code })
        expectError(res, 404, code)
        expectNoPlaintext(res)
        expect(res.writes, `${action} ${id}`).toBe(0)
      }
    }
  })

  it('answers 400 InvalidParameter for an ARN of another region or a malformed ARN', async () => {
    const s = stack()
    const ids = [
      `acs:kms:cn-shanghai:${s.accountId}:key/${keyId}`,
      `acs:kms:cn-shanghai:${s.accountId}:alias/x`,
      'acs:kms:bad',
      `acs:kms:${s.regionId}:${s.accountId}:secret/x`,
      `acs:kms:${s.regionId}::key/${keyId}`,
    ]
    for (const id of ids) {
      const res = await v1('DescribeKey', { KeyId: id })
      expectError(res, 400, 'InvalidParameter')
      expect(res.json.Message).toContain('"KeyId"')
    }
  })

  it('answers 403 Forbidden.NoPermission for an ARN of another account', async () => {
    const other = stack().accountId === '1234567890123456' ? '6543210987654321' : '1234567890123456'
    const foreign = `acs:kms:${stack().regionId}:${other}:key/${keyId}`
    expectError(unhandled(await v1('DescribeKey', { KeyId: foreign })), 403, 'Forbidden.NoPermission')
  })
})

describe('key deletion and state', () => {
  it('refuses PendingWindowInDays 6 and 367 and accepts 7 and 366', async () => {
    for (const days of ['6', '367', '0', '-7']) {
      const res = await v1('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: days })
      expectError(res, 400, 'InvalidParameter')
    }
    expect(expectOk(await v1('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyState).toBe('Enabled')
    for (const days of [7, 366]) {
      const id = await createKey()
      expectOk(await v1('ScheduleKeyDeletion', { KeyId: id, PendingWindowInDays: String(days) }))
      const meta = expectOk(await v1('DescribeKey', { KeyId: id })).KeyMetadata
      expect(meta.KeyState).toBe('PendingDeletion')
      const window = (Date.parse(meta.DeleteDate) - Date.now()) / 86_400_000
      expect(window).toBeGreaterThan(days - 0.01)
      expect(window).toBeLessThan(days + 0.01)
    }
  })

  it('answers 409 to CancelKeyDeletion on an Enabled or Disabled key', async () => {
    const id = await createKey()
    expectError(await v1('CancelKeyDeletion', { KeyId: id }), 409, 'Rejected.StateModifiedFailed')
    expectOk(await v1('DisableKey', { KeyId: id }))
    expectError(await v1('CancelKeyDeletion', { KeyId: id }), 409, 'Rejected.StateModifiedFailed')
    expect(expectOk(await v1('DescribeKey', { KeyId: id })).KeyMetadata.KeyState).toBe('Disabled')
  })

  it('answers 409 Rejected.Disabled / Rejected.PendingDeletion to crypto calls', async () => {
    const states: Array<[string, (id: string) => Promise<RawResponse>]> = [
      ['Rejected.Disabled', (id) => v1('DisableKey', { KeyId: id })],
      ['Rejected.PendingDeletion', (id) => v1('ScheduleKeyDeletion', { KeyId: id, PendingWindowInDays: '7' })],
    ]
    const encrypt = async (id: string) => expectOk(await v1('Encrypt', { KeyId: id, Plaintext: SECRET_B64 })).CiphertextBlob as string
    for (const [code, toState] of states) {
      const id = await createKey()
      const blob = await encrypt(id)
      const other = await encrypt(keyId)
      expectOk(await toState(id))
      const calls: Array<[string, Params]> = [
        ['Encrypt', { KeyId: id, Plaintext: SECRET_B64 }],
        ['Decrypt', { CiphertextBlob: blob }],
        ['GenerateDataKey', { KeyId: id }],
        ['GenerateDataKeyWithoutPlaintext', { KeyId: id }],
        ['ReEncrypt', { CiphertextBlob: blob, DestinationKeyId: keyId }],
        ['ReEncrypt', { CiphertextBlob: other, DestinationKeyId: id }],
      ]
      for (const [action, params] of calls) {
        const res = await v1(action, params)
        expect({ action, code: res.json?.Code }).toEqual({ action, code })
        expectError(res, 409, code)
        expectNoPlaintext(res)
      }
    }
  })

  it('refuses ScheduleKeyDeletion with 409 under deletion protection', async () => {
    const id = await createKey()
    const protect = (on: string) =>
      v1('SetDeletionProtection', {
        ProtectedResourceArn: keyArnOf(id),
        EnableDeletionProtection: on,
        ...(on === 'true' ? { DeletionProtectionDescription: 'keep' } : {}),
      })
    expectOk(await protect('true'))
    const res = await v1('ScheduleKeyDeletion', { KeyId: id, PendingWindowInDays: '7' })
    expectError(res, 409, 'Rejected.DeletionProtection')
    const meta = expectOk(await v1('DescribeKey', { KeyId: id })).KeyMetadata
    expect(meta).toMatchObject({ KeyState: 'Enabled', DeletionProtection: 'Enabled' })
    expect(meta.DeleteDate).toBeUndefined()
    expectOk(await protect('false'))
    expectOk(await v1('ScheduleKeyDeletion', { KeyId: id, PendingWindowInDays: '7' }))
  })
})

describe('action and version', () => {
  it('answers 404 InvalidAction.NotFound to unknown and prototype-named actions', async () => {
    const actions = ['Nope', 'encrypt', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'Encrypt ', 'A'.repeat(300)]
    for (const action of actions) {
      const res = unhandled(await v1(action, {}))
      expectError(res, 404, 'InvalidAction.NotFound')
      expect(res.text).not.toContain('A'.repeat(100))
    }
    expectError(unhandled(await v1('', {})), 400, 'MissingParameter')
  })

  it('answers 400 to a wrong or missing Version (V1 and ACS3)', async () => {
    for (const version of ['2016-01-21', '2014-05-26', 'latest']) {
      expectError(unhandled(await v1('DescribeRegions', {}, { version })), 400, 'InvalidVersion')
      const acs = unhandled(await send(await signedAcs3('DescribeRegions', {}, { version })))
      expectError(acs, 400, 'InvalidVersion')
    }
    expectError(unhandled(await v1('DescribeRegions', {}, { version: '' })), 400, 'MissingParameter')
  })

  it('answers 404 to another path', async () => {
    const req = await signedV1('DescribeRegions', {}, { method: 'GET' })
    const res = unhandled(await send({ ...req, url: req.url.replace('/?', '/v1/?') }))
    expectError(res, 404, 'InvalidAction.NotFound')
  })
})

describe('encryption context', () => {
  it('refuses malformed contexts with 400 InvalidParameter', async () => {
    const long = `{"a":"${'x'.repeat(8185)}"}`
    expect(long).toHaveLength(8193)
    const bad: Params[] = [
      { EncryptionContext: '[1]' },
      { EncryptionContext: '{"a":1}' },
      { EncryptionContext: '{"a":"1","a":"2"}' },
      { EncryptionContext: '{"a":"1","\\u0061":"2"}' },
      { EncryptionContext: '{"a":{"b":"c"}}' },
      { EncryptionContext: '{"a":null}' },
      { EncryptionContext: '{"":"x"}' },
      { EncryptionContext: '{"a":"b"} x' },
      { EncryptionContext: '"str"' },
      { EncryptionContext: '{"a":"\\ud800"}' },
      { EncryptionContext: long },
      { EncryptionContext: '{"a":"b"}', 'EncryptionContext.c': 'd' },
      { 'EncryptionContext.': 'd' },
    ]
    for (const params of bad) {
      for (const action of ['Encrypt', 'GenerateDataKey']) {
        const res = await v1(action, { KeyId: keyId, Plaintext: SECRET_B64, ...params })
        expectError(res, 400, 'InvalidParameter')
        expect(res.json.Message).toContain('EncryptionContext')
        expectNoPlaintext(res)
      }
    }
  })

  it('names Source/DestinationEncryptionContext in their errors', async () => {
    for (const name of ['SourceEncryptionContext', 'DestinationEncryptionContext']) {
      const res = await v1('ReEncrypt', {
        CiphertextBlob: 'AAAA',
        DestinationKeyId: keyId,
        [name]: '[1]',
      })
      expectError(res, 400, 'InvalidParameter')
      expect(res.json.Message).toContain(`"${name}"`)
    }
  })

  it('accepts a context of exactly 8192 characters', async () => {
    const ctx = `{"a":"${'x'.repeat(8184)}"}`
    expect(ctx).toHaveLength(8192)
    const params = { KeyId: keyId, Plaintext: SECRET_B64, EncryptionContext: ctx }
    const enc = expectOk(await v1('Encrypt', params))
    const dec = expectOk(await v1('Decrypt', { CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ctx }))
    expect(dec.Plaintext).toBe(SECRET_B64)
  })
})

describe('duplicate parameters and malformed encoding', () => {
  it('refuses a parameter given twice with 400 ParseRequestParameterException', async () => {
    const CODE = 'ParseRequestParameterException'
    const before = await keyCount()
    const dup: Pairs = [
      ['Description', 'a'],
      ['Description', 'b'],
    ]
    for (const method of ['GET', 'POST'] as const) {
      expectError(unhandled(await v1('CreateKey', dup, { method })), 400, CODE)
    }
    // once in the query, once in the form body
    const req = await signedV1('CreateKey', { Description: 'a' })
    expectError(unhandled(await send({ ...req, url: `${req.url}?Description=b` })), 400, CODE)
    // the Signature itself twice
    const sig = encodeURIComponent(new URLSearchParams(String(req.body)).get('Signature')!)
    expectError(unhandled(await send({ ...req, url: `${req.url}?Signature=${sig}` })), 400, CODE)
    // Action twice (both signed): there is no right one to pick
    expectError(unhandled(await v1('CreateKey', [['Action', 'DescribeRegions']])), 400, CODE)
    expect(await keyCount()).toBe(before)
  })

  it('refuses malformed percent-escapes and invalid UTF-8 with 400', async () => {
    const before = await keyCount()
    const get = await signedV1('CreateKey', {}, { method: 'GET' })
    for (const raw of ['%FF', '%ED%A0%80', '%zz', '%C0%AF', '%']) {
      const res = unhandled(await send({ ...get, url: `${get.url}&Description=${raw}` }))
      expectError(res, 400, 'ParseRequestParameterException')
    }
    const post = await signedV1('CreateKey', {})
    const body = Buffer.concat([Buffer.from(`${String(post.body)}&Description=`), Buffer.from([0xc3, 0x28])])
    expectError(unhandled(await send({ ...post, body })), 400, 'ParseRequestParameterException')
    expect(await keyCount()).toBe(before)
  })
})

describe('prototype-named keys in JSON parameters', () => {
  it('refuses a ListKeys filter named "__proto__" with 400, never a 500', async () => {
    const res = await v1('ListKeys', { Filters: '[{"Key":"__proto__","Values":["Enabled"]}]' })
    expectError(res, 400, 'InvalidParameter')
  })

  it('refuses ListKeys filters named "constructor" or "toString" with 400', async () => {
    for (const key of ['constructor', 'toString']) {
      const filters = JSON.stringify([{ Key: key, Values: ['Enabled'] }])
      expectError(await v1('ListKeys', { Filters: filters }), 400, 'InvalidParameter')
    }
  })

  it('stores or refuses a tag named "constructor", never a 503', async () => {
    const before = await keyCount()
    const tags = JSON.stringify([{ TagKey: 'constructor', TagValue: 'v' }])
    const created = await v1('CreateKey', { Tags: tags })
    const tagged = await v1('TagResource', { KeyId: keyId, Tags: tags })
    for (const res of [created, tagged]) {
      if (res.status !== 200) expectError(res, 400, 'InvalidParameter')
    }
    if (created.status !== 200) expect(await keyCount()).toBe(before)
    if (tagged.status === 200) {
      const listed = expectOk(await v1('ListResourceTags', { KeyId: keyId })).Tags.Tag
      expect(listed).toContainEqual({ KeyId: keyId, TagKey: 'constructor', TagValue: 'v' })
    }
  })

  it('stores or refuses a tag named "__proto__", never drops it silently', async () => {
    const id = await createKey()
    const tags = '[{"TagKey":"__proto__","TagValue":"v"}]'
    const res = await v1('TagResource', { KeyId: id, Tags: tags })
    if (res.status !== 200) return expectError(res, 400, 'InvalidParameter')
    const listed = expectOk(await v1('ListResourceTags', { KeyId: id })).Tags.Tag
    expect(listed).toEqual([{ KeyId: id, TagKey: '__proto__', TagValue: 'v' }])
  })

  it('keeps tags named after other Object.prototype members', async () => {
    const id = await createKey()
    const tags = ['toString', 'hasOwnProperty', 'valueOf'].map((k) => ({ TagKey: k, TagValue: k }))
    expectOk(await v1('TagResource', { KeyId: id, Tags: JSON.stringify(tags) }))
    const listed = expectOk(await v1('ListResourceTags', { KeyId: id })).Tags.Tag
    expect(tagKeys(listed)).toEqual(['hasOwnProperty', 'toString', 'valueOf'])
  })

  it('binds a context key "__proto__" like any other key', async () => {
    const forms: Params[] = [{ EncryptionContext: '{"__proto__":"x"}' }, { 'EncryptionContext.__proto__': 'x' }]
    for (const params of forms) {
      const enc = expectOk(await v1('Encrypt', { KeyId: keyId, Plaintext: SECRET_B64, ...params }))
      const bare = await v1('Decrypt', { CiphertextBlob: enc.CiphertextBlob })
      expectError(bare, 400, 'InvalidCiphertext')
      const dec = expectOk(await v1('Decrypt', { CiphertextBlob: enc.CiphertextBlob, ...params }))
      expect(dec.Plaintext).toBe(SECRET_B64)
    }
  })
})

describe('random parameters (fast-check)', () => {
  const ACTIONS = [
    'CreateKey',
    'DescribeKey',
    'ListKeys',
    'EnableKey',
    'DisableKey',
    'UpdateKeyDescription',
    'ScheduleKeyDeletion',
    'CancelKeyDeletion',
    'SetDeletionProtection',
    'CreateAlias',
    'UpdateAlias',
    'DeleteAlias',
    'ListAliases',
    'ListAliasesByKeyId',
    'TagResource',
    'UntagResource',
    'ListResourceTags',
    'Encrypt',
    'Decrypt',
    'GenerateDataKey',
    'GenerateDataKeyWithoutPlaintext',
    'ReEncrypt',
    'DescribeRegions',
    'DescribeAccountKmsStatus',
    'Nope',
    'constructor',
  ]
  const NAMES = [
    'KeyId',
    'Plaintext',
    'CiphertextBlob',
    'EncryptionContext',
    'EncryptionContext.a',
    'NumberOfBytes',
    'KeySpec',
    'KeyUsage',
    'Origin',
    'ProtectionLevel',
    'Description',
    'PendingWindowInDays',
    'AliasName',
    'Tags',
    'TagKeys',
    'PageSize',
    'PageNumber',
    'Filters',
    'EnableDeletionProtection',
    'ProtectedResourceArn',
    'DeletionProtectionDescription',
    'DestinationKeyId',
    'SourceEncryptionContext',
    'DestinationEncryptionContext',
    'DryRun',
    'EnableAutomaticRotation',
    'RotationInterval',
    'DKMSInstanceId',
    '__proto__',
    'constructor',
  ]
  const PLAINTEXT_ACTIONS = new Set(['Decrypt', 'GenerateDataKey'])
  /** Refused by the pipeline (parse, authentication, authorisation), never by a handler. */
  const BEFORE_DISPATCH = new Set(['InvalidAction.NotFound', 'ParseRequestParameterException', 'Forbidden.NoPermission'])

  it('answers 2xx or a well-formed 4xx to random requests, never a 5xx or an echo', async () => {
    const keys = [await createKey({ Description: 'fuzz' }), await createKey()]
    const enc = expectOk(await v1('Encrypt', { KeyId: keys[0]!, Plaintext: SECRET_B64 }))
    const blob = enc.CiphertextBlob as string
    const KNOWN_BAD = new Set<string>()
    const word = fc
      .oneof(fc.constantFrom('KeyState', 'KeySpec', 'Enabled', 'a', 'aliyun:x', 'acs:x', ''), fc.string({ unit: 'binary', maxLength: 20 }))
      .filter((w) => !KNOWN_BAD.has(w))
    const json = (arb: fc.Arbitrary<unknown>) => arb.map((v) => JSON.stringify(v))
    const structured = fc.oneof(
      json(fc.array(fc.record({ TagKey: word, TagValue: word }), { maxLength: 22 })),
      json(fc.array(fc.record({ Key: word, Values: fc.array(word, { maxLength: 3 }) }))),
      json(fc.dictionary(word, word, { maxKeys: 4 })),
      json(fc.array(word, { maxLength: 4 })),
    )
    const flipOne = (i: number) => `${blob.slice(0, i)}${blob[i] === 'A' ? 'B' : 'A'}${blob.slice(i + 1)}`
    const value = fc.oneof(
      fc.constantFrom(...keys, keyArnOf(keys[1]!), 'alias/fuzz', blob),
      fc.constantFrom('', 'true', 'false', '0', '-1', '7', '1024', '1025', '99999999999'),
      fc.constantFrom('AES_256', 'Aliyun_AES_256', 'null', '30d'),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 300 }),
      fc.uint8Array({ minLength: 1, maxLength: 200 }).map((u) => b64(u)),
      fc.json({ maxDepth: 3 }),
      fc.integer().map(String),
      structured,
      fc.nat({ max: blob.length - 1 }).map(flipOne),
    )
    const params = fc.uniqueArray(fc.tuple(fc.constantFrom(...NAMES), value), {
      maxLength: 6,
      selector: ([k]) => k,
    })
    const how = fc.constantFrom('v1-get', 'v1-post', 'acs3-query', 'acs3-form')
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31)
    console.log(`bad-input fuzz seed: ${seed} (rerun with FUZZ_SEED=${seed})`)
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ACTIONS), params, how, async (action, list, via) => {
        const pairs = list as Pairs
        const res = via.startsWith('v1')
          ? await v1(action, pairs, { method: via === 'v1-get' ? 'GET' : 'POST' })
          : await acs3(action, pairs, { where: via === 'acs3-form' ? 'form' : 'query' })
        expect(res.status, res.text).toBeLessThan(500)
        if (res.status === 200) {
          expect(res.json.RequestId).toEqual(expect.any(String))
          if (!PLAINTEXT_ACTIONS.has(action)) expect(res.json.Plaintext).toBeUndefined()
          return
        }
        expectErrorShape(res)
        if (BEFORE_DISPATCH.has(res.json.Code)) expectUnhandled(res)
        expect(res.json.Message.length).toBeLessThan(400)
        for (const [name, v] of pairs) {
          if (v.length >= 16 && name !== 'KeyId' && !v.startsWith('acs:')) {
            expect(res.json.Message).not.toContain(v)
          }
        }
        expect(res.text).not.toContain(SECRET_B64)
      }),
      { seed, numRuns: Number(process.env.FUZZ_RUNS ?? 300) },
    )
  })
})
