/**
 * Serves bench/hello/worker.js with the same Miniflare/workerd options as the product's stack
 * (scripts/lib/stack.ts startStack): host 127.0.0.1, modules, compatibility date and flags from
 * wrangler.toml, log level WARN. Only the script differs, and `cf: false` (no download of the
 * Request.cf object: startStack's instance tries workers.cloudflare.com and falls back).
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { Log, LogLevel, Miniflare } from 'miniflare'
import { ROOT } from '../../scripts/lib/stack'
import { parseWranglerCompat } from '../../scripts/lib/wrangler-compat'

export function readWranglerCompat(): { compatibilityDate: string; compatibilityFlags: string[] } {
  return parseWranglerCompat(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'))
}

export const HELLO_SCRIPT = join(ROOT, 'bench/hello/worker.js')

export async function startHello(port: number): Promise<Miniflare> {
  const { compatibilityDate, compatibilityFlags } = readWranglerCompat()
  const mf = new Miniflare({
    host: '127.0.0.1',
    port,
    modules: true,
    scriptPath: HELLO_SCRIPT,
    modulesRoot: dirname(HELLO_SCRIPT),
    compatibilityDate,
    compatibilityFlags,
    log: new Log(LogLevel.WARN),
    // Do not fetch the Request.cf object from workers.cloudflare.com (the bench talks to
    // 127.0.0.1 only); the per-request cost is the same with the built-in placeholder.
    cf: false,
  })
  await mf.ready
  return mf
}
