/**
 * Scheduled jobs with a fake clock and in-memory store: due-time computation, bounded slices,
 * item isolation, and overlap safety (exactly one new version per due key).
 */
import { describe, expect, it } from 'vitest'
import { CALLER, FixedClock, memoryKeyDeps } from '../../../test/fakes/memory-store'
import { createAlias } from '../keys/aliases'
import { createKey } from '../keys/create-key'
import { scheduleKeyDeletion, disableKey, enableKey } from '../keys/key-lifecycle'
import { isRotationDue, nextRotationDate, updateRotationPolicy } from '../keys/key-versions'
import { runJobs } from './job'
import { purgeDeletedKeys } from './purge-deleted-keys'
import { rotateDueKeys } from './rotate-due-keys'

const DAY = 86_400_000

describe('isRotationDue', () => {
  it('is due exactly at the next rotation date and only while Enabled', async () => {
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, { enableAutomaticRotation: true, rotationInterval: '7d' })
    const start = deps.clock.now()
    expect(key.nextRotationDate).toBe(nextRotationDate(key, 7 * 86_400))
    expect(isRotationDue(key, start + 7 * DAY - 1000)).toBe(false)
    expect(isRotationDue(key, start + 7 * DAY)).toBe(true)
    expect(isRotationDue({ ...key, keyState: 'Disabled' }, start + 8 * DAY)).toBe(false)
    expect(isRotationDue({ ...key, automaticRotation: false }, start + 8 * DAY)).toBe(false)
  })

  it('counts the first rotation from the last rotation when the policy is enabled later', async () => {
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, {})
    deps.clock.advanceDays(3)
    const updated = await updateRotationPolicy(deps, CALLER, key.keyId, true, '7d')
    expect(Date.parse(updated.nextRotationDate!) - Date.parse(key.createdAt)).toBe(7 * DAY)
  })
})

describe('rotate-due-keys', () => {
  it('rotates due keys only, once per interval', async () => {
    const clock = new FixedClock()
    const deps = memoryKeyDeps(clock)
    const due = await createKey(deps, CALLER, { enableAutomaticRotation: true, rotationInterval: '7d' })
    const notDue = await createKey(deps, CALLER, { enableAutomaticRotation: true, rotationInterval: '30d' })
    const manual = await createKey(deps, CALLER, {})
    const at = clock.now() + 8 * DAY
    const [report] = await runJobs([rotateDueKeys], deps, at)
    expect(report).toMatchObject({ processed: 1, failed: 0, more: false })
    expect(deps.keys.items.get(due.keyId)!.versions).toHaveLength(2)
    expect(deps.keys.items.get(due.keyId)!.primaryVersionId).toBe(deps.keys.items.get(due.keyId)!.versions[1]!.versionId)
    expect(deps.keys.items.get(notDue.keyId)!.versions).toHaveLength(1)
    expect(deps.keys.items.get(manual.keyId)!.versions).toHaveLength(1)
    // Running again at the same instant does nothing: the key is no longer due.
    const [again] = await runJobs([rotateDueKeys], deps, at)
    expect(again).toMatchObject({ processed: 0 })
  })

  it('gives exactly one new version per due key when runs overlap', async () => {
    const deps = memoryKeyDeps()
    const keys = await Promise.all(
      Array.from({ length: 20 }, () => createKey(deps, CALLER, { enableAutomaticRotation: true, rotationInterval: '7d' })),
    )
    const at = deps.clock.now() + 8 * DAY
    const reports = (
      await Promise.all([runJobs([rotateDueKeys], deps, at), runJobs([rotateDueKeys], deps, at), runJobs([rotateDueKeys], deps, at)])
    ).flat()
    for (const k of keys) expect(deps.keys.items.get(k.keyId)!.versions).toHaveLength(2)
    expect(reports.reduce((n, r) => n + r.processed, 0)).toBe(20)
    expect(reports.every((r) => r.failed === 0)).toBe(true)
  })

  it('slices a backlog by budget and reports that more is due', async () => {
    const deps = memoryKeyDeps()
    await Promise.all(Array.from({ length: 25 }, () => createKey(deps, CALLER, { enableAutomaticRotation: true, rotationInterval: '7d' })))
    const at = deps.clock.now() + 8 * DAY
    const slices = []
    for (;;) {
      const [r] = await runJobs([rotateDueKeys], deps, at, 10)
      slices.push(r!.processed)
      if (!r!.more) break
    }
    expect(slices).toEqual([10, 10, 5])
  })

  it('isolates a failing item: the others rotate and the failure is retried next run', async () => {
    const deps = memoryKeyDeps()
    const keys = await Promise.all(
      Array.from({ length: 5 }, () => createKey(deps, CALLER, { enableAutomaticRotation: true, rotationInterval: '7d' })),
    )
    const broken = keys[2]!.keyId
    const realGet = deps.keys.get.bind(deps.keys)
    let failing = true
    deps.keys.get = async (id: string) => {
      if (id === broken && failing) throw new Error('store hiccup')
      return realGet(id)
    }
    const at = deps.clock.now() + 8 * DAY
    const [first] = await runJobs([rotateDueKeys], deps, at)
    expect(first).toMatchObject({ processed: 4, failed: 1 })
    failing = false
    const [second] = await runJobs([rotateDueKeys], deps, at)
    expect(second).toMatchObject({ processed: 1, failed: 0 })
    for (const k of keys) expect(deps.keys.items.get(k.keyId)!.versions).toHaveLength(2)
  })

  it('suspends rotation while a key is disabled and resumes when it is enabled again', async () => {
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, { enableAutomaticRotation: true, rotationInterval: '7d' })
    await disableKey(deps, CALLER, key.keyId)
    const at = deps.clock.now() + 8 * DAY
    expect((await runJobs([rotateDueKeys], deps, at))[0]).toMatchObject({ processed: 0 })
    await enableKey(deps, CALLER, key.keyId)
    expect((await runJobs([rotateDueKeys], deps, at))[0]).toMatchObject({ processed: 1 })
  })
})

describe('purge-deleted-keys', () => {
  it('destroys material after the window, releases aliases, and is safe to run twice', async () => {
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, {})
    await createAlias(deps, CALLER, 'alias/gone', key.keyId)
    await scheduleKeyDeletion(deps, CALLER, key.keyId, 7)
    expect((await runJobs([purgeDeletedKeys], deps, deps.clock.now() + 6 * DAY))[0]).toMatchObject({ processed: 0 })
    expect(deps.keys.items.get(key.keyId)!.keyState).toBe('PendingDeletion')
    const at = deps.clock.now() + 7 * DAY
    const reports = (await Promise.all([runJobs([purgeDeletedKeys], deps, at), runJobs([purgeDeletedKeys], deps, at)])).flat()
    expect(reports.reduce((n, r) => n + r.processed, 0)).toBe(1)
    const stored = deps.keys.items.get(key.keyId)!
    expect(stored.keyState).toBe('Deleted')
    expect(stored.versions.every((v) => v.wrappedMaterial === undefined)).toBe(true)
    expect(deps.aliases.items.size).toBe(0)
  })
})
