/**
 * The key-state table, cell by cell: every API × every key state is driven through the domain
 * and must give exactly the table's outcome; a refused call leaves the stored key unchanged.
 */
import { describe, expect, it } from 'vitest'
import { KmsError } from '../../errors'
import { CALLER, memoryKeyDeps } from '../../../test/fakes/memory-store'
import type { KeyRecord, KeyState } from '../model'
import { createAlias, listAliasesByKeyId, updateAlias } from './aliases'
import { assertKeyState, resolveKey } from './common'
import { createKey } from './create-key'
import { cancelKeyDeletion, disableKey, enableKey, scheduleKeyDeletion, setDeletionProtection, updateKeyDescription } from './key-lifecycle'
import { KEY_STATE_TABLE, type KeyOperation } from './key-state-table'
import { listKeyTags, tagKey, untagKey } from './key-tags'
import { updateRotationPolicy } from './key-versions'
import { decrypt, encrypt, generateDataKey, reEncrypt } from './symmetric-crypto'
import { toBase64, fromBase64 } from '../../crypto/bytes'
import { generateRsaKeyPair } from '../../crypto/asymmetric/rsa'
import { asymmetricDecrypt } from './asymmetric/asymmetric-decrypt'
import { asymmetricEncrypt } from './asymmetric/asymmetric-encrypt'
import { asymmetricSign } from './asymmetric/asymmetric-sign'
import { asymmetricVerify } from './asymmetric/asymmetric-verify'
import { createKeyVersion } from './asymmetric/create-key-version'
import { exportDataKey, generateAndExportDataKey } from './asymmetric/export-data-key'
import { getPublicKey } from './asymmetric/get-public-key'
import { deleteKeyMaterial } from './byok/delete-key-material'
import { getParametersForImport } from './byok/get-parameters-for-import'
import { importKeyMaterial } from './byok/import-key-material'
import { publicEncrypt, constants as nodeConstants } from 'node:crypto'
import { generateMac } from './mac/generate-mac'
import { verifyMac } from './mac/verify-mac'

type Deps = ReturnType<typeof memoryKeyDeps>
const STATES: Exclude<KeyState, 'Deleted'>[] = ['Enabled', 'Disabled', 'PendingDeletion', 'PendingImport']

/** The kind of key an operation is driven on (the asymmetric and BYOK operations need such keys). */
type Subject = 'symmetric' | 'ecSign' | 'rsaEncrypt' | 'external' | 'hmac'
const SUBJECTS: Partial<Record<KeyOperation, Subject>> = {
  AsymmetricSign: 'ecSign',
  AsymmetricVerify: 'ecSign',
  GetPublicKey: 'ecSign',
  CreateKeyVersion: 'ecSign',
  AsymmetricEncrypt: 'rsaEncrypt',
  AsymmetricDecrypt: 'rsaEncrypt',
  GetParametersForImport: 'external',
  ImportKeyMaterial: 'external',
  DeleteKeyMaterial: 'external',
  GenerateMac: 'hmac',
  VerifyMac: 'hmac',
}
const WRAPPING_KEY = generateRsaKeyPair(2048)
const oaepSha256 = (spkiB64: string, data: Uint8Array) =>
  new Uint8Array(
    publicEncrypt(
      {
        key: Buffer.from(spkiB64, 'base64'),
        format: 'der',
        type: 'spki',
        padding: nodeConstants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: 'sha256',
      },
      data,
    ),
  )

interface SubjectInfo {
  keyId: string
  versionId?: string
  signature?: Uint8Array
  digest?: Uint8Array
  ciphertext?: Uint8Array
  importToken?: string
  encryptedMaterial?: Uint8Array
  mac?: Uint8Array
}

