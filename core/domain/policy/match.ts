/**
 * @module core/domain/policy/match
 *
 * Pattern matching used by policy evaluation: `*` / `?` wildcards (actions case-insensitively,
 * resources and principals case-sensitively) and IP address ranges (`acs:SourceIp`). Wildcards
 * are matched by a two-pointer scan in at most O(|pattern| · |value|) steps, never a RegExp
 * built from policy text (whose backtracking is polynomial of the degree of the number of stars:
 * `s3://` and five slash-separated stars took seconds on 150 slashes), and every step is charged
 * to the request's {@link MatchBudget}.
 */

/**
 * The work one authorisation decision may do matching patterns and testing conditions, counted
 * in steps (one step is one character compared by a wildcard match, or one character of a request
 * value handed to any other condition test). Policies are user input (up to 32 KB) and so are the
 * request values they are tested against (an encryption context up to 8 KB), so without a bound
 * one request could make the evaluator spin. When the allowance runs out the matcher throws
 * {@link BudgetExceeded} and the decision is a deny (core/domain/policy/evaluate.ts).
 */
export class MatchBudget {
  constructor(public remaining: number = MAX_MATCH_STEPS) {}

  /** @throws BudgetExceeded when fewer than `steps` remain */
  spend(steps: number): void {
    this.remaining -= steps
    if (this.remaining < 0) throw new BudgetExceeded()
  }
}

/**
 * Steps allowed per request: far above any real policy (a 32 KB key policy of ARN patterns tested
 * against an ARN takes a few thousand) and a few milliseconds of CPU at most.
 */
export const MAX_MATCH_STEPS = 1_000_000

/** The match budget of a decision is spent; the decision is deny. */
export class BudgetExceeded extends Error {
  constructor() {
    super('policy evaluation budget exceeded')
  }
}

/**
 * A compiled wildcard pattern. `*` matches any run of characters (also `:` and `/`), `?` one
 * (UTF-16 code unit). Steps are charged to `budget` when one is given.
 */
export type Matcher = (value: string, budget?: MatchBudget) => boolean

/**
 * Whether `value` matches the wildcard `pattern`, without backtracking beyond the last `*`: the
 * classic two-pointer algorithm. On a mismatch it returns to the most recent `*` and lets it
 * absorb one more character; earlier stars never need revisiting (any match they could give the
 * later star can take as well). At most (|value| + 1) · (|pattern| + 1) steps, usually |value|.
 * Never builds a RegExp from the pattern.
 * @throws BudgetExceeded when `budget` runs out
 */
export function globMatch(pattern: string, value: string, budget?: MatchBudget): boolean {
  const m = pattern.length
  const n = value.length
  let p = 0
  let v = 0
  let starP = -1
  let starV = 0
  let steps = 0
  const limit = budget ? budget.remaining : Infinity
  while (v < n) {
    if (++steps > limit) budget!.spend(steps)
    const c = p < m ? pattern.charCodeAt(p) : -1
    if (c === 42 /* * */) {
      starP = p++
      starV = v
    } else if (c === 63 /* ? */ || (c !== -1 && c === value.charCodeAt(v))) {
      p++
      v++
    } else if (starP >= 0) {
      p = starP + 1
      v = ++starV
    } else {
      budget?.spend(steps)
      return false
    }
  }
  while (p < m && pattern.charCodeAt(p) === 42) p++
  budget?.spend(steps + 1)
  return p === m
}

/**
 * Compiles a wildcard pattern (consecutive stars collapsed).
 * @throws never (every string is a valid pattern); the matcher throws BudgetExceeded
 */
export function wildcard(pattern: string, ignoreCase = false): Matcher {
  if (pattern === '*') return (_v, budget) => (budget?.spend(1), true)
  if (!pattern.includes('*') && !pattern.includes('?')) {
    if (!ignoreCase) return (v, budget) => (budget?.spend(Math.min(v.length, pattern.length) + 1), v === pattern)
    const lower = pattern.toLowerCase()
    return (v, budget) => (budget?.spend(v.length + 1), v.toLowerCase() === lower)
  }
  const collapsed = pattern.replace(/\*{2,}/g, '*')
  if (!ignoreCase) return (v, budget) => globMatch(collapsed, v, budget)
  const lower = collapsed.toLowerCase()
  return (v, budget) => globMatch(lower, v.toLowerCase(), budget)
}

/** An address range: the version, the network bits and the prefix length. */
export interface IpRange {
  v: 4 | 6
  bits: bigint
  prefix: number
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  let n = 0n
  for (const p of parts) {
    if (!/^(?:0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined
    n = (n << 8n) | BigInt(p)
  }
  return n
}

function parseIpv6(text: string): bigint | undefined {
  let head = text
  let tailV4: bigint | undefined
  const lastColon = text.lastIndexOf(':')
  if (text.includes('.') && lastColon >= 0) {
    tailV4 = parseIpv4(text.slice(lastColon + 1))
    if (tailV4 === undefined) return undefined
    head = `${text.slice(0, lastColon + 1)}0:0`
  }
  const halves = head.split('::')
  if (halves.length > 2) return undefined
  const groups = (s: string) => (s === '' ? [] : s.split(':'))
  const left = groups(halves[0]!)
  const right = halves.length === 2 ? groups(halves[1]!) : []
  const missing = 8 - left.length - right.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right]
  let n = 0n
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined
    n = (n << 16n) | BigInt(parseInt(g, 16))
  }
  if (tailV4 !== undefined) n = (n & ~0xffffffffn) | tailV4
  return n
}

/** Parses an address (`10.0.0.1`, `::1`) as a full-length range. Undefined when malformed. */
export function parseIp(text: string): IpRange | undefined {
  if (text.includes(':')) {
    const bits = parseIpv6(text)
    return bits === undefined ? undefined : { v: 6, bits, prefix: 128 }
  }
  const bits = parseIpv4(text)
  return bits === undefined ? undefined : { v: 4, bits, prefix: 32 }
}

/** Parses `10.0.0.0/8`, `2001:db8::/32` or a single address. Undefined when malformed. */
export function parseCidr(text: string): IpRange | undefined {
  const slash = text.indexOf('/')
  if (slash < 0) return parseIp(text)
  const ip = parseIp(text.slice(0, slash))
  const prefixText = text.slice(slash + 1)
  if (!ip || !/^\d{1,3}$/.test(prefixText)) return undefined
  const prefix = Number(prefixText)
  if (prefix > (ip.v === 4 ? 32 : 128)) return undefined
  return { ...ip, prefix }
}

/** True when `ip` lies in `range` (same IP version only). */
export function inRange(range: IpRange, ip: IpRange): boolean {
  if (range.v !== ip.v) return false
  const width = BigInt(range.v === 4 ? 32 : 128)
  const shift = width - BigInt(range.prefix)
  return range.bits >> shift === ip.bits >> shift
}
