/**
 * CPU profile of the Worker inside workerd, over the inspector protocol (workerd
 * `--inspector-addr`), attributed to source files through the bundle's source map
 * (`index.js.map` written by `wrangler deploy --dry-run`). Used by the profiling phase of
 * bench/run.ts: where the Worker's own CPU goes per request, in the real runtime.
 */
import { readFileSync } from 'node:fs'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
  columnNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
}
export interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** A minimal Chrome DevTools Protocol client over Node's global WebSocket. */
export class InspectorClient {
  private ws: WebSocket
  private seq = 0
  private waiting = new Map<number, { ok: (v: any) => void; fail: (e: Error) => void }>()

  private constructor(ws: WebSocket) {
    this.ws = ws
    ws.addEventListener('message', (ev) => {
      const msg = JSON.parse(String(ev.data)) as { id?: number; result?: unknown; error?: { message: string } }
      if (msg.id === undefined) return
      const w = this.waiting.get(msg.id)
      if (!w) return
      this.waiting.delete(msg.id)
      if (msg.error) w.fail(new Error(msg.error.message))
      else w.ok(msg.result)
    })
  }

  static async connect(inspectorAddr: string, timeoutMs = 10_000): Promise<InspectorClient> {
    const list = (await (await fetch(`http://${inspectorAddr}/json/list`, { signal: AbortSignal.timeout(timeoutMs) })).json()) as Array<{
      webSocketDebuggerUrl: string
    }>
    const url = list[0]?.webSocketDebuggerUrl
    if (!url) throw new Error('workerd inspector lists no target')
    const ws = new WebSocket(url)
    await new Promise<void>((ok, fail) => {
      const t = setTimeout(() => fail(new Error('inspector connect timeout')), timeoutMs)
      ws.addEventListener('open', () => {
        clearTimeout(t)
        ok()
      })
      ws.addEventListener('error', () => {
        clearTimeout(t)
        fail(new Error('inspector connect failed'))
      })
    })
    return new InspectorClient(ws)
  }

  send<T = unknown>(method: string, params: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
    const id = ++this.seq
    return new Promise<T>((ok, fail) => {
      const t = setTimeout(() => {
        this.waiting.delete(id)
        fail(new Error(`inspector ${method} timeout`))
      }, timeoutMs)
      this.waiting.set(id, {
        ok: (v) => {
          clearTimeout(t)
          ok(v as T)
        },
        fail: (e) => {
          clearTimeout(t)
          fail(e)
        },
      })
      this.ws.send(JSON.stringify({ id, method, params }))
    })
  }

  close(): void {
    this.ws.close()
  }
}

// ---- Source maps (v3): just enough to map a generated (line, column) to its source file. ------

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const B64_VALUE = new Map([...B64].map((c, i) => [c, i]))

/** Per generated line: sorted [generatedColumn, sourceIndex] pairs. */
export class SourceMapLookup {
  private lines: Array<Int32Array> = []
  readonly sources: string[]

  constructor(mapJson: string) {
    const map = JSON.parse(mapJson) as { sources: string[]; mappings: string }
    this.sources = map.sources
    let source = 0
    let srcLine = 0
    let srcCol = 0
    let name = 0
    for (const line of map.mappings.split(';')) {
      let col = 0
      const pairs: number[] = []
      if (line.length > 0) {
        for (const seg of line.split(',')) {
          if (!seg) continue
          const values: number[] = []
          let value = 0
          let shift = 0
          for (const ch of seg) {
            const digit = B64_VALUE.get(ch)!
            value += (digit & 31) << shift
            if (digit & 32) shift += 5
            else {
              values.push(value & 1 ? -(value >>> 1) : value >>> 1)
              value = 0
              shift = 0
            }
          }
          col += values[0] ?? 0
          if (values.length >= 4) {
            source += values[1]!
            srcLine += values[2]!
            srcCol += values[3]!
            if (values.length >= 5) name += values[4]!
            pairs.push(col, source)
          }
        }
      }
      this.lines.push(Int32Array.from(pairs))
    }
    void srcLine
    void srcCol
    void name
  }

  /** Source file of generated position (0-based line and column), if mapped. */
  sourceAt(line: number, column: number): string | undefined {
    const pairs = this.lines[line]
    if (!pairs || pairs.length === 0) return undefined
    let lo = 0
    let hi = pairs.length / 2 - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (pairs[mid * 2]! <= column) {
        found = mid
        lo = mid + 1
      } else hi = mid - 1
    }
    if (found < 0) found = 0
    return this.sources[pairs[found * 2 + 1]!]
  }
}

/** Groups a source path into a readable bucket: an npm package, or core/<dir>, functions/<dir>. */
export function bucketOf(source: string | undefined, fn: string): string {
  if (source === undefined) {
    if (fn === '(garbage collector)') return 'GC'
    if (fn === '(program)') return 'V8 / workerd native (program)'
    if (fn === '(idle)') return 'idle'
    if (fn === '(root)') return 'idle'
    return `native: ${fn || '(anonymous)'}`
  }
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)
  if (nm) {
    const pkg = nm[1]!
    if (pkg.startsWith('@aws-sdk/') || pkg.startsWith('@smithy/') || pkg.startsWith('@aws-crypto/')) return `AWS SDK: ${pkg}`
    return pkg
  }
  const own = /(?:^|\/)((?:core|functions)\/[^/]+)/.exec(source)
  if (own) return own[1]!.replace(/\.ts$/, '')
  if (/unenv|wrangler|node-compat|_virtual|polyfill/.test(source)) return 'wrangler/unenv shims'
  return source.replace(/^(\.\.\/)+/, '')
}

export interface Attribution {
  totalUs: number
  busyUs: number
  buckets: Array<{ bucket: string; us: number; share: number }>
  functions: Array<{ fn: string; bucket: string; us: number }>
}

/** Self time per bucket and per function (idle excluded). */
export function attribute(profile: CpuProfile, bundleUrlSuffix: string, map: SourceMapLookup | undefined): Attribution {
  const self = new Map<number, number>()
  profile.samples.forEach((id, k) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[k] ?? 0)))
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
  const buckets = new Map<string, number>()
  const fns = new Map<string, { bucket: string; us: number }>()
  let total = 0
  let busy = 0
  for (const [id, us] of self) {
    total += us
    const n = nodes.get(id)!
    const cf = n.callFrame
    const source =
      cf.url && cf.url.endsWith(bundleUrlSuffix) && map
        ? (map.sourceAt(cf.lineNumber, cf.columnNumber) ?? 'bundle (unmapped)')
        : cf.url || undefined
    const bucket = bucketOf(source, cf.functionName)
    if (bucket === 'idle') continue
    busy += us
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + us)
    const key = `${cf.functionName || '(anonymous)'}\u0000${bucket}`
    const f = fns.get(key) ?? { bucket, us: 0 }
    f.us += us
    fns.set(key, f)
  }
  return {
    totalUs: total,
    busyUs: busy,
    buckets: [...buckets].sort((a, b) => b[1] - a[1]).map(([bucket, us]) => ({ bucket, us, share: busy ? us / busy : 0 })),
    functions: [...fns]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, 30)
      .map(([k, v]) => ({ fn: k.split('\u0000')[0]!, bucket: v.bucket, us: v.us })),
  }
}

export function loadSourceMap(path: string): SourceMapLookup | undefined {
  try {
    return new SourceMapLookup(readFileSync(path, 'utf8'))
  } catch {
    return undefined
  }
}