async function subjectKey(deps: Deps, subject: Subject): Promise<SubjectInfo> {
  if (subject === 'ecSign') {
    const key = await createKey(deps, CALLER, { keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY' })
    const versionId = key.primaryVersionId!
    const digest = new Uint8Array(32).fill(5)
    const { signature } = await asymmetricSign(deps, CALLER, { keyId: key.keyId, versionId, algorithm: 'ECDSA_SHA_256', digest })
    return { keyId: key.keyId, versionId, signature, digest }
  }
  if (subject === 'hmac') {
    const key = await createKey(deps, CALLER, { keySpec: 'HMAC_SHA_256' })
    const { mac } = await generateMac(deps, CALLER, { keyId: key.keyId, algorithm: 'HMAC_SHA_256', message: new Uint8Array([7]) })
    return { keyId: key.keyId, mac }
  }
  if (subject === 'rsaEncrypt') {
    const key = await createKey(deps, CALLER, { keySpec: 'RSA_2048', keyUsage: 'ENCRYPT/DECRYPT' })
    const versionId = key.primaryVersionId!
    const { ciphertext } = await asymmetricEncrypt(deps, CALLER, {
      keyId: key.keyId,
      versionId,
      algorithm: 'RSAES_OAEP_SHA_256',
      plaintext: new Uint8Array([1]),
    })
    return { keyId: key.keyId, versionId, ciphertext }
  }
  // external: material imported once, then a fresh token and the same material wrapped for it.
  const key = await createKey(deps, CALLER, { origin: 'EXTERNAL' })
  const material = new Uint8Array(32).fill(9)
  const first = await getParametersForImport(deps, CALLER, {
    keyId: key.keyId,
    wrappingAlgorithm: 'RSAES_OAEP_SHA_256',
    wrappingKeySpec: 'RSA_2048',
  })
  await importKeyMaterial(deps, CALLER, {
    keyId: key.keyId,
    importToken: first.importToken,
    encryptedKeyMaterial: oaepSha256(first.publicKey, material),
  })
  const second = await getParametersForImport(deps, CALLER, {
    keyId: key.keyId,
    wrappingAlgorithm: 'RSAES_OAEP_SHA_256',
    wrappingKeySpec: 'RSA_2048',
  })
  return { keyId: key.keyId, importToken: second.importToken, encryptedMaterial: oaepSha256(second.publicKey, material) }
}

async function setup(state: Exclude<KeyState, 'Deleted'>, subject: Subject = 'symmetric') {
  const deps = memoryKeyDeps()
  const key = await createKey(deps, CALLER, {})
  const other = await createKey(deps, CALLER, {})
  const blob = fromBase64(
    (await encrypt(deps, CALLER, { keyId: key.keyId, plaintext: new Uint8Array([1, 2, 3]), context: {} })).ciphertextBlob,
  )!
  const otherBlob = fromBase64(
    (await encrypt(deps, CALLER, { keyId: other.keyId, plaintext: new Uint8Array([4]), context: {} })).ciphertextBlob,
  )!
  await createAlias(deps, CALLER, 'alias/other', other.keyId)
  await tagKey(deps, CALLER, key.keyId, [{ TagKey: 't', TagValue: 'v' }])
  const extra: SubjectInfo = subject === 'symmetric' ? { keyId: key.keyId } : await subjectKey(deps, subject)
  const stored = deps.keys.items.get(extra.keyId)!
  const next: KeyRecord = { ...stored, keyState: state, rev: stored.rev + 1 }
  if (state === 'PendingDeletion') next.deleteDate = '2026-12-30T00:00:00Z'
  deps.keys.items.set(extra.keyId, next)
  return { deps, otherId: other.keyId, blob, otherBlob, ...extra }
}

const DRIVERS: Record<KeyOperation, (s: Awaited<ReturnType<typeof setup>>) => Promise<unknown>> = {
  Encrypt: ({ deps, keyId }) => encrypt(deps, CALLER, { keyId, plaintext: new Uint8Array([9]), context: {} }),
  Decrypt: ({ deps, blob }) => decrypt(deps, CALLER, { ciphertextBlob: blob, context: {} }),
  GenerateDataKey: ({ deps, keyId }) => generateDataKey(deps, CALLER, { keyId, context: {} }),
  GenerateDataKeyWithoutPlaintext: ({ deps, keyId }) => generateDataKey(deps, CALLER, { keyId, context: {}, withoutPlaintext: true }),
  ReEncryptFrom: ({ deps, blob, otherId }) =>
    reEncrypt(deps, CALLER, { ciphertextBlob: blob, sourceContext: {}, destinationKeyId: otherId, destinationContext: {} }),
  ReEncryptTo: ({ deps, otherBlob, keyId }) =>
    reEncrypt(deps, CALLER, { ciphertextBlob: otherBlob, sourceContext: {}, destinationKeyId: keyId, destinationContext: {} }),
  DescribeKey: async ({ deps, keyId }) => assertKeyState('DescribeKey', await resolveKey(deps, CALLER, keyId)),
  EnableKey: ({ deps, keyId }) => enableKey(deps, CALLER, keyId),
  DisableKey: ({ deps, keyId }) => disableKey(deps, CALLER, keyId),
  UpdateKeyDescription: ({ deps, keyId }) => updateKeyDescription(deps, CALLER, keyId, 'new'),
  ScheduleKeyDeletion: ({ deps, keyId }) => scheduleKeyDeletion(deps, CALLER, keyId, 7),
  CancelKeyDeletion: ({ deps, keyId }) => cancelKeyDeletion(deps, CALLER, keyId),
  SetDeletionProtection: ({ deps, keyId }) => setDeletionProtection(deps, CALLER, keyId, true, 'keep'),
  CreateAlias: ({ deps, keyId }) => createAlias(deps, CALLER, 'alias/mine', keyId),
  UpdateAlias: ({ deps, keyId }) => updateAlias(deps, CALLER, 'alias/other', keyId),
  ListAliasesByKeyId: ({ deps, keyId }) => listAliasesByKeyId(deps, CALLER, keyId),
  TagResource: ({ deps, keyId }) => tagKey(deps, CALLER, keyId, [{ TagKey: 'n', TagValue: 'w' }]),
  UntagResource: ({ deps, keyId }) => untagKey(deps, CALLER, keyId, ['t']),
  ListResourceTags: ({ deps, keyId }) => listKeyTags(deps, CALLER, keyId),
  UpdateRotationPolicy: ({ deps, keyId }) => updateRotationPolicy(deps, CALLER, keyId, true, '30d'),
  AsymmetricSign: ({ deps, keyId, versionId }) =>
    asymmetricSign(deps, CALLER, { keyId, versionId: versionId!, algorithm: 'ECDSA_SHA_256', digest: new Uint8Array(32) }),
  AsymmetricVerify: async ({ deps, keyId, versionId, signature, digest }) => {
    const { valid } = await asymmetricVerify(deps, CALLER, {
      keyId,
      versionId: versionId!,
      algorithm: 'ECDSA_SHA_256',
      digest: digest!,
      signature: signature!,
    })
    expect(valid).toBe(true)
  },
  AsymmetricEncrypt: ({ deps, keyId, versionId }) =>
    asymmetricEncrypt(deps, CALLER, { keyId, versionId: versionId!, algorithm: 'RSAES_OAEP_SHA_256', plaintext: new Uint8Array([2]) }),
  AsymmetricDecrypt: ({ deps, keyId, versionId, ciphertext }) =>
    asymmetricDecrypt(deps, CALLER, { keyId, versionId: versionId!, algorithm: 'RSAES_OAEP_SHA_256', ciphertext: ciphertext! }),
  GetPublicKey: ({ deps, keyId, versionId }) => getPublicKey(deps, CALLER, { keyId, versionId: versionId! }),
  GenerateMac: ({ deps, keyId }) => generateMac(deps, CALLER, { keyId, algorithm: 'HMAC_SHA_256', message: new Uint8Array([8]) }),
  VerifyMac: async ({ deps, keyId, mac }) => {
    const { valid } = await verifyMac(deps, CALLER, { keyId, algorithm: 'HMAC_SHA_256', message: new Uint8Array([7]), mac: mac! })
    expect(valid).toBe(true)
  },
  CreateKeyVersion: ({ deps, keyId }) => {
    deps.clock.advanceDays(8)
    return createKeyVersion(deps, CALLER, keyId)
  },
  ExportDataKey: async ({ deps, blob }) =>
    exportDataKey(deps, CALLER, {
      ciphertextBlob: blob,
      context: {},
      publicKeyBlob: (await WRAPPING_KEY).spki,
      wrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      wrappingKeySpec: 'RSA_2048',
    }),
  GenerateAndExportDataKey: async ({ deps, keyId }) =>
    generateAndExportDataKey(deps, CALLER, {
      keyId,
      context: {},
      publicKeyBlob: (await WRAPPING_KEY).spki,
      wrappingAlgorithm: 'RSAES_PKCS1_V1_5',
      wrappingKeySpec: 'RSA_2048',
    }),
  GetParametersForImport: ({ deps, keyId }) =>
    getParametersForImport(deps, CALLER, { keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_256', wrappingKeySpec: 'RSA_2048' }),
  ImportKeyMaterial: ({ deps, keyId, importToken, encryptedMaterial }) =>
    importKeyMaterial(deps, CALLER, { keyId, importToken: importToken!, encryptedKeyMaterial: encryptedMaterial! }),
  DeleteKeyMaterial: ({ deps, keyId }) => deleteKeyMaterial(deps, CALLER, keyId),
}

describe('key-state table', () => {
  it('has a driver for every operation', () => {
    expect(Object.keys(DRIVERS).sort()).toEqual(Object.keys(KEY_STATE_TABLE).sort())
  })

  for (const operation of Object.keys(KEY_STATE_TABLE) as KeyOperation[]) {
    for (const state of STATES) {
      const expected = KEY_STATE_TABLE[operation][state]
      it(`${operation} on a ${state} key → ${expected}`, async () => {
        const s = await setup(state, SUBJECTS[operation])
        const before = structuredClone(s.deps.keys.items.get(s.keyId)!)
        const aliasesBefore = structuredClone([...s.deps.aliases.items.values()])
        if (expected === 'ok') {
          await expect(DRIVERS[operation](s)).resolves.not.toThrow()
        } else {
          const err = await DRIVERS[operation](s).then(
            () => undefined,
            (e: unknown) => e,
          )
          expect(err).toBeInstanceOf(KmsError)
          expect((err as KmsError).code).toBe(expected)
          // A refused call writes nothing.
          expect(s.deps.keys.items.get(s.keyId)).toEqual(before)
          expect([...s.deps.aliases.items.values()]).toEqual(aliasesBefore)
        }
      })
    }
  }
})

describe('key lifecycle', () => {
  it('is idempotent: repeating EnableKey or DisableKey writes nothing', async () => {
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, {})
    await enableKey(deps, CALLER, key.keyId)
    expect(deps.keys.items.get(key.keyId)!.rev).toBe(1)
    await disableKey(deps, CALLER, key.keyId)
    await disableKey(deps, CALLER, key.keyId)
    expect(deps.keys.items.get(key.keyId)!.rev).toBe(2)
  })

  it('blocks ScheduleKeyDeletion while deletion protection is on', async () => {
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, {})
    await setDeletionProtection(deps, CALLER, key.keyId, true, 'prod')
    await expect(scheduleKeyDeletion(deps, CALLER, key.keyId, 7)).rejects.toMatchObject({ code: 'key.deletionProtected' })
    expect(deps.keys.items.get(key.keyId)!.keyState).toBe('Enabled')
  })

  it('serialises concurrent writers with optimistic concurrency (no lost tag)', async () => {
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, {})
    await Promise.all(Array.from({ length: 15 }, (_, i) => tagKey(deps, CALLER, key.keyId, [{ TagKey: `k${i}`, TagValue: 'v' }])))
    expect(Object.keys(deps.keys.items.get(key.keyId)!.tags)).toHaveLength(15)
  })

  it('finds a key by id, ARN, alias and alias ARN, and not in another account', async () => {
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, {})
    await createAlias(deps, CALLER, 'alias/app/main', key.keyId)
    const arn = `acs:kms:${CALLER.region}:${CALLER.accountId}:key/${key.keyId}`
    for (const id of [key.keyId, arn, 'alias/app/main', `acs:kms:${CALLER.region}:${CALLER.accountId}:alias/app/main`]) {
      expect((await resolveKey(deps, CALLER, id)).keyId).toBe(key.keyId)
    }
    await expect(resolveKey(deps, { ...CALLER, accountId: '99' }, key.keyId)).rejects.toMatchObject({ code: 'key.notFound' })
    await expect(resolveKey(deps, CALLER, `acs:kms:cn-beijing:${CALLER.accountId}:key/${key.keyId}`)).rejects.toMatchObject({
      code: 'validation.invalidParameter',
    })
  })
})

