/**
 * Concurrent fuzz against a reference model (after Vault's TestPolicyFuzzing): W workers for D
 * seconds mix Encrypt, Decrypt, GenerateDataKey, ReEncrypt, CreateKeyVersion, DisableKey /
 * EnableKey, scheduled rotation (the cron at a later time), PutSecretValue, GetSecretValue and UpdateSecretVersionStage over a few keys and
 * secrets. The model records every acknowledged blob (with its plaintext and context) and every
 * acknowledged secret version (with its data).
 *
 * Oracles: 0 wrong plaintexts (a 200 Decrypt/ReEncrypt/GetSecretValue must return what the model
 * holds), 0 5xx and 0 connection errors; at the end, after re-enabling every key, every blob made
 * with a 200 (so while its key was enabled) decrypts to its plaintext, and every secret has
 * exactly one ACSCurrent version, at most 10 versions, and each listed version reads back the
 * data that was written.
 */
import { randomBytes } from 'node:crypto'
import { b64, bump, call, outcomeOf, pool, type Target } from './client'
import { runCronOnce } from '../cron'
import type { TortureStack } from './harness'

export interface FuzzFigures {
  workers: number
  seconds: number
  operations: number
  opsPerSecond: number
  outcomes: Record<string, Record<string, number>>
  wrongResults: number
  wrongSamples: string[]
  fiveXx: number
  fiveXxSamples: string[]
  connectionErrors: number
  blobsChecked: number
  blobsFailingAfterReenable: number
  blobFailureSamples: string[]
  secrets: Array<{ name: string; versions: number; acsCurrent: number; wrongData: number }>
  secretLabelViolations: number
  /** Versions per fuzz key at the end (1 + the rotations that reached it). */
  keyVersions: number[]
}

interface Blob {
  /** The key the blob was made under. */
  keyId: string
  blob: string
  plaintext: string
  context: string
}

