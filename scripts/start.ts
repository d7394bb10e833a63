/**
 * `npm start`: runs the whole local stack in the foreground (see scripts/lib/stack.ts and the
 * README's "Local stack" section). Prints `KMS ready at <endpoint>` once it serves and stops
 * every child on Ctrl-C / SIGTERM.
 */
import { readStackConfig, startStack, StackError } from './lib/stack'

async function main(): Promise<void> {
  const config = readStackConfig()
  const stack = await startStack(config)
  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    console.log(`\n${signal} received, stopping the KMS stack…`)
    await stack.stop()
    process.exit(0)
  }
  process.on('SIGINT', () => void shutdown('SIGINT'))
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  console.log(`KMS ready at ${stack.endpoint}`)
  console.log(`  region ${stack.credentials.regionId}, account ${stack.credentials.accountId}`)
  console.log(`  credentials: ${stack.dataDir}/credentials.json`)
}

main().catch((err) => {
  if (err instanceof StackError) {
    console.error(`error: ${err.message}`)
  } else {
    console.error(err)
  }
  process.exit(1)
})
