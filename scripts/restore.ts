/**
 * `npm run restore -- --in <file> [--root-keys <root-keys.json>] [--account <id>]`
 *
 * Restores a backup (scripts/backup.ts) into `$KMS_DATA_DIR`, which must not exist or be empty;
 * `npm start` then serves the restored state. The root key ring comes from `--root-keys` (the
 * backed-up stack's root-keys.json) or from the backup when it was made with
 * `--include-root-keys`. Everything is checked before anything is written (passphrase, format,
 * root keys, account); the data directory appears only once complete.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { restoreBackup } from './lib/backup'
import { passphrase } from './lib/backup-passphrase'
import { readStackConfig, StackError } from './lib/stack'

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      in: { type: 'string' },
      'passphrase-file': { type: 'string' },
      'root-keys': { type: 'string' },
      account: { type: 'string' },
    },
  })
  if (!values.in)
    throw new StackError('usage: npm run restore -- --in <file> [--root-keys <file>] [--account <id>] [--passphrase-file <file>]')
  let backup: string
  try {
    backup = readFileSync(values.in, 'utf8')
  } catch {
    throw new StackError(`Cannot read ${values.in}.`)
  }
  const config = readStackConfig()
  const result = await restoreBackup({
    backup,
    passphrase: passphrase(values['passphrase-file']),
    dataDir: config.dataDir,
    ...(values['root-keys'] ? { rootKeysFile: values['root-keys'] } : {}),
    ...(values.account ? { expectAccountId: values.account } : {}),
  })
  console.log(`restored ${result.items} items of account ${result.accountId} into ${config.dataDir}; start it with npm start`)
}

main().catch((err) => {
  console.error(err instanceof StackError ? `error: ${err.message}` : err)
  process.exit(1)
})
