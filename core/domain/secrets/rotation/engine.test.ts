/**
 * The rotation engine on the in-memory store, with a rotation function answered by a fake fetch:
 * crash between steps (resumed by the next run), failures and rollback, concurrent drivers, the
 * interval format. ACSCurrent is read after every event and must always be a tested value.
 */
import { describe, expect, it } from 'vitest'
import { CALLER } from '../../../../test/fakes/memory-store'
import { memorySecretDeps } from '../../../../test/fakes/memory-secrets'
import { fromUtf8 } from '../../../crypto/bytes'
import { KmsError } from '../../../errors'
import { createSecret } from '../create-secret'
import { getSecretValue } from '../get-secret-value'
import { driveRotation, MAX_ROTATION_FAILURES, startRotation } from './engine'
import { parseSecretRotationInterval } from './interval'
import type { RotationDeps } from './strategy'

type Behaviour = (step: string, body: Record<string, string>) => Response | Promise<Response>

async function setup(behaviour: Behaviour) {
  const deps = memorySecretDeps()
  const calls: string[] = []
  const valid = new Set<string>(['{"v":0}'])
  const rotation = deps as unknown as RotationDeps
  rotation.allowLoopbackHttp = true
  rotation.fetch = (async (_url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body)) as Record<string, string>
    calls.push(body.Step!)
    const res = await behaviour(body.Step!, body)
    if (body.Step === 'setSecret' && res.ok) valid.add(body.PendingSecretData!)
    return res
  }) as typeof fetch
  await createSecret(deps, CALLER, { secretName: 'signing', versionId: 'k', secretData: 'hmac-key' })
  await createSecret(deps, CALLER, {
    secretName: 's',
    versionId: 'v0',
    secretData: '{"v":0}',
    extendedConfig: { RotationFunctionUrl: 'http://127.0.0.1:9/rotate', RotationFunctionSigningSecretName: 'signing' },
  })
  const current = async () => {
    const out = await getSecretValue(deps, CALLER, { secretName: 's' })
    const text = fromUtf8(out.value.bytes)
    // The application's view: ACSCurrent always holds a value the target accepts.
    expect(valid.has(text)).toBe(true)
    return { versionId: out.versionId, text }
  }
  const ref = { accountId: CALLER.accountId, region: CALLER.region, secretName: 's' }
  return { deps: rotation, store: deps.secrets, clock: deps.clock, calls, current, ref }
}

const ok = (step: string) => new Response(step === 'createSecret' ? JSON.stringify({ SecretData: '{"v":1}' }) : '{}', { status: 200 })

