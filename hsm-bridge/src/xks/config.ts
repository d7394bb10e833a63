/**
 * @module hsm-bridge/xks/config
 *
 * Configuration of the bridge's XKS proxy endpoint (off unless `HSM_BRIDGE_XKS_PORT` is set):
 *
 * | Variable | Default | Meaning |
 * |---|---|---|
 * | `HSM_BRIDGE_XKS_PORT` | (unset: no XKS endpoint) | listen port; `0` picks a free one |
 * | `HSM_BRIDGE_XKS_HOST` | `127.0.0.1` | listen address |
 * | `HSM_BRIDGE_XKS_CONFIG_FILE` | (required with the port) | JSON, below |
 *
 * ```json
 * { "region": "cn-hangzhou",
 *   "stores": [ { "uriPrefix": "/xks/local",
 *                 "credentials": [ { "accessKeyId": "…", "secretAccessKey": "…" } ] } ] }
 * ```
 *
 * `region` (optional) pins the SigV4 credential scope's region. Each store (logical key store)
 * has a URI prefix (`""` or `/` + up to 127 of `[A-Za-z0-9/_-]`, no trailing slash) and one or
 * more credentials (several during a rotation); access key ids 20–30 of `[A-Z2-7]`, secrets
 * 43–64 of `[A-Za-z0-9+/=]`, as the XKS spec requires.
 */

import { readFileSync } from 'node:fs'

import { ConfigError } from '../config.js'

export interface XksCredential {
  accessKeyId: string
  secretAccessKey: string
}

export interface XksStoreConfig {
  uriPrefix: string
  credentials: XksCredential[]
}

export interface XksConfig {
  host: string
  port: number
  region: string | undefined
  stores: XksStoreConfig[]
}

export const URI_PREFIX = /^(?:\/[A-Za-z0-9/_-]{0,127})?$/
export const ACCESS_KEY_ID = /^[A-Z2-7]{20,30}$/
export const SECRET_ACCESS_KEY = /^[A-Za-z0-9+/=]{43,64}$/

type Env = Record<string, string | undefined>

/**
 * The XKS configuration, or undefined when the endpoint is off.
 *
 * @throws {ConfigError} for a malformed variable or file (never echoing a secret).
 */
export function loadXksConfig(env: Env = process.env): XksConfig | undefined {
  const portText = env.HSM_BRIDGE_XKS_PORT
  if (portText === undefined || portText === '') return undefined
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new ConfigError('HSM_BRIDGE_XKS_PORT must be a port number')
  }
  const file = env.HSM_BRIDGE_XKS_CONFIG_FILE
  if (file === undefined || file === '') throw new ConfigError('HSM_BRIDGE_XKS_CONFIG_FILE is required with HSM_BRIDGE_XKS_PORT')
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    throw new ConfigError('HSM_BRIDGE_XKS_CONFIG_FILE could not be read as JSON')
  }
  return { host: env.HSM_BRIDGE_XKS_HOST || '127.0.0.1', port: Number(portText), ...parseXksStores(raw) }
}

/**
 * Validates the JSON of the configuration file.
 *
 * @throws {ConfigError}
 */
export function parseXksStores(raw: unknown): Pick<XksConfig, 'region' | 'stores'> {
  const bad = (why: string): never => {
    throw new ConfigError(`HSM_BRIDGE_XKS_CONFIG_FILE: ${why}`)
  }
  if (typeof raw !== 'object' || raw === null) bad('must be a JSON object')
  const o = raw as Record<string, unknown>
  const region = o.region
  if (region !== undefined && (typeof region !== 'string' || !/^[a-z0-9-]{1,32}$/.test(region))) bad('region is malformed')
  if (!Array.isArray(o.stores) || o.stores.length === 0) bad('stores must be a non-empty array')
  const prefixes = new Set<string>()
  const stores = (o.stores as unknown[]).map((st) => {
    const s = st as Record<string, unknown>
    if (typeof s?.uriPrefix !== 'string' || !URI_PREFIX.test(s.uriPrefix) || s.uriPrefix.endsWith('/')) bad('a uriPrefix is malformed')
    if (prefixes.has(s.uriPrefix as string)) bad('uriPrefix values must be distinct')
    prefixes.add(s.uriPrefix as string)
    if (!Array.isArray(s.credentials) || s.credentials.length === 0) bad('each store needs credentials')
    const credentials = (s.credentials as unknown[]).map((c) => {
      const cr = c as Record<string, unknown>
      if (typeof cr?.accessKeyId !== 'string' || !ACCESS_KEY_ID.test(cr.accessKeyId)) bad('an accessKeyId is malformed')
      if (typeof cr.secretAccessKey !== 'string' || !SECRET_ACCESS_KEY.test(cr.secretAccessKey)) bad('a secretAccessKey is malformed')
      return { accessKeyId: cr.accessKeyId as string, secretAccessKey: cr.secretAccessKey as string }
    })
    return { uriPrefix: s.uriPrefix as string, credentials }
  })
  return { region: region as string | undefined, stores }
}
