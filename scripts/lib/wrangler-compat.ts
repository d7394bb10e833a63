/**
 * @module scripts/lib/wrangler-compat
 *
 * compatibility_date and compatibility_flags of a wrangler.toml text: the local stack serves the
 * working tree's Worker with them (scripts/lib/stack.ts), and the bench reads a baseline
 * commit's (bench/lib/baseline-report.ts). Only these two keys are read, by pattern.
 */
export function parseWranglerCompat(text: string): { compatibilityDate: string; compatibilityFlags: string[] } {
  const date = /compatibility_date\s*=\s*"([^"]+)"/.exec(text)?.[1]
  const flags = /compatibility_flags\s*=\s*\[([^\]]*)\]/.exec(text)?.[1]
  if (!date) throw new Error('wrangler.toml has no compatibility_date')
  return {
    compatibilityDate: date,
    compatibilityFlags: (flags ?? '')
      .split(',')
      .map((f) => f.trim().replace(/^"|"$/g, ''))
      .filter(Boolean),
  }
}
