/**
 * The app on fakes: `createApp` (functions/app.ts) on in-memory deps (test/fakes/deps.ts),
 * driven with `app.request(...)` — dispatch → authenticate → authorise → domain, no process
 * started. Requests are built and signed by the integration suite's own helpers
 * (test/integration/raw.ts, on core/auth's V1 and ACS3 signers) against a fake endpoint, so a
 * test moved here from test/integration keeps its calls; only `send` differs.
 *
 * Every action handler is wrapped by a spy (injected through `createApp({ apis })`): a response
 * tells whether the handler of its request ran (`handled`), and how many state writes happened
 * while it was served (`writes`, exact for sequential requests). A refused call asserts both.
 * One harness per test file (vitest isolates modules per file).
 */
import { expect } from 'vitest'
import type { ActionDescriptor } from '../../functions/alibaba/action'
import { APIS, createApp, type Apis } from '../../functions/app'
import type { Env } from '../../functions/env'
import { fakeDeps } from '../fakes/deps'
import * as raw from '../integration/raw'
import type { Acs3Options, Pairs, RawRequest, RawResponse, V1Options } from '../integration/raw'

export { encodePairs, expectError, expectErrorShape, expectOk, isoSeconds, newNonce, pct, pool, sha256Hex } from '../integration/raw'
export type { Pairs, RawRequest } from '../integration/raw'

export const fake = await fakeDeps()

/** Request ids whose action handler was called. */
const handled = new Set<string>()

function spied(apis: Apis): Apis {
  const out: Record<string, Apis[string]> = {}
  for (const [version, api] of Object.entries(apis)) {
    const actions = new Map<string, ActionDescriptor>()
    for (const [name, d] of api.actions) {
      actions.set(name, {
        ...d,
        handler: (ctx, input) => {
          handled.add(ctx.requestId)
          return d.handler(ctx, input)
        },
      })
    }
    out[version] = { ...api, actions }
  }
  return out
}

export const app = createApp({ deps: () => fake.deps, apis: spied(APIS) })
export const env: Env = {}

/** What the signers need, as the integration suite's `stack()` gives it. */
const STACK = {
  endpoint: 'http://kms.test',
  regionId: fake.deps.region,
  accountId: fake.root.accountId,
  accessKeyId: fake.root.accessKeyId,
  accessKeySecret: fake.root.accessKeySecret,
}
type Stack = NonNullable<V1Options['stack']>
export const stack = (): Stack => STACK as unknown as Stack

export interface AppResponse extends RawResponse {
  /** The action handler of this request ran. */
  handled: boolean
  /** State writes (not audit) while this request was served. */
  writes: number
}

type ParamInput = Record<string, string | number | boolean> | Pairs

/**
 * Sends through `app.request`, with the headers a client puts on the wire: Host from the URL, and
 * Content-Length for a string or byte body (a stream goes chunked).
 */
export async function send(req: RawRequest): Promise<AppResponse> {
  const headers = new Headers(req.headers)
  if (!headers.has('host')) headers.set('host', new URL(req.url).host)
  const init: RequestInit & { duplex?: 'half' } = { method: req.method, headers }
  if (req.body !== undefined) {
    init.body = req.body as RequestInit['body']
    if (req.body instanceof ReadableStream) init.duplex = 'half'
    else if (!headers.has('content-length'))
      headers.set('content-length', String(typeof req.body === 'string' ? Buffer.byteLength(req.body) : req.body.byteLength))
  }
  const before = fake.writes()
  const res = await app.request(req.url, init, env)
  const text = await res.text()
  let json: any
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  const requestId = res.headers.get('x-acs-request-id') ?? ''
  return { status: res.status, text, json, headers: res.headers, handled: handled.has(requestId), writes: fake.writes() - before }
}

export function signedV1(action: string, params: ParamInput = {}, opts: V1Options = {}): Promise<RawRequest> {
  return raw.signedV1(action, params, { stack: stack(), ...opts })
}

export function signedAcs3(action: string, params: ParamInput = {}, opts: Acs3Options = {}): Promise<RawRequest> {
  return raw.signedAcs3(action, params, { stack: stack(), ...opts })
}

export async function v1(action: string, params: ParamInput = {}, opts: V1Options = {}): Promise<AppResponse> {
  return send(await signedV1(action, params, opts))
}

export async function acs3(action: string, params: ParamInput = {}, opts: Acs3Options = {}): Promise<AppResponse> {
  return send(await signedAcs3(action, params, opts))
}

/** A refused call: its handler never ran and it wrote nothing but its audit event. */
export function expectUnhandled(res: AppResponse): void {
  expect({ handled: res.handled, writes: res.writes }, res.text).toEqual({ handled: false, writes: 0 })
}

/** The number of keys of the account (any state but Deleted). */
export async function keyCount(): Promise<number> {
  return raw.expectOk(await v1('ListKeys', { PageSize: 1 })).TotalCount as number
}

/** Every alias name of the account. */
export async function aliasNames(): Promise<string[]> {
  const names: string[] = []
  for (let page = 1; ; page++) {
    const json = raw.expectOk(await v1('ListAliases', { PageSize: 100, PageNumber: page }))
    names.push(...json.Aliases.Alias.map((a: { AliasName: string }) => a.AliasName))
    if (names.length >= json.TotalCount || json.Aliases.Alias.length === 0) return names
  }
}

export async function createKey(params: Record<string, string> = {}): Promise<string> {
  return raw.expectOk(await v1('CreateKey', params)).KeyMetadata.KeyId as string
}
