/**
 * Backup and restore of a local stack's whole state (`npm run backup` / `npm run restore`,
 * README "Backups"). Offline: the stack must be stopped (dynalite's LevelDB allows one process).
 *
 * A backup is one JSON file `{"format":"edge-kms-backup","v":1,"kdf":{scrypt…},"iv","ciphertext"}`:
 * AES-256-GCM (AAD `edge-kms/backup/v1`) under a key derived with scrypt from the operator's
 * passphrase, over the gzip of a JSON payload: every item of the table (DynamoDB JSON), the
 * bootstrap account and AccessKey id (not its secret), and a key check value per root key
 * (HMAC-SHA256 of a fixed label, which reveals nothing of the key). Nothing in it is plaintext
 * key material: key versions, AccessKey secrets, BYOK wrapping keys stay wrapped under the root
 * key exactly as stored (`rk1.<rootKeyId>.…`), and secret values stay sealed under their CMK.
 * The root key ring is therefore NOT in the backup unless asked (`--include-root-keys`, which
 * puts it inside the encrypted payload): keep `root-keys.json` apart, like the Worker secret it
 * is. Restore needs the same ring (given, or from the backup), checks every root key id the
 * table uses against it, proves it by unwrapping the bootstrap AccessKey secret, and only then
 * writes: into a fresh data directory built beside the target and renamed into place, so a
 * failure leaves nothing half-restored.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, scryptSync } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, chmodSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { BatchWriteItemCommand, DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb'
import dynalite from 'dynalite'
import { parseRootKeyRing, unwrapUnderRoot, type RootKeyRing } from '../../core/crypto/root-key'
import { accessKeySecretAad } from '../../core/domain/authenticate'
import { ensureTable } from './create-table'
import { freePort } from './free-port'
import { StackError } from './stack'

const FORMAT = 'edge-kms-backup'
const AAD = Buffer.from('edge-kms/backup/v1')
const KCV_LABEL = 'edge-kms/backup/kcv/v1'
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 128 * 1024 * 1024 }
const MIN_PASSPHRASE = 12

export class BackupError extends StackError {}

type Item = Record<string, AttributeValue>

interface Payload {
  createdAt: string
  tableName: string
  bootstrap: { accountId: string; accessKeyId: string; regionId: string }
  rootKeys: Array<{ id: string; kcv: string }>
  /** Only with --include-root-keys. */
  rootKeyRing?: string
  items: Item[]
}

function kcv(key: Uint8Array): string {
  return createHmac('sha256', key).update(KCV_LABEL).digest('hex').slice(0, 32)
}

function deriveKey(passphrase: string, salt: Buffer, kdf = SCRYPT): Buffer {
  return scryptSync(passphrase, salt, 32, kdf)
}

function checkPassphrase(passphrase: string): void {
  if (passphrase.length < MIN_PASSPHRASE) throw new BackupError(`The backup passphrase must have at least ${MIN_PASSPHRASE} characters.`)
}

/** Serves the data directory's table with an in-process dynalite (the stack must be stopped). */
async function openTable(dataDir: string, create: boolean): Promise<{ client: DynamoDBClient; close(): Promise<void> }> {
  const path = join(dataDir, 'dynalite')
  if (!create && !existsSync(path)) throw new BackupError(`No table in ${dataDir} (no dynalite/ directory).`)
  mkdirSync(path, { recursive: true })
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
  const port = await freePort()
  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(port, '127.0.0.1', () => ok())
  })
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  })
  // LevelDB opens lazily: the first request tells whether the stack still holds its lock.
  return {
    client,
    close: () =>
      new Promise<void>((ok) => {
        client.destroy()
        server.close(() => ok())
      }),
  }
}

async function scanAll(client: DynamoDBClient, tableName: string): Promise<Item[]> {
  const items: Item[] = []
  let start: Item | undefined
  do {
    let page
    try {
      page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }))
    } catch (err) {
      throw new BackupError(
        (err as Error).name === 'ResourceNotFoundException'
          ? `The data directory has no table ${tableName}.`
          : `Cannot read the table: is the stack still running? Stop it first (${(err as Error).name}).`,
      )
    }
    items.push(...(page.Items ?? []))
    start = page.LastEvaluatedKey
  } while (start)
  return items
}

function readRing(file: string): { json: string; ring: RootKeyRing } {
  let json: string
  try {
    json = readFileSync(file, 'utf8')
  } catch {
    throw new BackupError(`Cannot read the root key ring ${file}.`)
  }
  try {
    return { json, ring: parseRootKeyRing(json) }
  } catch {
    throw new BackupError(`${file} is not a valid root key ring.`)
  }
}

