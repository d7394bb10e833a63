/**
 * The pure helpers of `--baseline` (lib/baseline-report.ts), from made-up phases and profiles.
 * In the `unit` project: `npx vitest run --project unit bench`.
 */
import { describe, expect, it } from 'vitest'
import {
  baselineRefError,
  baselineSchedule,
  profileSideBySide,
  renderBaselineSection,
  summarizeSide,
  type BaselineResult,
  type ProfileLike,
} from './baseline-report'
import { parseWranglerCompat } from '../../scripts/lib/wrangler-compat'
import type { MeasuredPhase } from './driver'

function phase(rps: number, cpu: { workerd?: number; dynalite?: number } = {}, extra: Partial<MeasuredPhase> = {}): MeasuredPhase {
  const completed = rps * 2
  return {
    name: 'x',
    mode: 'closed',
    connections: 32,
    windowMs: 2000,
    completed,
    rps,
    latency: { count: completed, mean: 1, p50: 1, p90: 2, p99: 3, p999: 4, max: 5 },
    statuses: { '200': completed },
    errorCodes: {},
    errors: 0,
    warmup: { requests: 0, rps: 0, ms: 0 },
    presign: { count: 0, ms: 0, usPerRequest: 0, signer: '' },
    exhausted: false,
    reconnects: 0,
    procs: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, { cpuSeconds: v, peakRssMb: 1, rssMb: 1, peakSource: 'x' }])),
    foreignCores: 0,
    machineCores: 1,
    ...extra,
  }
}

describe('baselineRefError', () => {
  it('accepts commits, tags, branches and rev expressions', () => {
    for (const ref of ['4daaa59', 'HEAD~3', 'v1.2.0', 'origin/main', 'main@{1}']) expect(baselineRefError(ref)).toBeUndefined()
  })
  it('refuses empty refs, option-like refs and whitespace', () => {
    expect(baselineRefError('')).toMatch(/needs a git ref/)
    expect(baselineRefError('--output=/tmp/x')).toMatch(/may not start with "-"/)
    expect(baselineRefError('HEAD; rm -rf /')).toMatch(/whitespace/)
    expect(baselineRefError('a\nb')).toMatch(/control/)
  })
})

describe('parseWranglerCompat', () => {
  it('reads the date and the flags', () => {
    expect(parseWranglerCompat('main = "x"\ncompatibility_date = "2026-07-01"\ncompatibility_flags = ["nodejs_compat", "b"]\n')).toEqual({
      compatibilityDate: '2026-07-01',
      compatibilityFlags: ['nodejs_compat', 'b'],
    })
    expect(parseWranglerCompat('compatibility_date = "2025-01-01"').compatibilityFlags).toEqual([])
    expect(() => parseWranglerCompat('name = "x"')).toThrow(/compatibility_date/)
  })
})

describe('baselineSchedule', () => {
  it('alternates the sides per scenario, before first in even rounds and after first in odd ones', () => {
    const s = baselineSchedule(['a', 'b'], 2).map((x) => `${x.round}:${x.id}:${x.side}`)
    expect(s).toEqual(['0:a:before', '0:a:after', '0:b:before', '0:b:after', '1:a:after', '1:a:before', '1:b:after', '1:b:before'])
  })
  it('measures every scenario on both sides once per round', () => {
    const s = baselineSchedule(['a', 'b', 'c'], 3)
    expect(s).toHaveLength(18)
    for (const id of ['a', 'b', 'c'])
      for (const side of ['before', 'after']) expect(s.filter((x) => x.id === id && x.side === side)).toHaveLength(3)
  })
})

describe('summarizeSide', () => {
  it('sums requests, windows and CPU over the rounds', () => {
    // 100 req/s and 300 req/s over 2 s windows: 800 requests in 4 s.
    const s = summarizeSide([
      phase(100, { workerd: 0.2, dynalite: 0.1 }),
      phase(300, { workerd: 0.6, dynalite: 0.7 }, { foreignCores: 0.4 }),
    ])
    expect(s.rps).toBe(200)
    expect(s.rpsPerRound).toEqual([100, 300])
    expect(s.completed).toBe(800)
    expect(s.workerdCpuUs).toBeCloseTo(1000)
    expect(s.dynaliteCpuUs).toBeCloseTo(1000)
    expect(s.foreignCoresMax).toBe(0.4)
  })
  it('has no CPU figure for a process it did not measure, nor for no requests', () => {
    expect(summarizeSide([phase(100, { workerd: 0.1 })]).dynaliteCpuUs).toBeUndefined()
    expect(summarizeSide([phase(0, { workerd: 0.1 })]).workerdCpuUs).toBeUndefined()
  })
})