export async function runFuzz(
  ts: TortureStack,
  opts: { workers: number; seconds: number; keys?: number; secrets?: number; rotate?: boolean },
): Promise<FuzzFigures> {
  const target: Target = ts.target
  const keyIds: string[] = []
  for (let i = 0; i < (opts.keys ?? 3); i++) {
    const r = await call(target, 'CreateKey', {
      Description: `torture fuzz ${i}`,
      EnableAutomaticRotation: 'true',
      RotationInterval: '604800s',
    })
    if (r.status !== 200) throw new Error(`CreateKey: ${r.status} ${r.text}`)
    keyIds.push(r.json.KeyMetadata.KeyId)
  }
  // The secrets' own key is never disabled (so secret ops mostly reach the stage logic).
  const secretKeyId = (await call(target, 'CreateKey', { Description: 'torture fuzz secrets' })).json.KeyMetadata.KeyId as string
  let rotations = 0
  let rotating = false
  let lastRotation = 0
  const secretData = new Map<string, Map<string, string>>() // secret → versionId → data
  const secretNames: string[] = []
  for (let i = 0; i < (opts.secrets ?? 2); i++) {
    const name = `torture-fuzz-${randomBytes(4).toString('hex')}`
    const data = `v0-${randomBytes(8).toString('hex')}`
    const r = await call(target, 'CreateSecret', { SecretName: name, VersionId: 'v0', SecretData: data, EncryptionKeyId: secretKeyId })
    if (r.status !== 200) throw new Error(`CreateSecret: ${r.status} ${r.text}`)
    secretNames.push(name)
    secretData.set(name, new Map([['v0', data]]))
  }
  const blobs: Blob[] = []
  const outcomes: Record<string, Record<string, number>> = {}
  const wrongSamples: string[] = []
  const fiveXxSamples: string[] = []
  let wrong = 0
  let fiveXx = 0
  let conn = 0
  let ops = 0
  let versionSeq = 0
  const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)]!
  const note = (action: string, r: { status: number; error?: string | undefined; json?: any }) => {
    ops++
    outcomes[action] ??= {}
    bump(outcomes[action]!, outcomeOf(r))
    if (r.status === 0) conn++
    else if (r.status >= 500) fiveXx++
    if ((r.status === 0 || r.status >= 500) && fiveXxSamples.length < 10)
      fiveXxSamples.push(`${action} → ${outcomeOf(r)} ${JSON.stringify(r.json ?? {}).slice(0, 200)}`)
  }
  const bad = (what: string) => {
    wrong++
    if (wrongSamples.length < 10) wrongSamples.push(what)
  }
  const ctxOf = () => (Math.random() < 0.5 ? '' : JSON.stringify({ app: 'torture', n: String(Math.floor(Math.random() * 4)) }))
  const withCtx = (name: string, ctx: string): Record<string, string> => (ctx ? { [name]: ctx } : {})

  const ops_: Array<[number, () => Promise<void>]> = [
    [
      20,
      async () => {
        const keyId = pick(keyIds)
        const plaintext = b64(randomBytes(1 + Math.floor(Math.random() * 64)))
        const context = ctxOf()
        const r = await call(target, 'Encrypt', { KeyId: keyId, Plaintext: plaintext, ...withCtx('EncryptionContext', context) })
        note('Encrypt', r)
        if (r.status === 200) {
          if (r.json.KeyId !== keyId) bad(`Encrypt under ${keyId} answered KeyId ${r.json.KeyId}`)
          blobs.push({ keyId, blob: r.json.CiphertextBlob, plaintext, context })
        }
      },
    ],
    [
      20,
      async () => {
        if (blobs.length === 0) return
        const b = pick(blobs)
        const r = await call(target, 'Decrypt', { CiphertextBlob: b.blob, ...withCtx('EncryptionContext', b.context) })
        note('Decrypt', r)
        if (r.status === 200 && (r.json.Plaintext !== b.plaintext || r.json.KeyId !== b.keyId))
          bad(`Decrypt returned another plaintext or key for a blob of ${b.keyId}`)
      },
    ],
    [
      10,
      async () => {
        const keyId = pick(keyIds)
        const context = ctxOf()
        const r = await call(target, 'GenerateDataKey', { KeyId: keyId, NumberOfBytes: '32', ...withCtx('EncryptionContext', context) })
        note('GenerateDataKey', r)
        if (r.status === 200) {
          if (Buffer.from(r.json.Plaintext, 'base64').length !== 32) bad('GenerateDataKey: plaintext is not 32 bytes')
          blobs.push({ keyId, blob: r.json.CiphertextBlob, plaintext: r.json.Plaintext, context })
        }
      },
    ],
    [
      10,
      async () => {
        if (blobs.length === 0) return
        const b = pick(blobs)
        const dest = pick(keyIds)
        const context = ctxOf()
        const r = await call(target, 'ReEncrypt', {
          CiphertextBlob: b.blob,
          DestinationKeyId: dest,
          ...withCtx('SourceEncryptionContext', b.context),
          ...withCtx('DestinationEncryptionContext', context),
        })
        note('ReEncrypt', r)
        if (r.status === 200) blobs.push({ keyId: dest, blob: r.json.CiphertextBlob, plaintext: b.plaintext, context })
      },
    ],
    // Symmetric keys rotate on schedule only (CreateKeyVersion is for asymmetric keys): run the
    // Worker's cron as if 8 more days had passed, so every fuzz key gets a new primary version.
    // One run at a time, at most one start per 2 s, a small budget per job: a run also seals
    // the audit backlog and takes the isolate's CPU while it does.
    [
      opts.rotate === false ? 0 : 2,
      async () => {
        if (rotating || Date.now() - lastRotation < 2000) return
        rotating = true
        lastRotation = Date.now()
        const at = new Date(Date.now() + ++rotations * 8 * 86_400_000)
        try {
          const { reports } = await runCronOnce(target.endpoint, ts.stack.dataDir, { at, budget: 50 })
          const failed = reports.reduce((n, r) => n + r.failed, 0)
          note('rotate (cron --at +8d)', { status: failed === 0 ? 200 : 500 })
        } catch (err) {
          note('rotate (cron --at +8d)', { status: 0, error: String((err as Error).message).slice(0, 60) })
        } finally {
          rotating = false
        }
      },
    ],
    [3, async () => note('DisableKey', await call(target, 'DisableKey', { KeyId: pick(keyIds) }))],
    [6, async () => note('EnableKey', await call(target, 'EnableKey', { KeyId: pick(keyIds) }))],
    [
      8,
      async () => {
        const name = pick(secretNames)
        const versionId = `w${versionSeq++}`
        const data = `${versionId}-${randomBytes(8).toString('hex')}`
        const r = await call(target, 'PutSecretValue', { SecretName: name, VersionId: versionId, SecretData: data })
        note('PutSecretValue', r)
        if (r.status === 200) secretData.get(name)!.set(versionId, data)
      },
    ],
    [
      12,
      async () => {
        const name = pick(secretNames)
        const known = [...secretData.get(name)!.keys()]
        const byVersion = Math.random() < 0.4
        const r = await call(
          target,
          'GetSecretValue',
          byVersion
            ? { SecretName: name, VersionId: pick(known) }
            : { SecretName: name, VersionStage: pick(['ACSCurrent', 'ACSPrevious', 'Torture']) },
        )
        note('GetSecretValue', r)
        if (r.status === 200) {
          const expected = secretData.get(name)!.get(r.json.VersionId)
          // A version whose PutSecretValue is still in flight is not in the model yet.
          if (expected !== undefined && r.json.SecretData !== expected) bad(`GetSecretValue ${name} ${r.json.VersionId}: other data`)
          if (expected === undefined && !/^w\d+$/.test(r.json.VersionId)) bad(`GetSecretValue ${name}: unknown version ${r.json.VersionId}`)
        }
      },
    ],
    [
      7,
      async () => {
        const name = pick(secretNames)
        const known = [...secretData.get(name)!.keys()]
        const r = await call(target, 'UpdateSecretVersionStage', {
          SecretName: name,
          VersionStage: pick(['ACSCurrent', 'Torture', 'ACSCurrent']),
          MoveToVersion: pick(known),
        })
        note('UpdateSecretVersionStage', r)
      },
    ],
  ]
  const total = ops_.reduce((n, [w]) => n + w, 0)
  const chooser = () => {
    let x = Math.random() * total
    for (const [w, f] of ops_) if ((x -= w) < 0) return f
    return ops_[0]![1]
  }
  const t0 = performance.now()
  const deadline = Date.now() + opts.seconds * 1000
  await Promise.all(
    Array.from({ length: opts.workers }, async () => {
      while (Date.now() < deadline) await chooser()()
    }),
  )
  const seconds = (performance.now() - t0) / 1000

  // Afterwards: every key enabled again, every acknowledged blob decrypts.
  for (const keyId of keyIds) note('EnableKey', await call(target, 'EnableKey', { KeyId: keyId }))
  const blobFailureSamples: string[] = []
  let blobFailures = 0
  await pool(blobs, 16, async (b) => {
    const r = await call(target, 'Decrypt', { CiphertextBlob: b.blob, ...withCtx('EncryptionContext', b.context) })
    if (r.status !== 200 || r.json.Plaintext !== b.plaintext) {
      blobFailures++
      if (blobFailureSamples.length < 10) blobFailureSamples.push(`${b.keyId}: ${outcomeOf(r)}`)
    }
  })
  const secrets: FuzzFigures['secrets'] = []
  let labelViolations = 0
  for (const name of secretNames) {
    const r = await call(target, 'ListSecretVersionIds', { SecretName: name, IncludeDeprecated: 'true', PageSize: '100' })
    const versions: Array<{ VersionId: string; VersionStages?: { VersionStage?: string[] } }> = r.json?.VersionIds?.VersionId ?? []
    const current = versions.filter((v) => v.VersionStages?.VersionStage?.includes('ACSCurrent')).length
    let wrongData = 0
    for (const v of versions) {
      const g = await call(target, 'GetSecretValue', { SecretName: name, VersionId: v.VersionId })
      if (g.status !== 200 || g.json.SecretData !== secretData.get(name)!.get(v.VersionId)) wrongData++
    }
    if (r.status !== 200 || current !== 1 || versions.length > 10 || wrongData > 0) labelViolations++
    secrets.push({ name, versions: versions.length, acsCurrent: current, wrongData })
  }
  return {
    workers: opts.workers,
    seconds: Math.round(seconds * 10) / 10,
    operations: ops,
    opsPerSecond: Math.round(ops / seconds),
    outcomes,
    wrongResults: wrong,
    wrongSamples,
    fiveXx,
    fiveXxSamples,
    connectionErrors: conn,
    blobsChecked: blobs.length,
    blobsFailingAfterReenable: blobFailures,
    blobFailureSamples,
    secrets,
    secretLabelViolations: labelViolations,
    keyVersions: await keyVersionCounts(target, keyIds),
  }
}

/** The number of versions of each key (rotation evidence for the report). */
export async function keyVersionCounts(target: Target, keyIds: string[]): Promise<number[]> {
  const out: number[] = []
  for (const keyId of keyIds)
    out.push(((await call(target, 'ListKeyVersions', { KeyId: keyId, PageSize: '100' })).json?.TotalCount as number) ?? -1)
  return out
}