/** Root key ids named by wrapped values (`rk1.<id>.`, `hm1.<id>.`) anywhere in the items. */
function rootKeyIdsUsed(items: Item[]): Set<string> {
  const ids = new Set<string>()
  const re = /\b(?:rk1|hm1)\.([A-Za-z0-9_-]{1,64})\./g
  for (const item of items) for (const m of JSON.stringify(item).matchAll(re)) ids.add(m[1]!)
  return ids
}

export interface BackupOptions {
  dataDir: string
  passphrase: string
  tableName?: string
  includeRootKeys?: boolean
}

/** The encrypted backup of `dataDir` (stack stopped). */
export async function createBackup(opts: BackupOptions): Promise<string> {
  checkPassphrase(opts.passphrase)
  const dataDir = resolve(opts.dataDir)
  const tableName = opts.tableName ?? 'edge-kms'
  const { json: ringJson, ring } = readRing(join(dataDir, 'root-keys.json'))
  let creds: { accountId: string; accessKeyId: string; regionId: string }
  try {
    creds = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8'))
  } catch {
    throw new BackupError(`No credentials.json in ${dataDir}: not a local stack's data directory.`)
  }
  const table = await openTable(dataDir, false)
  let items: Item[]
  try {
    items = await scanAll(table.client, tableName)
  } finally {
    await table.close()
  }
  const payload: Payload = {
    createdAt: new Date().toISOString(),
    tableName,
    bootstrap: { accountId: creds.accountId, accessKeyId: creds.accessKeyId, regionId: creds.regionId },
    rootKeys: [...ring.byId.values()].map((k) => ({ id: k.id, kcv: kcv(k.key) })),
    ...(opts.includeRootKeys ? { rootKeyRing: ringJson } : {}),
    items,
  }
  const salt = randomBytes(16)
  const iv = randomBytes(12)
  const key = deriveKey(opts.passphrase, salt)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(AAD)
  const ciphertext = Buffer.concat([cipher.update(gzipSync(Buffer.from(JSON.stringify(payload)))), cipher.final(), cipher.getAuthTag()])
  key.fill(0)
  return `${JSON.stringify({
    format: FORMAT,
    v: 1,
    kdf: { alg: 'scrypt', N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, salt: salt.toString('base64') },
    cipher: 'AES-256-GCM',
    iv: iv.toString('base64'),
    ciphertext: ciphertext.toString('base64'),
  })}\n`
}

/** Opens and checks a backup file's envelope and payload; never writes anything. */
export function openBackup(text: string, passphrase: string): Payload {
  let env: Record<string, any>
  try {
    env = JSON.parse(text)
  } catch {
    throw new BackupError('Not a backup file (not JSON).')
  }
  const b64 = (v: unknown) => typeof v === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(v)
  if (
    env?.format !== FORMAT ||
    env.v !== 1 ||
    env.cipher !== 'AES-256-GCM' ||
    env.kdf?.alg !== 'scrypt' ||
    ![env.kdf.N, env.kdf.r, env.kdf.p].every((n) => Number.isInteger(n) && n > 0) ||
    env.kdf.N > 1 << 20 ||
    env.kdf.r > 32 ||
    env.kdf.p > 16 ||
    !b64(env.kdf.salt) ||
    !b64(env.iv) ||
    !b64(env.ciphertext)
  ) {
    throw new BackupError('Not a backup file of this service (unknown format or version).')
  }
  const iv = Buffer.from(env.iv, 'base64')
  const data = Buffer.from(env.ciphertext, 'base64')
  if (iv.length !== 12 || data.length < 17) throw new BackupError('The backup file is truncated or malformed.')
  const key = deriveKey(passphrase, Buffer.from(env.kdf.salt, 'base64'), {
    N: env.kdf.N,
    r: env.kdf.r,
    p: env.kdf.p,
    maxmem: 256 * 1024 * 1024,
  })
  let plain: Buffer
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv)
    decipher.setAAD(AAD)
    decipher.setAuthTag(data.subarray(data.length - 16))
    plain = Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()])
  } catch {
    throw new BackupError('The backup cannot be opened: wrong passphrase, or the file was altered or truncated.')
  } finally {
    key.fill(0)
  }
  let payload: Payload
  try {
    payload = JSON.parse(gunzipSync(plain).toString('utf8'))
  } catch {
    throw new BackupError('The backup content is malformed.')
  }
  if (
    typeof payload?.bootstrap?.accountId !== 'string' ||
    typeof payload.bootstrap.accessKeyId !== 'string' ||
    !Array.isArray(payload.items) ||
    !Array.isArray(payload.rootKeys) ||
    typeof payload.tableName !== 'string' ||
    payload.items.some((i) => typeof i?.pk?.S !== 'string' || typeof i?.sk?.S !== 'string')
  ) {
    throw new BackupError('The backup content is malformed.')
  }
  return payload
}

