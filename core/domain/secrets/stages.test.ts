import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { KmsError } from '../../errors'
import { MAX_STAGES_PER_SECRET, MAX_VERSIONS_PER_SECRET, type SecretRecord } from './model'
import { planNewVersion, planStageMove, stagesOf } from './stages'

type Head = Pick<SecretRecord, 'stages' | 'versions'>

const v = (id: string) => ({ versionId: id, createdAt: '2026-11-23T12:00:00Z' })

function head(ids: string[], stages: Record<string, string>): Head {
  return { versions: ids.map(v), stages }
}

function code(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (err instanceof KmsError) return err.code
    throw err
  }
  return 'ok'
}

describe('planNewVersion', () => {
  it('moves ACSCurrent to the new version and ACSPrevious to the former current', () => {
    const plan = planNewVersion(head(['v1', 'v2'], { ACSCurrent: 'v2', ACSPrevious: 'v1' }), v('v3'), ['ACSCurrent'])
    expect(plan.stages).toEqual({ ACSCurrent: 'v3', ACSPrevious: 'v2' })
    expect(plan.versions.map((x) => x.versionId)).toEqual(['v1', 'v2', 'v3'])
    expect(plan.evicted).toEqual([])
  })

  it('leaves ACSCurrent alone when the new version gets only custom labels', () => {
    const plan = planNewVersion(head(['v1'], { ACSCurrent: 'v1' }), v('v2'), ['blue'])
    expect(plan.stages).toEqual({ ACSCurrent: 'v1', blue: 'v2' })
  })

  it('moves a custom label off the version that had it (a label names one version)', () => {
    const plan = planNewVersion(head(['v1', 'v2'], { ACSCurrent: 'v2', blue: 'v1' }), v('v3'), ['blue', 'ACSCurrent'])
    expect(plan.stages).toEqual({ ACSCurrent: 'v3', ACSPrevious: 'v2', blue: 'v3' })
    expect(stagesOf({ stages: plan.stages }, 'v1')).toEqual([])
  })

  it('refuses a ninth label', () => {
    const stages: Record<string, string> = { ACSCurrent: 'v1' }
    for (let i = 0; i < 7; i++) stages[`l${i}`] = 'v1'
    expect(code(() => planNewVersion(head(['v1'], stages), v('v2'), ['l0']))).toBe('ok')
    expect(code(() => planNewVersion(head(['v1'], stages), v('v2'), ['extra']))).toBe('limit.exceeded')
  })

  it('keeps 10 versions, evicting the earliest version with its labels (as Alibaba states it)', () => {
    let h: Head = head(['v1'], { ACSCurrent: 'v1', pinned: 'v1' })
    const evicted: string[] = []
    for (let i = 2; i <= 12; i++) {
      const plan = planNewVersion(h, v(`v${i}`), ['ACSCurrent'])
      evicted.push(...plan.evicted.map((x) => x.versionId))
      h = { stages: plan.stages, versions: plan.versions }
    }
    expect(h.versions).toHaveLength(MAX_VERSIONS_PER_SECRET)
    // v1 goes first although a custom label pins it; the label goes with it.
    expect(evicted).toEqual(['v1', 'v2'])
    expect(h.versions.map((x) => x.versionId)).toEqual(['v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9', 'v10', 'v11', 'v12'])
    expect(h.stages).toEqual({ ACSCurrent: 'v12', ACSPrevious: 'v11' })
  })

  it('never evicts the ACSCurrent version, even when it is the earliest', () => {
    let h: Head = head(['v1'], { ACSCurrent: 'v1' })
    const evicted: string[] = []
    for (let i = 2; i <= 11; i++) {
      const plan = planNewVersion(h, v(`v${i}`), ['ACSNext'])
      evicted.push(...plan.evicted.map((x) => x.versionId))
      h = { stages: plan.stages, versions: plan.versions }
    }
    expect(evicted).toEqual(['v2'])
    expect(h.versions.map((x) => x.versionId)).toEqual(['v1', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9', 'v10', 'v11'])
    expect(h.stages).toEqual({ ACSCurrent: 'v1', ACSNext: 'v11' })
  })
})

describe('planStageMove', () => {
  const base = head(['v1', 'v2', 'v3'], { ACSCurrent: 'v3', ACSPrevious: 'v2' })

  it('rolls ACSCurrent back and moves ACSPrevious to the former current', () => {
    expect(planStageMove(base, { stage: 'ACSCurrent', moveToVersion: 'v1', removeFromVersion: 'v3' })).toEqual({
      ACSCurrent: 'v1',
      ACSPrevious: 'v3',
    })
  })

  it('is a no-op when the label is already there', () => {
    expect(planStageMove(base, { stage: 'ACSCurrent', moveToVersion: 'v3' })).toBeUndefined()
  })

  it('adds, moves and removes custom labels', () => {
    const added = planStageMove(base, { stage: 'blue', moveToVersion: 'v1' })!
    expect(added.blue).toBe('v1')
    const moved = planStageMove({ ...base, stages: added }, { stage: 'blue', moveToVersion: 'v2', removeFromVersion: 'v1' })!
    expect(moved.blue).toBe('v2')
    const removed = planStageMove({ ...base, stages: moved }, { stage: 'blue', removeFromVersion: 'v2' })!
    expect(removed).toEqual({ ACSCurrent: 'v3', ACSPrevious: 'v2' })
  })

  it('refuses labels on unknown versions, removal from the wrong version and removing ACSCurrent', () => {
    expect(code(() => planStageMove(base, { stage: 'blue', moveToVersion: 'nope' }))).toBe('secret.versionNotFound')
    expect(code(() => planStageMove(base, { stage: 'blue', removeFromVersion: 'nope' }))).toBe('secret.versionNotFound')
    expect(code(() => planStageMove(base, { stage: 'ACSPrevious', removeFromVersion: 'v1' }))).toBe('validation.invalidParameter')
    expect(code(() => planStageMove(base, { stage: 'ACSCurrent', removeFromVersion: 'v3' }))).toBe('validation.invalidParameter')
  })

  it('refuses a ninth label', () => {
    let stages = { ...base.stages }
    for (let i = 0; i < 6; i++) stages = planStageMove({ ...base, stages }, { stage: `l${i}`, moveToVersion: 'v1' })!
    expect(Object.keys(stages)).toHaveLength(MAX_STAGES_PER_SECRET)
    expect(code(() => planStageMove({ ...base, stages }, { stage: 'ninth', moveToVersion: 'v1' }))).toBe('limit.exceeded')
  })
})

describe('label invariants under random operation sequences', () => {
  const labels = ['ACSCurrent', 'ACSPrevious', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']
  const op = fc.oneof(
    fc.record({ kind: fc.constant('put' as const), labels: fc.uniqueArray(fc.constantFrom(...labels), { minLength: 1, maxLength: 3 }) }),
    fc.record({
      kind: fc.constant('move' as const),
      stage: fc.constantFrom(...labels),
      to: fc.option(fc.nat(15), { nil: undefined }),
      from: fc.option(fc.nat(15), { nil: undefined }),
    }),
  )

  it('keeps one holder per label, a current version, ≤ 8 labels and ≤ 10 versions', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        let h: Head = head(['v0'], { ACSCurrent: 'v0' })
        let next = 1
        for (const o of ops) {
          try {
            if (o.kind === 'put') {
              const l = o.labels.includes('ACSCurrent') && o.labels.includes('ACSPrevious') ? ['ACSCurrent'] : o.labels
              const plan = planNewVersion(h, v(`v${next++}`), l)
              h = { stages: plan.stages, versions: plan.versions }
            } else {
              const id = (n: number | undefined) => (n === undefined ? undefined : `v${n}`)
              if (o.to === undefined && o.from === undefined) continue
              const stages = planStageMove(h, { stage: o.stage, moveToVersion: id(o.to), removeFromVersion: id(o.from) })
              if (stages) h = { ...h, stages }
            }
          } catch (err) {
            if (!(err instanceof KmsError) || err.code === 'internal') throw err
          }
          const ids = new Set(h.versions.map((x) => x.versionId))
          expect(ids.size).toBe(h.versions.length)
          expect(h.versions.length).toBeLessThanOrEqual(MAX_VERSIONS_PER_SECRET)
          expect(Object.keys(h.stages).length).toBeLessThanOrEqual(MAX_STAGES_PER_SECRET)
          expect(h.stages.ACSCurrent).toBeDefined()
          for (const target of Object.values(h.stages)) expect(ids.has(target)).toBe(true)
          if (h.stages.ACSPrevious !== undefined) expect(h.stages.ACSPrevious).not.toBe(h.stages.ACSCurrent)
        }
      }),
      { numRuns: 300 },
    )
  })
})
