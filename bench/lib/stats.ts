import type { LatencySummary } from './protocol'

/** Exact percentiles (nearest rank) of `values` (ms). */
export function summarize(values: Float64Array | number[], count = values.length): LatencySummary {
  if (count === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 }
  const sorted = Float64Array.from(values.slice(0, count) as ArrayLike<number>).sort()
  const at = (q: number) => sorted[Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1))]!
  let sum = 0
  for (let i = 0; i < count; i++) sum += sorted[i]!
  const r = (x: number) => Math.round(x * 1000) / 1000
  return {
    count,
    mean: r(sum / count),
    p50: r(at(0.5)),
    p90: r(at(0.9)),
    p99: r(at(0.99)),
    p999: r(at(0.999)),
    max: r(sorted[count - 1]!),
  }
}
