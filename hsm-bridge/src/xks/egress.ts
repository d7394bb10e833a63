/**
 * @module hsm-bridge/xks/egress
 *
 * Where the bridge may send XKS requests. A key store's proxy URL is tenant input, and the
 * bridge runs inside the operator's network: without a rule, a tenant could make it POST to
 * internal services (server-side request forgery). Public addresses are allowed; loopback,
 * private (RFC 1918, unique-local), link-local, carrier-grade NAT and unspecified addresses only
 * when `HSM_BRIDGE_XKS_PRIVATE_TARGETS` lists the host or address (comma-separated, `none` for
 * nothing). Default: the loopback names and addresses, which the local stack's own XKS endpoint
 * needs; deployments with a proxy on a private network list it, or set `none`.
 *
 * Host names are resolved here and every address they resolve to must pass. The connection
 * resolves again (a DNS answer that changes in between — rebinding — is not covered; list
 * the proxy by address where that matters).
 */
import { lookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'

const PRIVATE = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4')
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6')
}

const DEFAULT_PRIVATE_TARGETS = '127.0.0.1,localhost,::1'

/** The hosts and addresses listed in `HSM_BRIDGE_XKS_PRIVATE_TARGETS` (lower case, no brackets). */
export function privateTargets(env: NodeJS.ProcessEnv = process.env): ReadonlySet<string> {
  const raw = (env.HSM_BRIDGE_XKS_PRIVATE_TARGETS ?? DEFAULT_PRIVATE_TARGETS).trim().toLowerCase()
  if (raw === 'none') return new Set()
  return new Set(
    raw
      .split(',')
      .map((s) => s.trim().replace(/^\[|\]$/g, ''))
      .filter((s) => s !== ''),
  )
}

/** Whether `address` (an IP literal) is loopback, private, link-local or unspecified. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 0) return false
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4')
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

export type Resolver = (host: string) => Promise<string[]>

const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address)

/**
 * Whether the bridge may call `hostname` (a URL's hostname, IPv6 in brackets or not).
 * `unresolvable` when the name does not resolve (the call would fail anyway).
 *
 * @throws never
 */
export async function egressAllowed(
  hostname: string,
  allowed: ReadonlySet<string> = privateTargets(),
  resolve: Resolver = systemResolver,
): Promise<'allowed' | 'private' | 'unresolvable'> {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '')
  if (allowed.has(host)) return 'allowed'
  let addresses: string[]
  if (isIP(host) !== 0) addresses = [host]
  else {
    try {
      addresses = await resolve(host)
    } catch {
      return 'unresolvable'
    }
    if (addresses.length === 0) return 'unresolvable'
  }
  return addresses.every((a) => !isPrivateAddress(a) || allowed.has(a.toLowerCase())) ? 'allowed' : 'private'
}
