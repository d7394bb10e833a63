/**
 * Generated bad input: N malformed RPC requests from a seeded generator over every action of the
 * KMS, RAM and ActionTrail registries × every parameter name the actions read (their descriptors'
 * schemas, plus the names scraped from functions/alibaba), with wrong types, missing and
 * duplicated parameters, bad encodings, huge and deep values and fast-check strings/JSON; most
 * are correctly signed with the stack's real AccessKey (so they reach the handlers), the rest
 * unsigned, badly signed, stale or malformed on the wire. Secret-bearing parameters carry
 * recognisable random canaries.
 *
 * Figures: responses by status, 5xx (must be 0), responses and log lines echoing a canary or the
 * AccessKey secret (must be 0), and table items changed by refused requests (must be 0): the
 * table is dumped before and after; AUDIT# items are excluded (every call writes one by design),
 * and so are items an accepted (200) request names (its parameters or response values), since
 * a generated request that happens to be valid may legitimately write.
 */
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { KMS_ACTIONS } from '../../../functions/alibaba/registry'
import { RAM_ACTIONS, RAM_VERSION } from '../../../functions/alibaba/ram/registry'
import { STS_ACTIONS } from '../../../functions/alibaba/sts/registry'
import { TRAIL_ACTIONS, TRAIL_VERSION } from '../../../functions/alibaba/trail/registry'
import { ROOT } from '../stack'
import {
  b64,
  bump,
  call,
  encodePairs,
  isoSeconds,
  KMS_VERSION,
  newNonce,
  pool,
  send,
  signed,
  type Pairs,
  type Reply,
  type Wire,
} from './client'
import type { TortureStack } from './harness'

export interface BadInputFigures {
  seed: number
  requests: number
  signed: number
  unsigned: number
  actions: number
  parameterNames: number
  seconds: number
  statuses: Record<string, number>
  accepted: number
  fiveXx: number
  /** No HTTP response at all (reset, refused): reported with the 5xx samples. */
  connectionErrors: number
  /** Requests whose connection was reset before any answer and that were sent once more. */
  resetsRetried: number
  fiveXxSamples: string[]
  echoesInResponses: number
  echoesInLogs: number
  echoSamples: string[]
  tableItemsChangedByRefused: number
  changedSamples: string[]
  auditItemsAdded: number
}

/**
 * Every parameter name an action reads: its descriptor's schema, and the names the sources read
 * by hand (plus the base64 payload names).
 */
export function parameterNames(): string[] {
  const names = new Set(['Plaintext', 'CiphertextBlob', 'Message', 'Digest', 'Value', 'EncryptedKeyMaterial', 'PublicKeyBlob', 'Mac'])
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry)
      if (statSync(path).isDirectory()) walk(path)
      else if (entry.endsWith('.ts') && !entry.endsWith('.test.ts')) {
        const text = readFileSync(path, 'utf8')
        for (const m of text.matchAll(/[A-Za-z0-9]+\(\s*(?:params,\s*)?'([A-Z][A-Za-z0-9.]*)'/g)) names.add(m[1]!)
      }
    }
  }
  walk(join(ROOT, 'functions/alibaba'))
  for (const actions of [KMS_ACTIONS, RAM_ACTIONS, STS_ACTIONS, TRAIL_ACTIONS]) {
    for (const descriptor of actions.values()) for (const name of Object.keys(descriptor.params)) names.add(name)
  }
  for (const p of ['Action', 'Version', 'Format', 'AccessKeyId', 'Signature', 'SignatureMethod', 'SignatureNonce', 'Timestamp', 'RegionId'])
    names.delete(p)
  return [...names].sort()
}

const SECRET_PARAMS = /Plaintext|SecretData|Password|KeyMaterial|Message|Value$/

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Canaries {
  values: string[]
  next(): string
}

function canaries(): Canaries {
  const values: string[] = []
  return {
    values,
    next() {
      const c = `CANARY${randomBytes(9).toString('hex')}`
      values.push(c)
      return c
    },
  }
}

interface Generated {
  wire: Wire
  action: string
  params: Pairs
  signed: boolean
  /** The secret-bearing values this request carried (a response must echo none of them). */
  secrets?: string[]
}