export interface RestoreOptions {
  backup: string
  passphrase: string
  /** The data directory to create: must not exist, or be empty. */
  dataDir: string
  /** The root key ring to restore with (root-keys.json of the source); else the one in the backup. */
  rootKeysFile?: string
  /** The target must belong to this account (refuses a backup of another account). */
  expectAccountId?: string
}

/**
 * Restores a backup into a fresh data directory: checks everything first, writes into
 * `<dataDir>.restoring-<random>`, then renames it to `dataDir`. Returns the restored account.
 */
export async function restoreBackup(opts: RestoreOptions): Promise<{ accountId: string; items: number }> {
  const dataDir = resolve(opts.dataDir)
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new BackupError(`${dataDir} is not empty: restore only into a fresh data directory (nothing was written).`)
  }
  const payload = openBackup(opts.backup, opts.passphrase)
  if (opts.expectAccountId !== undefined && opts.expectAccountId !== payload.bootstrap.accountId) {
    throw new BackupError('The backup belongs to another account (nothing was written).')
  }
  let ringJson: string
  let ring: RootKeyRing
  if (opts.rootKeysFile) ({ json: ringJson, ring } = readRing(opts.rootKeysFile))
  else if (payload.rootKeyRing) {
    ringJson = payload.rootKeyRing
    ring = parseRootKeyRing(ringJson)
  } else {
    throw new BackupError('The backup does not contain the root key ring: pass --root-keys <root-keys.json of the backed-up stack>.')
  }
  // Every root key the table uses must be in the ring, and be the same key as when backed up.
  const recorded = new Map(payload.rootKeys.map((k) => [k.id, k.kcv]))
  for (const id of rootKeyIdsUsed(payload.items)) {
    const k = ring.byId.get(id)
    if (!k || recorded.get(id) !== kcv(k.key)) {
      throw new BackupError(
        'The backup was made under another root key ring: its wrapped material cannot be opened with this one (nothing was written).',
      )
    }
  }
  // Proof: the bootstrap AccessKey secret unwraps (and gives credentials.json back).
  const ak = payload.items.find((i) => i.pk?.S === `AK#${payload.bootstrap.accessKeyId}` && i.sk?.S === 'META')
  if (!ak?.wrappedSecret?.S || ak.accountId?.S !== payload.bootstrap.accountId) {
    throw new BackupError('The backup has no bootstrap AccessKey for its account (nothing was written).')
  }
  let secret: string
  try {
    secret = Buffer.from(await unwrapUnderRoot(ring, ak.wrappedSecret.S, accessKeySecretAad(payload.bootstrap.accessKeyId))).toString(
      'utf8',
    )
  } catch {
    throw new BackupError('The backup was made under another root key ring (nothing was written).')
  }

  const staging = join(dirname(dataDir), `.${basename(dataDir)}.restoring-${randomBytes(4).toString('hex')}`)
  mkdirSync(staging, { recursive: true })
  try {
    const table = await openTable(staging, true)
    try {
      await ensureTable(table.client, payload.tableName)
      for (let i = 0; i < payload.items.length; i += 25) {
        let pending: Item[] = payload.items.slice(i, i + 25)
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt > 20) throw new BackupError('The restore could not write every item (nothing was restored).')
          const res = await table.client.send(
            new BatchWriteItemCommand({ RequestItems: { [payload.tableName]: pending.map((Item) => ({ PutRequest: { Item } })) } }),
          )
          pending = (res.UnprocessedItems?.[payload.tableName] ?? []).map((r) => r.PutRequest!.Item as Item)
        }
      }
    } finally {
      await table.close()
    }
    const secretFile = (name: string, content: string) => {
      writeFileSync(join(staging, name), content, { mode: 0o600 })
      chmodSync(join(staging, name), 0o600)
    }
    secretFile('root-keys.json', ringJson)
    secretFile(
      'credentials.json',
      `${JSON.stringify({ regionId: payload.bootstrap.regionId, accountId: payload.bootstrap.accountId, accessKeyId: payload.bootstrap.accessKeyId, accessKeySecret: secret }, null, 2)}\n`,
    )
    if (existsSync(dataDir)) rmSync(dataDir, { recursive: true })
    renameSync(staging, dataDir)
  } catch (err) {
    rmSync(staging, { recursive: true, force: true })
    throw err
  }
  return { accountId: payload.bootstrap.accountId, items: payload.items.length }
}
