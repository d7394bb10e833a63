/**
 * A crash in the middle of a rotation (core/domain/secrets/rotation/engine.ts): its own stack
 * (it kills workerd), a generic secret whose rotation function (an in-test HTTP server) hangs in
 * `testSecret` after `setSecret` has run; RotateSecret is in flight when workerd gets SIGKILL and
 * is respawned (as scripts/lib/torture/harness.ts does). ACSCurrent stays the old value and
 * readable; the cron (the local route, `at` in the future) finishes the same rotation once the
 * step's lease has expired: one new version, the function's value, each step with the same token.
 * The lease (ROTATION_LEASE_MS, 60 s) is compared with the Worker's real clock, not the cron's
 * `at` (which only moves `nowMs`: retryAt / due times), so the cron is polled, with a limit,
 * until the lease taken at the set→test transition has run out (about 60 s of real time).
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCronOnce } from '../../scripts/lib/cron'
import { call, sleep, type Called } from '../../scripts/lib/torture/client'
import { startTortureStack, waitHealthy, type TortureStack } from '../../scripts/lib/torture/harness'

interface Seen {
  step: string
  token: string
  pending?: string
}

/** A rotation function that records each step and, while `hang` is set, never answers testSecret. */
async function hangingFunction(key: string) {
  const seen: Seen[] = []
  const held: ServerResponse[] = []
  const values = new Map<string, string>()
  const state = { hang: true, badSignatures: 0 }
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const ts = String(req.headers['x-kms-rotation-timestamp'] ?? '')
      const given = Buffer.from(String(req.headers['x-kms-rotation-signature'] ?? ''))
      const expected = Buffer.from(`v1=${createHmac('sha256', key).update(`${ts}.${body}`).digest('hex')}`)
      // The timestamp follows the Worker's clock, not the cron's `at`: only the HMAC is checked.
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        state.badSignatures++
        res.writeHead(401).end('{}')
        return
      }
      const msg = JSON.parse(body) as { Step: string; ClientRequestToken: string; PendingSecretData?: string }
      seen.push({
        step: msg.Step,
        token: msg.ClientRequestToken,
        ...(msg.PendingSecretData === undefined ? {} : { pending: msg.PendingSecretData }),
      })
      if (msg.Step === 'createSecret') {
        let value = values.get(msg.ClientRequestToken)
        if (!value) {
          value = JSON.stringify({ password: randomBytes(18).toString('base64url') })
          values.set(msg.ClientRequestToken, value)
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ SecretData: value }))
        return
      }
      if (msg.Step === 'testSecret' && state.hang) {
        held.push(res) // hangs: the engine's driver is killed before its 5 s timeout
        return
      }
      if (msg.Step === 'testSecret' && msg.PendingSecretData !== values.get(msg.ClientRequestToken)) {
        res.writeHead(409).end('{}')
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/rotate`,
    seen,
    values,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of held) r.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

let ts: TortureStack
let fn: Awaited<ReturnType<typeof hangingFunction>> | undefined

beforeAll(async () => {
  ts = await startTortureStack({ hsm: 'off' })
}, 120_000)

afterAll(async () => {
  await fn?.close()
  await ts?.stop()
}, 60_000)

async function until(what: string, ok: () => boolean | Promise<boolean>, limitMs: number, everyMs = 20): Promise<void> {
  const deadline = Date.now() + limitMs
  while (Date.now() < deadline) {
    if (await ok()) return
    await sleep(everyMs)
  }
  throw new Error(`${what}: not reached within ${limitMs} ms`)
}

describe('rotation across a kill -9 of workerd', () => {
  it('a rotation killed in testSecret keeps the old ACSCurrent readable and is completed once by the cron', async () => {
    const replies: Array<{ action: string; r: Called }> = []
    const kms = async (action: string, params: Record<string, string>) => {
      const r = await call(ts.target, action, params)
      replies.push({ action, r })
      return r
    }
    const read = async () => {
      const r = await kms('GetSecretValue', { SecretName: secretName })
      expect(r.status, r.text).toBe(200)
      return { versionId: r.json.VersionId as string, data: r.json.SecretData as string }
    }

    const signingName = `signing-${randomUUID().slice(0, 8)}`
    const key = randomUUID()
    expect((await kms('CreateSecret', { SecretName: signingName, VersionId: 'k1', SecretData: key })).status).toBe(200)
    fn = await hangingFunction(key)
    const secretName = `crash-${randomUUID().slice(0, 8)}`
    const initial = JSON.stringify({ password: 'initial' })
    const created = await kms('CreateSecret', {
      SecretName: secretName,
      VersionId: 'v0',
      SecretData: initial,
      ExtendedConfig: JSON.stringify({ RotationFunctionUrl: fn.url, RotationFunctionSigningSecretName: signingName }),
    })
    expect(created.status, created.text).toBe(200)
    expect(await read()).toEqual({ versionId: 'v0', data: initial })

    // RotateSecret in flight; the function hangs in testSecret after setSecret answered.
    const rotating = call(ts.target, 'RotateSecret', { SecretName: secretName, VersionId: 'crash1' })
    const f = fn
    await until('the function hangs in testSecret', () => f.seen.some((s) => s.step === 'testSecret'), 20_000, 5)
    expect(f.seen.map((s) => s.step)).toEqual(['createSecret', 'setSecret', 'testSecret'])
    const killedAt = Date.now()
    expect(ts.kill('workerd').length).toBeGreaterThan(0)
    const rotateReply = await rotating
    // The driver died with the request: no answer (a connection error), never a 5xx.
    expect(rotateReply.status, rotateReply.text).toBe(0)
    await ts.restart('workerd')
    await waitHealthy(ts.target)

    // Right after the respawn: still the old value, the new one pending, the rotation locked.
    expect(await read()).toEqual({ versionId: 'v0', data: initial })
    const pending = await kms('GetSecretValue', { SecretName: secretName, VersionStage: 'ACSPending' })
    expect(pending.status, pending.text).toBe(200)
    expect(pending.json.VersionId).toBe('crash1')
    const created1 = f.values.get('crash1')
    expect(pending.json.SecretData).toBe(created1)
    const other = await kms('RotateSecret', { SecretName: secretName, VersionId: 'other' })
    expect(other.status).toBe(409)
    expect(other.json.Code).toBe('Rejected.IncorrectSecretStatus')

    // The function is fixed; the cron, an hour "later" each run, resumes the rotation at test.
    f.state.hang = false
    let runs = 0
    let busyRuns = 0
    await until(
      'the cron completes the rotation',
      async () => {
        runs++
        await runCronOnce(ts.stack.endpoint, ts.stack.dataDir, { at: new Date(Date.now() + runs * 3600_000) })
        const now = await read()
        if (now.versionId === 'v0') {
          expect(now.data).toBe(initial)
          busyRuns++
          return false
        }
        return true
      },
      80_000,
      1_000,
    )
    console.log(
      `rotation completed by cron run ${runs} (${busyRuns} runs found it still leased), ${Date.now() - killedAt} ms after the kill`,
    )

    const now = await read()
    expect(now).toEqual({ versionId: 'crash1', data: created1 })
    const previous = await kms('GetSecretValue', { SecretName: secretName, VersionStage: 'ACSPrevious' })
    expect(previous.json.VersionId).toBe('v0')
    const described = await kms('DescribeSecret', { SecretName: secretName })
    expect(described.json.RotationStatus).toBe('Succeeded')
    const ids = await kms('ListSecretVersionIds', { SecretName: secretName, IncludeDeprecated: 'true' })
    expect((ids.json.VersionIds.VersionId as Array<{ VersionId: string }>).map((v) => v.VersionId).sort()).toEqual(['crash1', 'v0'])

    // One rotation: every call carried the same token; create and set ran once, test was resumed once.
    expect(f.seen.map((s) => s.step)).toEqual(['createSecret', 'setSecret', 'testSecret', 'testSecret', 'finishSecret'])
    expect(new Set(f.seen.map((s) => s.token))).toEqual(new Set(['crash1']))
    for (const s of f.seen.slice(1)) expect(s.pending).toBe(created1)
    expect(f.state.badSignatures).toBe(0)
    const fiveXx = replies.filter(({ r }) => r.status >= 500).map(({ action, r }) => `${action} ${r.status} ${r.text.slice(0, 120)}`)
    expect(fiveXx).toEqual([])
  }, 110_000)
})
