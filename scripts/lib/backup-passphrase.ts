/** The backup passphrase: `--passphrase-file` or `$KMS_BACKUP_PASSPHRASE`, never an argument. */
import { readFileSync } from 'node:fs'
import { StackError } from './stack'

export function passphrase(file: string | undefined): string {
  if (file) {
    try {
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '')
    } catch {
      throw new StackError(`Cannot read the passphrase file ${file}.`)
    }
  }
  const env = process.env.KMS_BACKUP_PASSPHRASE
  if (!env) throw new StackError('Give the backup passphrase in $KMS_BACKUP_PASSPHRASE or with --passphrase-file.')
  return env
}