const prof = (label: string, cpu: number, buckets: Array<[string, number]>): ProfileLike => ({
  label,
  cpuUsPerRequest: cpu,
  buckets: buckets.map(([bucket, us]) => ({ bucket, usPerRequest: us, share: (us / cpu) * 100 })),
})

describe('profileSideBySide', () => {
  it('pairs the cases both sides have and lists the union of buckets, biggest first', () => {
    const t = profileSideBySide(
      [
        prof('DescribeRegions', 1500, [
          ['core/domain', 300],
          ['hono', 100],
        ]),
        prof('Encrypt', 2000, [['native: text', 500]]),
      ],
      [
        prof('DescribeRegions', 1200, [
          ['core/domain', 200],
          ['native: setTimeout', 400],
        ]),
        prof('Other', 1, []),
      ],
    )
    expect(t.labels).toEqual(['DescribeRegions'])
    expect(t.rows.map((r) => r.bucket)).toEqual(['**workerd CPU per request (/proc)**', 'native: setTimeout', 'core/domain', 'hono'])
    expect(t.rows[0]!.cells).toEqual([{ before: 1500, after: 1200 }])
    expect(t.rows[1]!.cells).toEqual([{ before: undefined, after: 400 }])
    expect(t.rows[3]!.cells).toEqual([{ before: 100, after: undefined }])
  })
})

describe('renderBaselineSection', () => {
  const base: BaselineResult = {
    ref: 'HEAD~1',
    sha: '4daaa59'.padEnd(40, '0'),
    shortSha: '4daaa59',
    subject: 'README: a | in the subject',
    buildSeconds: 12.3,
    cached: false,
    compat: { compatibilityDate: '2026-07-01', compatibilityFlags: ['nodejs_compat'] },
    compatDiffers: false,
    rounds: 2,
    order: [],
    scenarios: [
      {
        id: 'encrypt',
        label: 'Encrypt (software key)',
        before: [],
        after: [],
        summary: {
          before: summarizeSide([phase(400, { workerd: 1.6, dynalite: 1.2 }), phase(400, { workerd: 1.6, dynalite: 1.2 })]),
          after: summarizeSide([phase(500, { workerd: 1.5, dynalite: 1.0 }), phase(500, { workerd: 1.5, dynalite: 1.0 })]),
        },
      },
    ],
    skipped: [{ scenario: 'GetSecretValue', reason: 'one request answered 400 (before) / 200 (after)' }],
  }

  it('titles the section with the ref and the short sha and gives both sides per scenario', () => {
    const md = renderBaselineSection(base, 5000, { durationMs: 2000 }).join('\n')
    expect(md).toContain('## Before / after (baseline `HEAD~1` = 4daaa59)')
    expect(md).toContain('a \\| in the subject')
    // req/s 400 → 500 (+25 %), × ceiling 0.08 → 0.10, workerd 2,000 → 1,500 µs (−25 %), dynalite 1,500 → 1,000 (−33 %).
    expect(md).toContain(
      '| Encrypt (software key) | 400 | 500 | +25 % | 0.08 | 0.10 | 2,000 | 1,500 | −25 % | 1,500 | 1,000 | −33 % | 400, 400; 500, 500 | 0 | 0.00 |',
    )
    expect(md).toContain('- GetSecretValue: one request answered 400 (before) / 200 (after)')
    expect(md).not.toContain('CPU profile')
  })

  it('adds the profile buckets side by side when both profiles were taken', () => {
    const md = renderBaselineSection(
      {
        ...base,
        profiles: {
          before: [prof('DescribeRegions', 1500, [['core/domain', 300]]), prof('Encrypt', 2000, [['core/domain', 600]])],
          after: [prof('DescribeRegions', 1200, [['core/domain', 200]]), prof('Encrypt', 1800, [['core/domain', 500]])],
        },
      },
      5000,
      { durationMs: 2000 },
    ).join('\n')
    expect(md).toContain('| bucket | DescribeRegions before µs/req | after | Encrypt before µs/req | after |')
    expect(md).toContain('| **workerd CPU per request (/proc)** | 1,500 | 1,200 | 2,000 | 1,800 |')
    expect(md).toContain('| core/domain | 300 | 200 | 600 | 500 |')
  })

  it('says why there is no profile when it failed', () => {
    expect(renderBaselineSection({ ...base, profileError: 'inspector refused' }, 5000, { durationMs: 2000 }).join('\n')).toContain(
      'CPU profile before / after: not taken (inspector refused).',
    )
  })
})
