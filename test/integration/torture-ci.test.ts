/**
 * The CI subset of `npm run torture` (scripts/torture.ts): its own real stack (not the shared
 * one — it kills processes), then ≥ 10,000 generated bad requests, replay over one and two
 * isolates and a restart, a 16 × 5 s concurrent fuzz against a model, and 2 kill -9 trials of
 * each process (dynalite, workerd, the hsm-bridge when SoftHSM is installed) under 32-way load.
 * Only correctness figures are asserted (0 5xx, 0 echoes, 0 items changed by refused requests,
 * exactly one replay accepted, 0 wrong plaintexts, 0 lost acknowledged writes, 0 missing audit
 * records); times are printed. The figures of the run are printed as the torture table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runBadInput } from '../../scripts/lib/torture/bad-input'
import { runFuzz } from '../../scripts/lib/torture/fuzz'
import { startTortureStack, type TortureStack } from '../../scripts/lib/torture/harness'
import { runKill } from '../../scripts/lib/torture/kill'
import { failures, markdown, type TortureResults } from '../../scripts/lib/torture/report'
import { runReplay } from '../../scripts/lib/torture/replay'

let ts: TortureStack
const results: TortureResults = {
  startedAt: new Date().toISOString(),
  machine: 'vitest',
  command: 'npx vitest run --project integration test/integration/torture-ci.test.ts',
}

beforeAll(async () => {
  ts = await startTortureStack()
}, 120_000)

afterAll(async () => {
  console.log(markdown(results))
  await ts?.stop()
}, 60_000)

describe('torture (CI subset)', () => {
  it('concurrent fuzz 16 × 5 s: 0 wrong plaintexts, 0 5xx, every blob decrypts, labels consistent', async () => {
    results.fuzz = await runFuzz(ts, { workers: 16, seconds: 5 })
    const f = results.fuzz
    expect(f.wrongResults).toBe(0)
    expect(f.blobsFailingAfterReenable).toBe(0)
    expect(failures({ ...results, badInput: undefined, replay: undefined })).toEqual([])
  }, 120_000)

  it('10,000 generated bad requests: 0 5xx, 0 echoes, 0 items changed by refused requests', async () => {
    results.badInput = await runBadInput(ts, { count: 10_000, concurrency: 16 })
    const b = results.badInput
    expect({ fiveXx: b.fiveXx, noResponse: b.connectionErrors, samples: b.fiveXxSamples }).toEqual({
      fiveXx: 0,
      noResponse: 0,
      samples: [],
    })
    expect({ inResponses: b.echoesInResponses, inLogs: b.echoesInLogs, samples: b.echoSamples }).toEqual({
      inResponses: 0,
      inLogs: 0,
      samples: [],
    })
    expect({ changed: b.tableItemsChangedByRefused, samples: b.changedSamples }).toEqual({ changed: 0, samples: [] })
  }, 180_000)

  it('replay: exactly one copy accepted, concurrently, over two isolates and across a restart', async () => {
    results.replay = await runReplay(ts, { copies: 50 })
    for (const t of results.replay.trials) expect({ trial: t.name, accepted: t.accepted }).toEqual({ trial: t.name, accepted: 1 })
  }, 120_000)

  it('kill -9 of dynalite, workerd and the hsm-bridge under 32-way load, 2 trials each: nothing lost, only 503s', async () => {
    results.kill = await runKill(ts, { trials: 2, workers: 32 })
    for (const k of results.kill) {
      expect({
        victim: k.victim,
        wrong: k.wrongResults,
        violations: k.violations,
        lost: k.lostWrites,
        missingAudit: k.missingAuditRecords,
        samples: [...k.violationSamples, ...k.lostSamples, ...k.missingAuditSamples],
      }).toEqual({
        victim: k.victim,
        wrong: 0,
        violations: 0,
        lost: 0,
        missingAudit: 0,
        samples: [],
      })
      expect(k.ok).toBeGreaterThan(0)
    }
  }, 240_000)
})