describe('rotation engine', () => {
  it('runs create → set → test → commit → finish and moves ACSCurrent once', async () => {
    const t = await setup(ok)
    await startRotation(t.deps, t.ref, 'r1', 'manual')
    expect(await driveRotation(t.deps, t.ref, t.clock.now())).toBe('committed')
    expect(t.calls).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret'])
    expect(await t.current()).toEqual({ versionId: 'r1', text: '{"v":1}' })
    const head = (await t.store.getHead(t.ref.accountId, t.ref.region, 's'))!
    expect(head.stages).toEqual({ ACSCurrent: 'r1', ACSPrevious: 'v0' })
    expect(head.rotation).toMatchObject({ status: 'Succeeded' })
    expect(head.rotation!.pending).toBeUndefined()
  })

  it('a crash after setSecret (before its head write) is resumed by the next run at the same step', async () => {
    const t = await setup(ok)
    await startRotation(t.deps, t.ref, 'r1', 'manual')
    let writes = 0
    let killed!: () => void
    const atKill = new Promise<void>((resolve) => (killed = resolve))
    t.store.hook = (op) => {
      // 1: lease, 2: create's commit, 3: set's commit → the worker dies there (never returns).
      if (op === 'replaceHead' && ++writes === 3) {
        killed()
        return new Promise<void>(() => {})
      }
      return Promise.resolve()
    }
    void driveRotation(t.deps, t.ref, t.clock.now())
    await atKill
    t.store.hook = async () => {}
    expect((await t.current()).versionId).toBe('v0')
    const mid = (await t.store.getHead(t.ref.accountId, t.ref.region, 's'))!
    expect(mid.rotation!.pending!.step).toBe('set')
    expect(mid.stages.ACSPending).toBe('r1')
    // The crashed driver's lease runs out; the next run continues.
    t.clock.ms += 61_000
    expect(await driveRotation(t.deps, t.ref, t.clock.now())).toBe('committed')
    expect(t.calls).toEqual(['createSecret', 'setSecret', 'setSecret', 'testSecret', 'finishSecret'])
    expect((await t.current()).versionId).toBe('r1')
  })

  it('failing steps back off, then roll back after MAX_ROTATION_FAILURES; ACSCurrent never moves', async () => {
    const t = await setup((step) => (step === 'testSecret' ? new Response('no', { status: 500 }) : ok(step)))
    await startRotation(t.deps, t.ref, 'r1', 'manual')
    expect(await driveRotation(t.deps, t.ref, t.clock.now())).toBe('failed')
    let head = (await t.store.getHead(t.ref.accountId, t.ref.region, 's'))!
    expect(head.rotation).toMatchObject({ status: 'Failed', lastError: 'secret.invalidState:the rotation function answered HTTP 500' })
    expect(await driveRotation(t.deps, t.ref, t.clock.now())).toBe('busy') // backoff
    await expect(startRotation(t.deps, t.ref, 'r2', 'manual')).rejects.toMatchObject({ code: 'secret.invalidState' })
    let outcome = 'failed'
    for (let i = 0; i < MAX_ROTATION_FAILURES && outcome !== 'rolledBack'; i++) {
      t.clock.ms += 3 * 3600_000
      outcome = await driveRotation(t.deps, t.ref, t.clock.now())
      expect((await t.current()).versionId).toBe('v0')
    }
    expect(outcome).toBe('rolledBack')
    head = (await t.store.getHead(t.ref.accountId, t.ref.region, 's'))!
    expect(head.versions.map((v) => v.versionId)).toEqual(['v0'])
    expect(head.stages).toEqual({ ACSCurrent: 'v0' })
    expect(head.rotation!.pending).toBeUndefined()
    expect(JSON.stringify(head.rotation)).not.toContain('"v":1')
  })

  it('20 concurrent drivers of one rotation call each step once and commit once', async () => {
    const t = await setup(async (step) => {
      await new Promise((r) => setTimeout(r, 5))
      return ok(step)
    })
    const starts = await Promise.allSettled(Array.from({ length: 20 }, () => startRotation(t.deps, t.ref, 'r1', 'manual')))
    expect(starts.filter((s) => s.status === 'fulfilled' && s.value.started).length).toBe(1)
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => driveRotation(t.deps, t.ref, t.clock.now())))
    expect(outcomes.filter((o) => o === 'committed').length).toBe(1)
    expect(t.calls).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret'])
    expect((await t.current()).versionId).toBe('r1')
    // A retry of the same request afterwards changes nothing.
    expect((await startRotation(t.deps, t.ref, 'r1', 'manual')).started).toBe(false)
  })

  it('refuses a second rotation while one is pending, and rotation of a plain generic secret', async () => {
    const t = await setup(ok)
    await startRotation(t.deps, t.ref, 'r1', 'manual')
    await expect(startRotation(t.deps, t.ref, 'r2', 'manual')).rejects.toBeInstanceOf(KmsError)
    await createSecret(t.deps, CALLER, { secretName: 'plain', versionId: 'v', secretData: 'x' })
    await expect(startRotation(t.deps, { ...t.ref, secretName: 'plain' }, 'r', 'manual')).rejects.toMatchObject({
      code: 'validation.invalidParameter',
    })
  })
})

describe('RotationInterval', () => {
  it('reads integer[unit] from 6 h to 8,760 h', () => {
    expect(parseSecretRotationInterval('7d')).toBe(604_800)
    expect(parseSecretRotationInterval('604800s')).toBe(604_800)
    expect(parseSecretRotationInterval('6h')).toBe(21_600)
    expect(parseSecretRotationInterval('8760h')).toBe(31_536_000)
    for (const bad of ['5h', '8761h', '7', 'd7', '7 d', '0d', '-7d', '1.5d', '366d']) {
      expect(() => parseSecretRotationInterval(bad), bad).toThrow(KmsError)
    }
  })
})
