/**
 * Backups of the whole local state (scripts/lib/backup.ts, `npm run backup` / `npm run restore`):
 * a stack of its own is filled (software keys, symmetric and asymmetric blobs, secrets), stopped,
 * backed up, restored into a fresh data directory and started again, and every blob made before
 * still decrypts. Malformed backups, a wrong passphrase, another root key ring or another account
 * are refused with a clear error and leave nothing behind.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateRootKeyRingJson } from '../../core/crypto/root-key'
import { createBackup, openBackup, restoreBackup } from '../../scripts/lib/backup'
import { freePort, startStack, type RunningStack } from '../../scripts/lib/stack'
import { b64, openApiCaller } from './clients'

const PASS = 'correct horse battery staple'
const root = mkdtempSync(join(tmpdir(), 'kms-backup-it-'))
const source = join(root, 'source')
const SECRET_VALUE = 'backup-secret-value-7f3a'

async function start(dataDir: string): Promise<{ stack: RunningStack; call: ReturnType<typeof openApiCaller> }> {
  const stack = await startStack({ port: await freePort(), httpsPort: await freePort(), dataDir, hsm: 'off' })
  const c = stack.credentials
  const call = openApiCaller({}, { ...c, dataDir, dynamoEndpoint: stack.dynamoEndpoint, tableName: stack.tableName } as never)
  return { stack, call }
}

interface Made {
  blobs: Array<{ blob: string; plaintext: string; context?: string }>
  rsa: { keyId: string; versionId: string; blob: string; plaintext: string }
  secrets: string[]
  accountId: string
}
let made: Made
let backup: string

beforeAll(async () => {
  const { stack, call } = await start(source)
  try {
    const blobs: Made['blobs'] = []
    for (let k = 0; k < 2; k++) {
      const { KeyMetadata } = await call('CreateKey', {})
      for (let i = 0; i < 2; i++) {
        const plaintext = b64(`plain-${k}-${i}`)
        const context = JSON.stringify({ n: String(i) })
        const { CiphertextBlob } = await call('Encrypt', { KeyId: KeyMetadata.KeyId, Plaintext: plaintext, EncryptionContext: context })
        blobs.push({ blob: CiphertextBlob, plaintext, context })
      }
      const dk = await call('GenerateDataKey', { KeyId: KeyMetadata.KeyId })
      blobs.push({ blob: dk.CiphertextBlob, plaintext: dk.Plaintext })
    }
    const { KeyMetadata: rsaKey } = await call('CreateKey', { KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT/DECRYPT' })
    const versions = await call('ListKeyVersions', { KeyId: rsaKey.KeyId })
    const versionId = versions.KeyVersions.KeyVersion[0].KeyVersionId
    const rsaPlain = b64('rsa-plain')
    const enc = await call('AsymmetricEncrypt', {
      KeyId: rsaKey.KeyId,
      KeyVersionId: versionId,
      Algorithm: 'RSAES_OAEP_SHA_256',
      Plaintext: rsaPlain,
    })
    const { KeyMetadata: cmk } = await call('CreateKey', {})
    await call('CreateSecret', { SecretName: 'backup/default', VersionId: 'v1', SecretData: SECRET_VALUE })
    await call('CreateSecret', { SecretName: 'backup/cmk', VersionId: 'v1', SecretData: SECRET_VALUE, EncryptionKeyId: cmk.KeyId })
    made = {
      blobs,
      rsa: { keyId: rsaKey.KeyId, versionId, blob: enc.CiphertextBlob, plaintext: rsaPlain },
      secrets: ['backup/default', 'backup/cmk'],
      accountId: stack.credentials.accountId,
    }
  } finally {
    await stack.stop()
  }
  backup = await createBackup({ dataDir: source, passphrase: PASS })
}, 240_000)

afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('backup', () => {
  it('is encrypted, and its content holds no plaintext material, secret value or root key', () => {
    const ring = JSON.parse(readFileSync(join(source, 'root-keys.json'), 'utf8')) as { keys: Record<string, string> }
    const creds = JSON.parse(readFileSync(join(source, 'credentials.json'), 'utf8')) as { accessKeySecret: string }
    const payload = JSON.stringify(openBackup(backup, PASS))
    for (const text of [backup, payload]) {
      expect(text).not.toContain(SECRET_VALUE)
      expect(text).not.toContain(Buffer.from(SECRET_VALUE).toString('base64'))
      expect(text).not.toContain(creds.accessKeySecret)
      for (const key of Object.values(ring.keys)) expect(text).not.toContain(key)
      for (const b of made.blobs) expect(text).not.toContain(b.plaintext)
    }
    expect(payload).toContain('rk1.') // key material stays wrapped under the root key
  })

  it('restores into a fresh data directory where every blob made before decrypts', async () => {
    const target = join(root, 'restored')
    const result = await restoreBackup({
      backup,
      passphrase: PASS,
      dataDir: target,
      rootKeysFile: join(source, 'root-keys.json'),
      expectAccountId: made.accountId,
    })
    expect(result.accountId).toBe(made.accountId)
    const { stack, call } = await start(target)
    try {
      expect(stack.credentials.accountId).toBe(made.accountId)
      for (const b of made.blobs) {
        const out = await call('Decrypt', { CiphertextBlob: b.blob, ...(b.context ? { EncryptionContext: b.context } : {}) })
        expect(out.Plaintext).toBe(b.plaintext)
      }
      const rsa = await call('AsymmetricDecrypt', {
        KeyId: made.rsa.keyId,
        KeyVersionId: made.rsa.versionId,
        Algorithm: 'RSAES_OAEP_SHA_256',
        CiphertextBlob: made.rsa.blob,
      })
      expect(rsa.Plaintext).toBe(made.rsa.plaintext)
      for (const name of made.secrets) expect((await call('GetSecretValue', { SecretName: name })).SecretData).toBe(SECRET_VALUE)
    } finally {
      await stack.stop()
    }
  }, 240_000)

  it('with --include-root-keys the backup alone (and the passphrase) restores', async () => {
    const withRing = await createBackup({ dataDir: source, passphrase: PASS, includeRootKeys: true })
    const target = join(root, 'restored-ring')
    await restoreBackup({ backup: withRing, passphrase: PASS, dataDir: target })
    expect(readFileSync(join(target, 'root-keys.json'), 'utf8')).toBe(readFileSync(join(source, 'root-keys.json'), 'utf8'))
    // Without the ring, and none given: refused before anything is written.
    const bare = join(root, 'no-ring')
    await expect(restoreBackup({ backup, passphrase: PASS, dataDir: bare })).rejects.toThrow(/root key ring/)
    expect(existsSync(bare)).toBe(false)
  }, 120_000)

  it('refuses malformed backups, a wrong passphrase, another root key ring or account, a used directory; nothing half-restored', async () => {
    const target = join(root, 'refused')
    const otherRing = join(root, 'other-ring.json')
    writeFileSync(otherRing, generateRootKeyRingJson())
    const env = JSON.parse(backup)
    const flipped = Buffer.from(env.ciphertext, 'base64')
    flipped[100] = flipped[100]! ^ 1
    const cases: Array<[Parameters<typeof restoreBackup>[0], RegExp]> = [
      [{ backup: 'not json', passphrase: PASS, dataDir: target }, /Not a backup file/],
      [{ backup: JSON.stringify({ format: 'other' }), passphrase: PASS, dataDir: target }, /Not a backup file/],
      [{ backup: backup.slice(0, backup.length / 2), passphrase: PASS, dataDir: target }, /Not a backup file|truncated/],
      [
        { backup: JSON.stringify({ ...env, ciphertext: flipped.toString('base64') }), passphrase: PASS, dataDir: target },
        /wrong passphrase, or the file was altered/,
      ],
      [{ backup, passphrase: 'a wrong passphrase!', dataDir: target, rootKeysFile: join(source, 'root-keys.json') }, /wrong passphrase/],
      [{ backup, passphrase: PASS, dataDir: target, rootKeysFile: otherRing }, /another root key ring/],
      [
        { backup, passphrase: PASS, dataDir: target, rootKeysFile: join(source, 'root-keys.json'), expectAccountId: '1' },
        /another account/,
      ],
      [{ backup, passphrase: PASS, dataDir: source, rootKeysFile: join(source, 'root-keys.json') }, /not empty/],
    ]
    for (const [opts, message] of cases) {
      await expect(restoreBackup(opts)).rejects.toThrow(message)
      expect(existsSync(target)).toBe(false)
    }
    // No staging directory survives either.
    const { readdirSync } = await import('node:fs')
    expect(readdirSync(root).filter((n) => n.includes('.restoring-'))).toEqual([])
    await expect(createBackup({ dataDir: source, passphrase: 'short' })).rejects.toThrow(/at least 12/)
  }, 120_000)
})