export async function runBadInput(ts: TortureStack, opts: { count: number; concurrency: number; seed?: number }): Promise<BadInputFigures> {
  const seed = opts.seed ?? (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0
  const rnd = prng(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!
  const target = ts.target
  const canary = canaries()

  // A few real resources so generated requests meet existing keys, aliases and secrets.
  const keyId = (await call(target, 'CreateKey', { Description: 'torture bad-input' })).json?.KeyMetadata?.KeyId as string
  const alias = `alias/torture-${randomBytes(4).toString('hex')}`
  await call(target, 'CreateAlias', { AliasName: alias, KeyId: keyId })
  const secretName = `torture-${randomBytes(4).toString('hex')}`
  await call(target, 'CreateSecret', { SecretName: secretName, VersionId: 'v1', SecretData: canary.next(), EncryptionKeyId: keyId })
  const blob = (await call(target, 'Encrypt', { KeyId: keyId, Plaintext: b64(canary.next()) })).json?.CiphertextBlob as string

  const apis: Array<{ version: string; actions: string[] }> = [
    { version: KMS_VERSION, actions: [...KMS_ACTIONS.keys()] },
    { version: RAM_VERSION, actions: [...RAM_ACTIONS.keys()] },
    { version: TRAIL_VERSION, actions: [...TRAIL_ACTIONS.keys()] },
  ]
  const names = parameterNames()
  const arn = `acs:kms:${target.regionId}:${ts.stack.credentials.accountId}:key/${keyId}`

  const fcSeed = seed
  const fcStrings = fc.sample(fc.string({ unit: 'binary', maxLength: 64 }), { seed: fcSeed, numRuns: 400 })
  const fcJson = fc.sample(fc.json({ depthSize: 'medium' }), { seed: fcSeed + 1, numRuns: 300 })
  const fcAnything = fc
    .sample(fc.anything({ withObjectString: true, withNullPrototype: true }), { seed: fcSeed + 2, numRuns: 200 })
    .map((v) => {
      try {
        return JSON.stringify(v) ?? String(v)
      } catch {
        return String(v)
      }
    })
  const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`
  const deepObj = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`
  const fixed = [
    '',
    ' ',
    'true',
    'false',
    'TRUE',
    '0',
    '-1',
    '1.5',
    '1e309',
    'NaN',
    'Infinity',
    '0x10',
    '9'.repeat(400),
    '-0',
    '007',
    'null',
    'undefined',
    '[]',
    '{}',
    '[1,2',
    '{"a":',
    '{"a":1,"a":2}',
    '{"__proto__":{"polluted":1}}',
    '{"constructor":{"prototype":{"x":1}}}',
    '[{"Key":"constructor","Value":"x"}]',
    '[{"TagKey":"__proto__","TagValue":"x"}]',
    '[{"TagKey":1}]',
    '["a",null]',
    'AAAA',
    'AAA',
    '====',
    'A===',
    'YWJj ZA==',
    'YWJj\nZA==',
    '-_-_',
    'YWJjZA',
    '%%%',
    '\u0000',
    'a\u0000b',
    '\uD800',
    '\uDFFF\uD800',
    '\u202E',
    '\uFEFF{}',
    '😀'.repeat(50),
    '../../etc/passwd',
    'alias/',
    'alias/acs/x',
    'alias/a b',
    'alias/' + 'a'.repeat(300),
    keyId.toUpperCase(),
    `${keyId}x`,
    '00000000-0000-0000-0000-000000000000',
    arn.replace(target.regionId, 'eu-west-1'),
    arn.replace(/:\d+:/, ':1:'),
    'acs:kms:::key/',
    'key/' + keyId,
    '2026-13-45T99:99:99Z',
    '1970-01-01T00:00:00Z',
    '-86400',
    '366',
    '367',
    '6',
    '7',
    '100000',
    '2147483648',
    '18446744073709551616',
    'A'.repeat(4097),
    'A'.repeat(8193),
    deep(64),
    deep(5000),
    deepObj(2000),
    'x'.repeat(70_000),
  ]
  const real = [
    keyId,
    alias,
    arn,
    secretName,
    blob,
    'v1',
    'ACSCurrent',
    'ACSPrevious',
    'Aliyun_AES_256',
    'RSA_2048',
    'ENCRYPT/DECRYPT',
    'HSM',
    'SOFTWARE',
    'EXTERNAL',
    'Enabled',
    '7',
    '30',
    'true',
  ]

  const value = (name: string): string => {
    const r = rnd()
    if (SECRET_PARAMS.test(name) && r < 0.5) {
      const c = canary.next()
      return rnd() < 0.5 ? b64(c) : c
    }
    if (r < 0.25) return pick(fixed)
    if (r < 0.45) return pick(fcStrings)
    if (r < 0.6) return pick(fcJson.map((j) => JSON.stringify(j)))
    if (r < 0.7) return pick(fcAnything)
    if (r < 0.9) return pick(real)
    return pick(fixed).repeat(1 + Math.floor(rnd() * 3))
  }

  const generate = async (): Promise<Generated> => {
    const api = rnd() < 0.85 ? apis[0]! : pick(apis.slice(1))
    const action = rnd() < 0.97 ? pick(api.actions) : pick(['', 'encrypt', 'Encrypt ', 'Nope', '__proto__', 'constructor', 'A'.repeat(300)])
    const params: Pairs = []
    const n = Math.floor(rnd() * 6)
    for (let i = 0; i < n; i++) {
      const name = rnd() < 0.95 ? pick(names) : pick(['__proto__', 'constructor', 'keyid', 'Tags.1.Key', '', 'X'.repeat(200), 'Key Id'])
      params.push([name, value(name)])
      if (rnd() < 0.08) params.push([name, value(name)]) // duplicated parameter
    }
    // Every request carries at least one secret-bearing canary so any echo would show.
    if (rnd() < 0.3) params.push([pick(['Plaintext', 'SecretData']), b64(canary.next())])
    const kind = rnd()
    const version = rnd() < 0.03 ? pick(['2015-01-01', '', 'latest', KMS_VERSION + ' ']) : api.version
    if (kind < 0.7) {
      return {
        wire: await signed(target, action, params, { version, method: rnd() < 0.85 ? 'POST' : 'GET' }),
        action,
        params,
        signed: true,
      }
    }
    if (kind < 0.82) return { wire: await signed(target, action, params, { version, unsigned: true }), action, params, signed: false }
    if (kind < 0.92) {
      // Signed, then corrupted: a wrong secret, a stale timestamp, a parameter added after signing.
      const which = rnd()
      if (which < 0.4) {
        const w = await signed({ ...target, accessKeySecret: canary.next() }, action, params, { version })
        return { wire: w, action, params, signed: false }
      }
      if (which < 0.7) {
        const w = await signed(target, action, params, { version })
        w.body = w.body!.replace(/Timestamp=[^&]*/, `Timestamp=${encodeURIComponent(isoSeconds(new Date(Date.now() - 3_600_000)))}`)
        return { wire: w, action, params, signed: false }
      }
      const w = await signed(target, action, params, { version })
      w.body = `${w.body}&${encodePairs([[pick(names), value('x')]])}`
      return { wire: w, action, params, signed: false }
    }
    // Malformed on the wire: broken percent-escapes, invalid UTF-8, bare separators, a JSON body.
    const junk = pick([
      `Action=${action}&Version=${version}&Plaintext=%ZZ%FF%FE&SignatureNonce=${newNonce()}`,
      `Action=Encrypt&KeyId=${keyId}&Plaintext=%C3%28${b64(canary.next())}`,
      '&&&===&=&',
      `Action=Encrypt&Action=Decrypt&SecretData=${canary.next()}`,
      JSON.stringify({ Action: action, Plaintext: b64(canary.next()) }),
      `Action=${'%'.repeat(1000)}`,
      `${'a=b&'.repeat(5000)}`,
    ])
    const ct = pick([
      'application/x-www-form-urlencoded',
      'application/json',
      'text/plain',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded; charset=latin1',
    ])
    return {
      wire: { method: 'POST', url: `${target.endpoint}/`, headers: { 'content-type': ct }, body: junk },
      action,
      params,
      signed: false,
      secrets: canary.values.slice(-1),
    }
  }

  const before = await ts.dumpTable()
  const logStart = ts.logText().length
  const statuses: Record<string, number> = {}
  const fiveXxSamples: string[] = []
  const echoSamples: string[] = []
  const acceptedTokens = new Set<string>()
  let fiveXx = 0
  let connectionErrors = 0
  let resetsRetried = 0
  let echoesInResponses = 0
  let accepted = 0
  let signedCount = 0
  const secretsToFind = () => [target.accessKeySecret, ...canary.values]
  const t0 = performance.now()
  const items = Array.from({ length: opts.count }, (_, i) => i)
  // Generate lazily inside the pool: the canaries must exist before any response is scanned.
  await pool(items, opts.concurrency, async () => {
    const g = await generate()
    if (g.signed) signedCount++
    let r: Reply = await send(g.wire)
    if (r.status === 0 && (r.error === 'ECONNRESET' || r.error === 'UND_ERR_SOCKET')) {
      // A keep-alive connection closed under a reused request: the same bytes once more (a copy
      // that had been processed comes back SignatureNonceUsed). Counted, and still 0 allowed after.
      resetsRetried++
      r = await send(g.wire)
    }
    bump(statuses, r.status === 0 ? `conn ${r.error}` : String(r.status))
    if (r.status >= 500 || r.status === 0) {
      if (r.status === 0) connectionErrors++
      else fiveXx++
      if (fiveXxSamples.length < 10) {
        const body = g.wire.body ?? ''
        fiveXxSamples.push(
          `${g.wire.method} ${g.action} (${g.signed ? 'signed' : 'unsigned/corrupt'}, url ${g.wire.url.length} B, body ${body.length} B: ${JSON.stringify(body.slice(0, 120))}) params ${JSON.stringify(g.params).slice(0, 200)} → ${r.status || r.error} ${r.text.slice(0, 200)}`,
        )
      }
    }
    if (r.status === 200) {
      accepted++
      for (const [, v] of g.params) acceptedTokens.add(v)
      collectStrings(r.json, acceptedTokens)
    }
    const carried = [
      ...(g.secrets ?? []),
      ...g.params.filter(([k, v]) => SECRET_PARAMS.test(k) && (v.includes('CANARY') || looksLikeCanaryB64(v))).map(([, v]) => v),
    ]
    const hit = findSecret(r.text, [target.accessKeySecret, ...carried])
    if (hit) {
      echoesInResponses++
      if (echoSamples.length < 10) echoSamples.push(`response to ${g.action}: ${hit}`)
    }
  })
  const seconds = (performance.now() - t0) / 1000
  await new Promise((r) => setTimeout(r, 500)) // let workerd flush its logs
  const logs = ts.logText().slice(logStart)
  let echoesInLogs = 0
  for (const line of logs.split('\n')) {
    const hit = findSecret(line, secretsToFind())
    if (hit) {
      echoesInLogs++
      if (echoSamples.length < 20) echoSamples.push(`log: ${hit} in ${line.slice(0, 200)}`)
    }
  }
  const after = await ts.dumpTable()
  let changed = 0
  let auditAdded = 0
  const changedSamples: string[] = []
  const attributable = (key: string, item: string | undefined) => {
    for (const tok of acceptedTokens)
      if (tok.length >= 6 && (key.includes(tok) || (item ?? '').includes(JSON.stringify(tok).slice(1, -1)))) return true
    return false
  }
  for (const [key, item] of after) {
    if (before.get(key) === item) continue
    if (key.startsWith('AUDIT#')) {
      auditAdded++
      continue
    }
    if (attributable(key, item)) continue
    changed++
    if (changedSamples.length < 10) changedSamples.push(`${before.has(key) ? 'changed' : 'added'} ${key}`)
  }
  for (const key of before.keys()) {
    if (!after.has(key) && !key.startsWith('AUDIT#') && !attributable(key, before.get(key))) {
      changed++
      if (changedSamples.length < 10) changedSamples.push(`removed ${key}`)
    }
  }
  return {
    seed,
    requests: opts.count,
    signed: signedCount,
    unsigned: opts.count - signedCount,
    actions: apis.reduce((n, a) => n + a.actions.length, 0),
    parameterNames: names.length,
    seconds: Math.round(seconds * 10) / 10,
    statuses,
    accepted,
    fiveXx,
    connectionErrors,
    resetsRetried,
    fiveXxSamples,
    echoesInResponses,
    echoesInLogs,
    echoSamples,
    tableItemsChangedByRefused: changed,
    changedSamples,
    auditItemsAdded: auditAdded,
  }
}

function looksLikeCanaryB64(v: string): boolean {
  return v.startsWith('Q0FOQVJZ') // base64 of "CANARY"
}

/** The first secret (or its base64) found in `text`, shortened for the report. */
function findSecret(text: string, secrets: string[]): string | undefined {
  if (!text) return undefined
  for (const raw of secrets) {
    const canaryInside =
      /CANARY[0-9a-f]{8,18}/.exec(raw)?.[0] ??
      (looksLikeCanaryB64(raw)
        ? Buffer.from(raw, 'base64')
            .toString('latin1')
            .match(/CANARY[0-9a-f]{8,18}/)?.[0]
        : undefined)
    const needles = canaryInside ? [canaryInside, b64(canaryInside).slice(0, 16)] : [raw]
    for (const n of needles) if (n.length >= 8 && text.includes(n)) return n.slice(0, 24)
  }
  return undefined
}

function collectStrings(value: unknown, out: Set<string>): void {
  if (typeof value === 'string') out.add(value)
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, out)
  else if (value && typeof value === 'object') for (const v of Object.values(value)) collectStrings(v, out)
}
