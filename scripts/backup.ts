/**
 * `npm run backup -- --out <file> [--include-root-keys]`
 *
 * Writes an encrypted backup of the whole local state of `$KMS_DATA_DIR` (default `.data/`):
 * every table item, with key material still wrapped under the root key (scripts/lib/backup.ts,
 * README "Backups"). The passphrase comes from `$KMS_BACKUP_PASSPHRASE` or `--passphrase-file`
 * (never a command-line argument: it would show in the process list). Stop the stack first.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { createBackup } from './lib/backup'
import { passphrase } from './lib/backup-passphrase'
import { readStackConfig, StackError } from './lib/stack'

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      'passphrase-file': { type: 'string' },
      'include-root-keys': { type: 'boolean', default: false },
      table: { type: 'string' },
    },
  })
  if (!values.out) throw new StackError('usage: npm run backup -- --out <file> [--include-root-keys] [--passphrase-file <file>]')
  const config = readStackConfig()
  const text = await createBackup({
    dataDir: config.dataDir,
    passphrase: passphrase(values['passphrase-file']),
    includeRootKeys: values['include-root-keys'],
    ...(values.table ? { tableName: values.table } : {}),
  })
  writeFileSync(values.out, text, { mode: 0o600 })
  console.log(
    `backup of ${config.dataDir} written to ${values.out}${values['include-root-keys'] ? ' (root key ring inside)' : ' (keep root-keys.json apart: restore needs it)'}`,
  )
}

main().catch((err) => {
  console.error(err instanceof StackError ? `error: ${err.message}` : err)
  process.exit(1)
})
