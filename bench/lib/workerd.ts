/**
 * Serves a Worker module with the workerd binary directly (no Miniflare entry worker in front):
 * one ES module, text bindings, the compatibility date and flags of wrangler.toml, and an
 * outbound network that may reach 127.0.0.1 (dynalite, the HSM bridge). This is how the bench
 * measures "the bundle that `wrangler deploy` ships, served by workerd directly"; the Miniflare
 * path (scripts/lib/stack.ts) adds Miniflare's entry worker and a service-binding hop per request.
 */
import type { ChildProcess } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, dirname, join } from 'node:path'
import { connect } from 'node:net'
import { ROOT } from '../../scripts/lib/stack'
import { spawnWatched } from './watchdog'

const require = createRequire(import.meta.url)

/** Path of the workerd binary that Miniflare uses (the `workerd` package's platform binary). */
export function workerdBinary(): string {
  const pkgDir = dirname(require.resolve('workerd/package.json', { paths: [join(ROOT, 'node_modules/miniflare')] }))
  const candidates = [
    join(ROOT, 'node_modules/@cloudflare/workerd-linux-64/bin/workerd'),
    join(ROOT, 'node_modules/@cloudflare/workerd-linux-arm64/bin/workerd'),
    join(pkgDir, 'bin/workerd'),
  ]
  const found = candidates.find((p) => existsSync(p))
  if (!found) throw new Error('workerd binary not found under node_modules')
  return found
}

export function workerdVersion(): string {
  try {
    const pkg = JSON.parse(
      readFileSync(require.resolve('workerd/package.json', { paths: [join(ROOT, 'node_modules/miniflare')] }), 'utf8'),
    ) as { version: string }
    return pkg.version
  } catch {
    return 'unknown'
  }
}

function capnpString(s: string): string {
  return JSON.stringify(s) // capnp text strings use the same escapes as JSON for our values
}

export interface RawWorkerd {
  /** The watchdog shell; `pid` is workerd itself (for /proc figures). */
  proc: ChildProcess
  pid: number
  port: number
  stop(): Promise<void>
}

export async function startRawWorkerd(opts: {
  port: number
  scriptPath: string
  compatibilityDate: string
  compatibilityFlags: string[]
  bindings: Record<string, string>
  configDir: string
  /** Extra workerd arguments, e.g. `--inspector-addr=127.0.0.1:PORT` for CPU profiling. */
  extraArgs?: string[]
}): Promise<RawWorkerd> {
  mkdirSync(opts.configDir, { recursive: true, mode: 0o700 })
  const bindings = Object.entries(opts.bindings)
    .map(([name, value]) => `(name = ${capnpString(name)}, text = ${capnpString(value)})`)
    .join(',\n      ')
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .mainWorker),
    (name = "internet", network = (allow = ["public", "private", "local"], tlsOptions = (trustBrowserCas = true))),
  ],
  sockets = [ (name = "http", address = ${capnpString(`127.0.0.1:${opts.port}`)}, http = (), service = "main") ],
);
const mainWorker :Workerd.Worker = (
  modules = [ (name = ${capnpString(basename(opts.scriptPath))}, esModule = embed ${capnpString(basename(opts.scriptPath))}) ],
  compatibilityDate = ${capnpString(opts.compatibilityDate)},
  compatibilityFlags = [${opts.compatibilityFlags.map(capnpString).join(', ')}],
  bindings = [
      ${bindings}
  ],
  globalOutbound = "internet",
);
`
  // capnp `embed` paths are relative to the config file: serve a copy of the module beside it.
  copyFileSync(opts.scriptPath, join(opts.configDir, basename(opts.scriptPath)))
  const file = join(opts.configDir, 'workerd.capnp')
  writeFileSync(file, config, { mode: 0o600 }) // holds the root keys: private, deleted with the data dir
  // Under a watchdog (lib/watchdog.ts): no workerd outlives the bench, even if it is SIGKILLed.
  const bin = workerdBinary()
  const watched = spawnWatched(bin, ['serve', file, '--experimental', ...(opts.extraArgs ?? [])], { cwd: opts.configDir })
  const proc = watched.shell
  proc.stdout!.resume()
  let stderr = ''
  proc.stderr!.on('data', (d) => {
    stderr = (stderr + String(d)).slice(-4000)
  })
  const stop = () => watched.stop()
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`workerd watchdog exited during start-up (code ${proc.exitCode}): ${stderr}`)
    const pid = watched.findPid((c) => c.startsWith(bin))
    if (pid !== undefined && !watched.alive()) {
      await stop()
      throw new Error(`workerd exited during start-up: ${stderr}`)
    }
    const ok =
      pid !== undefined &&
      (await new Promise<boolean>((done) => {
        const s = connect(opts.port, '127.0.0.1')
        s.once('connect', () => {
          s.destroy()
          done(true)
        })
        s.once('error', () => done(false))
      }))
    if (ok) return { proc, pid: pid!, port: opts.port, stop }
    await new Promise((r) => setTimeout(r, 50))
  }
  await stop()
  throw new Error(`workerd did not listen within 20 s: ${stderr}`)
}
