/**
 * `npm run instance -- create [--type software|hsm|external] [--keys N] [--secrets N] [--rps N] [--vpcs N] [--name TEXT] [--account ID]`
 * `npm run instance -- list [--account ID]`
 *
 * KMS instances of the running local stack (found through KMS_PORT and KMS_DATA_DIR like every
 * script). Alibaba sells instances; here the operator creates them. `--account` defaults to the
 * bootstrap account of `$KMS_DATA_DIR/credentials.json`. Prints the instance as JSON.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createLocalInstance, listLocalInstances } from './lib/instances'
import { readStackConfig, StackError } from './lib/stack'

function integer(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new StackError(`--${name} must be a non-negative integer (got "${value}")`)
  return n
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      type: { type: 'string', default: 'software' },
      keys: { type: 'string' },
      secrets: { type: 'string' },
      rps: { type: 'string' },
      vpcs: { type: 'string' },
      name: { type: 'string' },
      account: { type: 'string' },
    },
  })
  const command = positionals[0]
  if (command !== 'create' && command !== 'list') throw new StackError('usage: npm run instance -- create|list [options]')
  const config = readStackConfig()
  const endpoint = `http://127.0.0.1:${config.port}`
  let accountId = values.account
  if (!accountId) {
    try {
      accountId = (JSON.parse(readFileSync(join(config.dataDir, 'credentials.json'), 'utf8')) as { accountId: string }).accountId
    } catch {
      throw new StackError(`No credentials.json in ${config.dataDir}: pass --account or start the stack first.`)
    }
  }
  if (command === 'list') {
    console.log(JSON.stringify(await listLocalInstances(endpoint, config.dataDir, accountId), null, 2))
    return
  }
  const type = values.type as 'software' | 'hsm' | 'external'
  if (!['software', 'hsm', 'external'].includes(type)) throw new StackError('--type must be software, hsm or external')
  const instance = await createLocalInstance(endpoint, config.dataDir, {
    accountId,
    type,
    keys: integer('keys', values.keys, 1000),
    secrets: integer('secrets', values.secrets, 100),
    rps: integer('rps', values.rps, 1000),
    vpcs: integer('vpcs', values.vpcs, 1),
    ...(values.name ? { name: values.name } : {}),
  })
  console.log(JSON.stringify(instance, null, 2))
}

main().catch((err) => {
  console.error(err instanceof StackError ? `error: ${err.message}` : err)
  process.exit(1)
})
