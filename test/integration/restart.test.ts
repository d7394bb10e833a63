/**
 * State survives restarts: a second stack on its own data dir is stopped and started again,
 * and a blob made before the restart decrypts after it; keys, aliases and credentials persist.
 * Also checks bootstrap credentials taken from configuration.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { freePort, startStack } from '../../scripts/lib/stack'
import { b64, Kms, kmsClient, unb64 } from './clients'
import { expectError, expectOk, send, signedV1, type RawRequest } from './raw'

const dataDir = mkdtempSync(join(tmpdir(), 'kms-restart-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

describe('local stack restart', () => {
  it('keeps keys, aliases and credentials, and decrypts blobs made before the restart', async () => {
    const port = await freePort()
    const first = await startStack({
      port,
      dataDir,
      bootstrapAccessKeyId: 'LTAIrestartTestKey01',
      bootstrapAccessKeySecret: 'restart-test-secret-0123456789',
    })
    let blob: string
    let keyId: string
    let replayed: RawRequest
    try {
      expect(first.credentials.accessKeyId).toBe('LTAIrestartTestKey01')
      const creds = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8'))
      expect(creds).toEqual({ ...first.credentials })
      expect(statSync(join(dataDir, 'credentials.json')).mode & 0o777).toBe(0o600)
      expect(statSync(join(dataDir, 'root-keys.json')).mode & 0o777).toBe(0o600)
      const client = kmsClient({ ...first.credentials, dataDir, dynamoEndpoint: '', tableName: '' })
      keyId = (await client.createKey(new Kms.CreateKeyRequest({ description: 'survives' }))).keyMetadata.keyId
      await client.createAlias(new Kms.CreateAliasRequest({ aliasName: 'alias/survivor', keyId }))
      blob = (
        await client.encrypt(
          new Kms.EncryptRequest({ keyId: 'alias/survivor', plaintext: b64('before restart'), encryptionContext: { k: 'v' } }),
        )
      ).ciphertextBlob
      replayed = await signedV1('DescribeRegions', {}, { stack: { ...first.credentials, dataDir, dynamoEndpoint: '', tableName: '' } })
      expectOk(await send(replayed))
    } finally {
      await first.stop()
    }

    const second = await startStack({ port, dataDir })
    try {
      expect(second.credentials.accountId).toBe(first.credentials.accountId)
      expect(second.credentials.accessKeyId).toBe('LTAIrestartTestKey01')
      expect(second.credentials.accessKeySecret).toBe('restart-test-secret-0123456789')
      const client = kmsClient({ ...second.credentials, dataDir, dynamoEndpoint: '', tableName: '' })
      const dec = await client.decrypt(new Kms.DecryptRequest({ ciphertextBlob: blob, encryptionContext: { k: 'v' } }))
      expect(unb64(dec.plaintext)).toBe('before restart')
      expect(dec.keyId).toBe(keyId)
      const described = await client.describeKey(new Kms.DescribeKeyRequest({ keyId: 'alias/survivor' }))
      expect(described.keyMetadata.description).toBe('survives')
      // A fresh isolate remembers no nonce: only the table (the audit record's id) refuses this one.
      expectError(await send(replayed), 400, 'SignatureNonceUsed')
    } finally {
      await second.stop()
    }
  })

  it('refuses to start on a port that is taken, with a clear message', async () => {
    const { createServer } = await import('node:net')
    const server = createServer()
    const port = await freePort()
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()))
    try {
      await expect(startStack({ port, dataDir })).rejects.toThrow(/already in use/)
    } finally {
      server.close()
    }
  })
})
