/**
 * @module hsm-bridge/main
 *
 * Process entry: `node_modules/.bin/tsx hsm-bridge/src/main.ts` (configuration in README.md).
 * Prints exactly one line to stdout, `hsm-bridge ready on http://HOST:PORT`, once listening;
 * everything else is JSON log lines on stderr. SIGTERM/SIGINT close the server and finalize the
 * library. Exit codes: 0 clean stop, 1 HSM unusable (library, token, PIN), 2 bad configuration.
 */

import { createBridge, type Bridge } from './bridge.js'
import { ConfigError, loadConfig, type BridgeConfig } from './config.js'
import { createLogger } from './log.js'
import { loadXksConfig, type XksConfig } from './xks/config.js'
import { FatalHsmError } from './pkcs11/fatal.js'

let config: BridgeConfig
let xks: XksConfig | undefined
try {
  config = loadConfig()
  xks = loadXksConfig()
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  process.stderr.write(`hsm-bridge: configuration error: ${err.message}\n`)
  process.exit(2)
}

const logger = createLogger(config.logLevel)
let stopping = false
const bridge: Bridge = createBridge({
  config,
  logger,
  onFatal: (err) => void stop(1, err.message),
  ...(xks === undefined ? {} : { xks }),
})

async function stop(code: number, reason: string): Promise<void> {
  if (stopping) return
  stopping = true
  logger.log(code === 0 ? 'info' : 'error', 'hsm-bridge stopping', { reason })
  await bridge.close()
  process.exit(code)
}

try {
  const address = await bridge.start()
  const host = address.address.includes(':') ? `[${address.address}]` : address.address
  const xksAddress = bridge.xksAddress()
  // The XKS endpoint's line comes first, so whoever waits for "ready on" sees both.
  if (xksAddress !== undefined) process.stdout.write(`hsm-bridge xks endpoint on http://${xksAddress.address}:${xksAddress.port}\n`)
  process.stdout.write(`hsm-bridge ready on http://${host}:${address.port}\n`)
} catch (err) {
  if (err instanceof FatalHsmError) {
    logger.log('error', err.message)
    process.exit(1)
  }
  throw err
}

process.on('SIGTERM', () => void stop(0, 'SIGTERM'))
process.on('SIGINT', () => void stop(0, 'SIGINT'))

// Under the local stack the supervisor holds our stdin: when it dies (even by SIGKILL), stdin
// closes and the bridge stops instead of lingering as an orphan.
if (process.env.HSM_BRIDGE_EXIT_WITH_STDIN === '1') {
  process.stdin.on('end', () => void stop(0, 'parent exited'))
  process.stdin.on('close', () => void stop(0, 'parent exited'))
  process.stdin.resume()
}
