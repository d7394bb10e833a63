/**
 * @module core/domain/policy/match
 *
 * Pattern matching used by policy evaluation: `*` / `?` wildcards (actions case-insensitively,
 * resources and principals case-sensitively) and IP address ranges (`acs:SourceIp`).
 */

/** A compiled wildcard pattern. `*` matches any run of characters (also `:` and `/`), `?` one. */
export type Matcher = (value: string) => boolean

/**
 * Compiles a wildcard pattern.
 * @throws never (every string is a valid pattern)
 */
export function wildcard(pattern: string, ignoreCase = false): Matcher {
  if (pattern === '*') return () => true
  if (!pattern.includes('*') && !pattern.includes('?')) {
    if (!ignoreCase) return (v) => v === pattern
    const lower = pattern.toLowerCase()
    return (v) => v.toLowerCase() === lower
  }
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('')
  const re = new RegExp(`^${source}$`, ignoreCase ? 'is' : 's')
  return (v) => re.test(v)
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
