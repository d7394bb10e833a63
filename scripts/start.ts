/**
 * `npm start`: runs the whole local stack in the foreground (see scripts/lib/stack.ts and the
 * README's "Local stack" section). Prints `KMS ready at <endpoint>` once it serves and stops
 * every child on Ctrl-C / SIGTERM.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { cronIntervalMinutes } from './lib/cron'
import { readStackConfig, ROOT, startStack, StackError } from './lib/stack'

/** Fires the Worker's scheduled handler on the wrangler.toml schedule, as the platform would. */
function scheduleCrons(run: (cron: string) => Promise<void>): () => void {
  const text = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8')
  const crons = [...(/crons\s*=\s*\[([^\]]*)\]/.exec(text)?.[1]?.matchAll(/"([^"]+)"/g) ?? [])].map((m) => m[1]!)
  const timers: NodeJS.Timeout[] = []
  for (const cron of crons) {
    const minutes = cronIntervalMinutes(cron)
    const tick = () => {
      const now = new Date()
      if (now.getUTCMinutes() % minutes === 0) {
        run(cron).catch((err) => console.error(`cron ${cron} failed: ${(err as Error).message}`))
      }
    }
    // Align to the start of the next minute, then every minute.
    const first = setTimeout(
      () => {
        tick()
        timers.push(setInterval(tick, 60_000))
      },
      60_000 - (Date.now() % 60_000),
    )
    timers.push(first)
  }
  return () => timers.forEach((t) => clearTimeout(t))
}

async function main(): Promise<void> {
  const config = readStackConfig()
  const stack = await startStack(config)
  const stopCrons = scheduleCrons((cron) => stack.runScheduled(cron))
  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    console.log(`\n${signal} received, stopping the KMS stack…`)
    stopCrons()
    await stack.stop()
    process.exit(0)
  }
  process.on('SIGINT', () => void shutdown('SIGINT'))
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  console.log(`KMS ready at ${stack.endpoint}`)
  console.log(`Console at ${stack.endpoint}/console`)
  console.log(`  HTTPS at ${stack.httpsEndpoint} (CA certificate: ${stack.caCertPath})`)
  if (stack.hsm?.xks)
    console.log(`  XKS proxy at ${stack.hsm.xks.endpoint}${stack.hsm.xks.uriPath} (credential: ${stack.dataDir}/xks-proxy.json)`)
  console.log(`  region ${stack.credentials.regionId}, account ${stack.credentials.accountId}`)
  console.log(`  credentials: ${stack.dataDir}/credentials.json`)
  console.log(
    stack.hsm
      ? `  HSM bridge: ${stack.hsm.url} (${stack.hsm.modulePath}, token ${stack.hsm.tokenLabel})`
      : '  HSM bridge: off (no PKCS#11 module; install softhsm2 or set HSM_MODULE): HSM keys are unavailable',
  )
}

main().catch((err) => {
  if (err instanceof StackError) {
    console.error(`error: ${err.message}`)
  } else {
    console.error(err)
  }
  process.exit(1)
})