describe('symmetric crypto', () => {
  it('decrypts with any context order and rejects a changed context uniformly', async () => {
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, {})
    const { ciphertextBlob } = await encrypt(deps, CALLER, {
      keyId: key.keyId,
      plaintext: new Uint8Array([7, 7]),
      context: { a: '1', b: '2' },
    })
    const blob = fromBase64(ciphertextBlob)!
    const out = await decrypt(deps, CALLER, { ciphertextBlob: blob, context: { b: '2', a: '1' } })
    expect([...out.plaintext]).toEqual([7, 7])
    const contexts: Record<string, string>[] = [{ a: '1' }, { a: '1', b: '3' }, { a: '1', b: '2', c: '3' }, {}]
    for (const context of contexts) {
      await expect(decrypt(deps, CALLER, { ciphertextBlob: blob, context })).rejects.toMatchObject({ code: 'crypto.invalidCiphertext' })
    }
  })

  it('refuses a blob of another account with the uniform error', async () => {
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, {})
    const { ciphertextBlob } = await encrypt(deps, CALLER, { keyId: key.keyId, plaintext: new Uint8Array([1]), context: {} })
    await expect(
      decrypt(deps, { ...CALLER, accountId: '42' }, { ciphertextBlob: fromBase64(ciphertextBlob)!, context: {} }),
    ).rejects.toMatchObject({ code: 'crypto.invalidCiphertext' })
  })

  it('bounds plaintext and data-key sizes before any work', async () => {
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, {})
    await expect(encrypt(deps, CALLER, { keyId: key.keyId, plaintext: new Uint8Array(6145), context: {} })).rejects.toMatchObject({
      code: 'validation.invalidParameter',
    })
    await expect(generateDataKey(deps, CALLER, { keyId: key.keyId, numberOfBytes: 1025, context: {} })).rejects.toMatchObject({
      code: 'validation.invalidParameter',
    })
    expect((await generateDataKey(deps, CALLER, { keyId: key.keyId, numberOfBytes: 1, context: {} })).plaintext).toHaveLength(1)
    expect(toBase64((await generateDataKey(deps, CALLER, { keyId: key.keyId, keySpec: 'AES_128', context: {} })).plaintext)).toHaveLength(
      24,
    )
  })
})
